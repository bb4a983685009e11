"""Report forms. The report form's budget, participation and asset fields depend on the
grant, so they are read from the request by name; WTForms checks CSRF and the fixed fields,
and the operation checks every value (a mistake keeps what was typed and changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class ReportForm(FlaskForm):
    what_happened = TextAreaField("What happened?", description="In your own words: what you "
                                  "did, when, and how it went.")
    volunteers = StringField("How many volunteers helped?")
    volunteer_hours = StringField("About how many hours did volunteers give, in total?")
    assets_value = StringField("Roughly what were your own assets worth (£)?",
                               description="Free use of a room, donated materials, skilled time. "
                                           "A fair estimate is fine; 0 if you are not sure.")
    learned = TextAreaField("What did you learn?", description="What worked, what you would do "
                            "differently, anything you want the fund to know.")


class PhotoForm(FlaskForm):
    photo = FileField("Photo (JPG or PNG)")
    caption = StringField("Caption", validators=[Length(max=300)])
    consent = BooleanField("Everyone in this photo (or a parent or carer for children) agreed "
                           "to it being shared publicly")


class ActionForm(FlaskForm):
    """A button with only the CSRF token (submit, accept, remove)."""


class ChangesForm(FlaskForm):
    reason = TextAreaField("What needs to change?", validators=[DataRequired(
        "Say what needs to change, so the group knows what to do."), Length(max=5000)])


class ScheduleForm(FlaskForm):
    activity_ends_on = DateField("When does the activity end?", validators=[InputRequired(
        "Enter the date the activity ends, like 31/03/2027.")])
