"""Register, verify email, sign in and out, reset password, change email; admin roles."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from commonpot.accounts import operations
from commonpot.accounts.forms import (
    ChangeEmailForm,
    EmptyForm,
    FundRoleForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
    RoleForm,
)
from commonpot.accounts.models import User
from commonpot.accounts.policy import ADMIN, PUBLIC, SIGNED_IN, access
from commonpot.accounts.signals import funds_to_offer
from commonpot.accounts.tokens import TokenError, make_token, read_token
from commonpot.extensions import db, limiter
from commonpot.forms import options
from commonpot.mail import OutboxMessage, send_email

bp = Blueprint("accounts", __name__)


def _email_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def _failed(response) -> bool:
    # A successful sign-in redirects; a failure re-renders the form.
    return response.status_code != 302


def _login_limit_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _login_limit_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


TOO_MANY_SIGN_INS = ("Too many sign-in attempts. Wait 15 minutes and try again, "
                     "or reset your password.")
TOO_MANY_RESETS = "Too many reset requests. Wait 15 minutes and try again."


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("public.home")


def _send_verification(user: User) -> None:
    token = make_token("verify", {"user": user.id, "email": user.email})
    link = url_for("accounts.verify_email", token=token, _external=True)
    send_email(db.session, user.email, "Confirm your email address for Commonpot",
               f"Hello {user.display_name},\n\nConfirm your email address by opening this link:\n\n"
               f"{link}\n\nThe link works for 48 hours. If you did not register, ignore this email.\n")


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = operations.register(db.session, email=form.email.data,
                                       display_name=form.display_name.data,
                                       password=form.password.data)
        except operations.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            _send_verification(user)
            login_user(user)
            flash("Your account is ready. We have sent you an email: open the link in it "
                  "to confirm your address.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/register.html", form=form)


@bp.route("/verify/<token>")
@access(PUBLIC)
def verify_email(token: str):
    try:
        data = read_token("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title="Link not valid", message=str(exc)), 400
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get("email"):
        return render_template("accounts/message.html", title="Link not valid",
                               message="This link is for an address that has since changed."), 400
    operations.verify_email(db.session, user)
    flash("Thank you: your email address is confirmed.", "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated
                    else url_for("accounts.login"))


@bp.route("/verify/resend", methods=["POST"])
@access(SIGNED_IN)
@limiter.limit("5 per hour", key_func=lambda: f"verify:{current_user.get_id()}")
def resend_verification():
    if EmptyForm().validate_on_submit() and not current_user.is_verified:
        _send_verification(current_user)
        flash("We have sent you a new confirmation email.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit_address, methods=["POST"], error_message=TOO_MANY_SIGN_INS)
@limiter.limit(_login_limit_account, key_func=_email_key, methods=["POST"], deduct_when=_failed,
               error_message=TOO_MANY_SIGN_INS)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(db.session, email=form.email.data, password=form.password.data,
                                       remote_addr=request.remote_addr or "")
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("The email address or password is not right")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access(SIGNED_IN)
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash("You have signed out.", "success")
    return redirect(url_for("public.home"))


@bp.route("/reset", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit_address, methods=["POST"], error_message=TOO_MANY_RESETS)
@limiter.limit(_login_limit_account, key_func=_email_key, methods=["POST"],
               error_message=TOO_MANY_RESETS)
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = operations.find_user_by_email(db.session, form.email.data)
        if user:
            token = make_token("reset", {"user": user.id,
                                         "stamp": user.password_changed_at.isoformat()})
            link = url_for("accounts.reset_password", token=token, _external=True)
            send_email(db.session, user.email, "Reset your Commonpot password",
                       f"Hello {user.display_name},\n\nTo choose a new password open this link:\n\n"
                       f"{link}\n\nThe link works for one hour and only once. If you did not ask "
                       "for this, ignore this email: your password has not changed.\n")
        # The same answer either way, so the form does not reveal who has an account.
        return render_template("accounts/message.html", title="Check your email",
                               message="If an account uses that address, we have sent it a link "
                                       "to reset the password. The link works for one hour.")
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token: str):
    try:
        data = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title="Link not valid", message=str(exc)), 400
    user = db.session.get(User, data.get("user"))
    if user is None or user.password_changed_at.isoformat() != data.get("stamp"):
        return render_template("accounts/message.html", title="Link already used",
                               message="This link has already been used. Ask for a new one."), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            operations.set_password(db.session, user, form.password.data, reason="reset")
        except operations.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            flash("Your password has been changed. Sign in with the new one.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET"])
@access(SIGNED_IN)
def account():
    return render_template("accounts/account.html", email_form=ChangeEmailForm(),
                           resend_form=EmptyForm())


@bp.route("/account/email", methods=["POST"])
@access(SIGNED_IN)
@limiter.limit("5 per hour", key_func=lambda: f"email-change:{current_user.get_id()}")
def request_email_change():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        new_email = operations.normalise_email(form.email.data)
        other = operations.find_user_by_email(db.session, new_email)
        if other and other.id != current_user.id:
            form.email.errors.append("Another account already uses that email address.")
        else:
            token = make_token("change-email", {"user": current_user.id, "email": new_email})
            link = url_for("accounts.confirm_email_change", token=token, _external=True)
            send_email(db.session, new_email, "Confirm your new email address for Commonpot",
                       f"Open this link to start using this address for Commonpot:\n\n{link}\n\n"
                       "The link works for 48 hours.\n")
            flash(f"We have sent a link to {new_email}. Open it to finish the change.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", email_form=form, resend_form=EmptyForm()), 400


@bp.route("/account/email/<token>")
@access(SIGNED_IN)
def confirm_email_change(token: str):
    try:
        data = read_token("change-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title="Link not valid", message=str(exc)), 400
    if data.get("user") != current_user.id:
        abort(403)
    try:
        operations.change_email(db.session, current_user, data["email"])
    except operations.AccountError as exc:
        return render_template("accounts/message.html", title="Email not changed", message=str(exc)), 400
    flash("Your email address has been changed.", "success")
    return redirect(url_for("accounts.account"))


# --- administration --------------------------------------------------------------------------

@bp.route("/admin/users")
@access(ADMIN)
def admin_users():
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=users)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@access(ADMIN)
def admin_user(user_id: int):
    user = db.get_or_404(User, user_id)
    role_form = RoleForm(prefix="roles", obj=user)
    fund_form = FundRoleForm(prefix="fund")
    fund_form.fund_id.choices = options(funds_to_offer(db.session))
    if request.method == "POST":
        if "roles-submit" in request.form and role_form.validate_on_submit():
            operations.set_admin(db.session, current_user, user, role_form.is_admin.data)
            operations.set_steward(db.session, current_user, user, role_form.is_steward.data)
            flash("Roles saved.", "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
        if "fund-submit" in request.form and fund_form.validate_on_submit():
            change = operations.grant_fund_role if fund_form.action.data == "grant" \
                else operations.revoke_fund_role
            change(db.session, current_user, user, fund_form.fund_id.data, fund_form.role.data)
            flash("Fund role saved.", "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
        return render_template("admin/user.html", user=user, role_form=role_form,
                               fund_form=fund_form), 400
    return render_template("admin/user.html", user=user, role_form=role_form, fund_form=fund_form)


@bp.route("/admin/outbox")
@access(ADMIN)
def admin_outbox():
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)).all()
    return render_template("admin/outbox.html", messages=messages)
