from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from commonpot.accounts.passwords import MIN_LENGTH
from commonpot.forms import options
from commonpot.i18n import _l

_EMAIL_LIKE = _l("Enter an email address like name@example.org")


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name")),
                                                            Length(max=120)],
                               description=_l("The name other people on Commonpot will see."))
    email = EmailField(_l("Email address"), validators=[
        DataRequired(_l("Enter your email address")), Email(_EMAIL_LIKE)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password"))],
                             description=_l("At least %(num)s characters. A few random words work well.",
                                            num=MIN_LENGTH))
    confirm = PasswordField(_l("Confirm password"), validators=[
        DataRequired(_l("Enter the password again")), EqualTo("password", _l("The passwords do not match"))])


class LoginForm(FlaskForm):
    # No address longer than the column can belong to an account: a plain failed sign-in.
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address")),
                                                    Length(max=254, message=_l("The email address or "
                                                           "password is not right"))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password")),
                                                     Length(max=1000)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[
        DataRequired(_l("Enter your email address")), Email(_EMAIL_LIKE)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password"))],
                             description=_l("At least %(num)s characters.", num=MIN_LENGTH))
    confirm = PasswordField(_l("Confirm new password"), validators=[
        DataRequired(_l("Enter the new password again")), EqualTo("password",
                                                                  _l("The passwords do not match"))])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[
        DataRequired(_l("Enter the new email address")), Email(_EMAIL_LIKE)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class RoleForm(FlaskForm):
    is_admin = BooleanField(_l("Platform admin"))
    is_steward = BooleanField(_l("Steward (enters paper ballots)"))


class FundRoleForm(FlaskForm):
    fund_id = SelectField(_l("Fund"), coerce=int)
    role = SelectField(_l("Role"), choices=options([("fund_manager", _l("Fund manager")),
                                                ("panel_member", _l("Panel member"))]))
    action = SelectField(_l("Change"), choices=options([("grant", _l("Give this role")),
                                                    ("revoke", _l("Remove this role"))]))
