from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from commonpot.accounts.passwords import MIN_LENGTH
from commonpot.forms import options


class RegisterForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired("Enter your name"), Length(max=120)],
                               description="The name other people on Commonpot will see.")
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"),
                                                    Email("Enter an email address like name@example.org")])
    password = PasswordField("Password", validators=[DataRequired("Enter a password")],
                             description=f"At least {MIN_LENGTH} characters. A few random words work well.")
    confirm = PasswordField("Confirm password", validators=[
        DataRequired("Enter the password again"), EqualTo("password", "The passwords do not match")])


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class ResetRequestForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"),
                                                    Email("Enter an email address like name@example.org")])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a new password")],
                             description=f"At least {MIN_LENGTH} characters.")
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Enter the new password again"), EqualTo("password", "The passwords do not match")])


class ChangeEmailForm(FlaskForm):
    email = EmailField("New email address", validators=[
        DataRequired("Enter the new email address"), Email("Enter an email address like name@example.org")])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class RoleForm(FlaskForm):
    is_admin = BooleanField("Platform admin")
    is_steward = BooleanField("Steward (enters paper ballots)")


class FundRoleForm(FlaskForm):
    fund_id = SelectField("Fund", coerce=int)
    role = SelectField("Role", choices=options([("fund_manager", "Fund manager"),
                                                ("panel_member", "Panel member")]))
    action = SelectField("Change", choices=options([("grant", "Give this role"),
                                                    ("revoke", "Remove this role")]))
