"""Report forms. The report form's budget, participation and asset fields depend on the
grant, so they are read from the request by name; WTForms checks CSRF and the fixed fields,
and the operation checks every value (a mistake keeps what was typed and changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from commonpot.i18n import lazy_gettext as _l


class ReportForm(FlaskForm):
    what_happened = TextAreaField(_l("What happened?"), description=_l("In your own words: what you "
                                  "did, when, and how it went."))
    volunteers = StringField(_l("How many volunteers helped?"))
    volunteer_hours = StringField(_l("About how many hours did volunteers give, in total?"))
    assets_value = StringField(_l("Roughly what were your own assets worth (£)?"),
                               description=_l("Free use of a room, donated materials, skilled time. "
                                           "A fair estimate is fine; 0 if you are not sure."))
    learned = TextAreaField(_l("What did you learn?"), description=_l("What worked, what you would do "
                            "differently, anything you want the fund to know."))


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPG or PNG)"))
    caption = StringField(_l("Caption"), validators=[Length(max=300)])
    consent = BooleanField(_l("Everyone in this photo (or a parent or carer for children) agreed "
                           "to it being shared publicly"))


class ActionForm(FlaskForm):
    """A button with only the CSRF token (submit, accept, remove)."""


class ChangesForm(FlaskForm):
    reason = TextAreaField(_l("What needs to change?"), validators=[DataRequired(
        _l("Say what needs to change, so the group knows what to do.")), Length(max=5000)])


class ScheduleForm(FlaskForm):
    activity_ends_on = DateField(_l("When does the activity end?"), validators=[InputRequired(
        _l("Enter the date the activity ends, like 31/03/2027."))])
