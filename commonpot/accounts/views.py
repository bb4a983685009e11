"""Register, verify email, sign in and out, reset password, change email; admin roles."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commonpot.accounts import operations, throttle
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
from commonpot.accounts.signals import funds_to_offer, sections_for
from commonpot.accounts.tokens import TokenError, make_token, read_token
from commonpot.db import utcnow
from commonpot.extensions import db, limiter
from commonpot.forms import options
from commonpot.i18n import _, _l, in_language_of, later
from commonpot.mail import OUTBOX_STATUSES, OutboxMessage, retry_message, send_email
from commonpot.pagination import paginate
from commonpot.refusals import Refused
from commonpot.urls import external_url

bp = Blueprint("accounts", __name__)


def _email_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()[:254]


def _reset_limit_account() -> str:
    return current_app.config["RESET_LIMIT_PER_ACCOUNT"]


def _reset_limit_address() -> str:
    return current_app.config["RESET_LIMIT_PER_ADDRESS"]


def _register_limit_address() -> str:
    return current_app.config["REGISTER_LIMIT_PER_ADDRESS"]


TOO_MANY_SIGN_INS = _l("Too many sign-in attempts. Try again in %(when)s, or reset your password. "
                       "If this is your account, we have emailed you a link that lets you sign in.")
TOO_MANY_RESETS = later(_l("Too many reset requests. Wait a few minutes and try again."))
TOO_MANY_REGISTRATIONS = later(_l("Too many new accounts from this connection. Wait a while and try again."))


def _too_many(message: str, wait: int):
    from commonpot.errors import render_error

    body, status = render_error(429, message)
    return body, status, {"Retry-After": str(wait)}


def _start_session(user: User) -> None:
    """A new session for a sign-in: nothing from before it carries over."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("accounts.show_dashboard")


def _send_verification(user: User) -> None:
    token = make_token("verify", {"user": user.id, "email": user.email})
    link = external_url("accounts.verify_email", token=token)
    send_email(db.session, user.email, _("Confirm your email address for Commonpot"),
               _("Hello %(name)s,\n\nConfirm your email address by opening this link:\n\n"
                 "%(link)s\n\nThe link works for 48 hours. If you did not register, ignore this email.\n",
                 name=user.display_name, link=link))


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_register_limit_address, methods=["POST"], error_message=TOO_MANY_REGISTRATIONS)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user, owner = operations.register_or_notify(
                db.session, email=form.email.data, display_name=form.display_name.data,
                password=form.password.data)
        except operations.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            # The same answer whether or not the address already had an account: only the
            # address's owner learns which, from the email.
            if user is not None:
                _send_verification(user)
            else:
                _send_already_registered(owner)
            flash(_("Check your email: we have sent a link to confirm your address. Open it, "
                  "then sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form)


def _send_already_registered(user: User) -> None:
    link = external_url("accounts.request_reset")
    with in_language_of(user):  # the owner's language, not the visitor's
        send_email(db.session, user.email, _("Someone tried to register with your email address"),
                   _("Hello %(name)s,\n\nSomeone (perhaps you) tried to create a Commonpot "
                     "account with this email address, which already has one. If it was you, sign in, "
                     "or choose a new password here:\n\n%(link)s\n\nIf it was not you, you can ignore "
                     "this email: nothing has changed.\n", name=user.display_name, link=link))


@bp.route("/verify/<token>")
@access(PUBLIC)
def verify_email(token: str):
    try:
        data = read_token("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title=_("Link not valid"), message=str(exc)), 400
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get("email"):
        return render_template("accounts/message.html", title=_("Link not valid"),
                               message=_("This link is for an address that has since changed.")), 400
    operations.verify_email(db.session, user)
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated
                    else url_for("accounts.login"))


@bp.route("/verify/resend", methods=["POST"])
@access(SIGNED_IN)
@limiter.limit("5 per hour", key_func=lambda: f"verify:{current_user.id}")
def resend_verification():
    if EmptyForm().validate_on_submit() and not current_user.is_verified:
        _send_verification(current_user)
        flash(_("We have sent you a new confirmation email."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        email = operations.normalise_email(form.email.data)
        address_key = throttle.address_key(request.remote_addr or "")
        account_key = throttle.account_key(email)
        wait = throttle.wait_seconds(address_key, config["LOGIN_LIMIT_PER_ADDRESS"])
        if session.get("login_unlocked") != email:
            wait = max(wait, throttle.wait_seconds(account_key, config["LOGIN_LIMIT_PER_ACCOUNT"]))
        if wait:
            return _too_many(str(TOO_MANY_SIGN_INS) % {"when": throttle.describe_wait(wait)}, wait)
        user = operations.authenticate(db.session, email=email, password=form.password.data,
                                       remote_addr=request.remote_addr or "")
        if user:
            throttle.clear(account_key)
            target = _safe_next(request.args.get("next"))
            _start_session(user)
            return redirect(target)
        throttle.record_failure(address_key, config["LOGIN_LIMIT_PER_ADDRESS"])
        failures = throttle.record_failure(account_key, config["LOGIN_LIMIT_PER_ACCOUNT"])
        if failures == throttle.free_failures(config["LOGIN_LIMIT_PER_ACCOUNT"]):
            _send_unlock_link(email)
        form.password.errors.append(_("The email address or password is not right"))
    return render_template("accounts/login.html", form=form)


def _send_unlock_link(email: str) -> None:
    """Tell the owner their account is being slowed down, with a way past it."""
    user = operations.find_user_by_email(db.session, email)
    if user is None:
        return
    token = make_token("unlock", {"user": user.id, "email": user.email})
    link = external_url("accounts.unlock_sign_in", token=token)
    with in_language_of(user):  # the owner's language, not the visitor's
        send_email(db.session, user.email, _("Several wrong passwords for your Commonpot account"),
                   _("Hello %(name)s,\n\nSomeone has typed several wrong passwords for your "
                     "account, so signing in to it is slowed down for a while. If it was you, open this "
                     "link and you can sign in straight away from the same browser:\n\n%(link)s\n\n"
                     "The link works for one hour. If it was not you, your account is safe: nobody "
                     "can sign in without your password. You may want to choose a longer one.\n",
                     name=user.display_name, link=link))


@bp.route("/login/unlock/<token>")
@access(PUBLIC)
def unlock_sign_in(token: str):
    try:
        data = read_token("unlock", token, current_app.config["UNLOCK_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title=_("Link not valid"), message=str(exc)), 400
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get("email"):
        return render_template("accounts/message.html", title=_("Link not valid"),
                               message=_("This link is for an address that has since changed.")), 400
    # This browser (the one that opened the owner's email) skips the account's slow-down.
    session["login_unlocked"] = user.email
    throttle.clear(throttle.account_key(user.email))
    flash(_("You can sign in now from this browser."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/logout", methods=["POST"])
@access(SIGNED_IN)
def logout():
    if EmptyForm().validate_on_submit():
        # Ends this account's sessions everywhere: a copied cookie stops working too.
        operations.end_sessions(db.session, current_user, current_user, reason="signed_out")
        logout_user()
        session.clear()
        flash(_("You have signed out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/reset", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_reset_limit_address, methods=["POST"], error_message=TOO_MANY_RESETS)
@limiter.limit(_reset_limit_account, key_func=_email_key, methods=["POST"],
               error_message=TOO_MANY_RESETS)
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = operations.find_user_by_email(db.session, form.email.data)
        if user:
            token = make_token("reset", {"user": user.id,
                                         "stamp": user.password_changed_at.isoformat()})
            link = external_url("accounts.reset_password", token=token)
            send_email(db.session, user.email, _("Reset your Commonpot password"),
                       _("Hello %(name)s,\n\nTo choose a new password open this link:\n\n"
                         "%(link)s\n\nThe link works for one hour and only once. If you did not ask "
                         "for this, ignore this email: your password has not changed.\n",
                         name=user.display_name, link=link))
        # The same answer either way, so the form does not reveal who has an account.
        return render_template("accounts/message.html", title=_("Check your email"),
                               message=_("If an account uses that address, we have sent it a link "
                                         "to reset the password. The link works for one hour."))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token: str):
    try:
        data = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title=_("Link not valid"), message=str(exc)), 400
    user = db.session.get(User, data.get("user"))
    if user is None or user.password_changed_at.isoformat() != data.get("stamp"):
        return render_template("accounts/message.html", title=_("Link already used"),
                               message=_("This link has already been used. Ask for a new one.")), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            operations.set_password(db.session, user, form.password.data, reason="reset")
        except operations.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/dashboard")
@access(SIGNED_IN)
def show_dashboard():
    """Your work: each domain lists what needs the signed-in person (dashboard_sections)."""
    sections = sections_for(db.session, current_user)
    return render_template("accounts/dashboard.html", sections=sections,
                           anything=any(section.items for section in sections))


@bp.route("/account", methods=["GET"])
@access(SIGNED_IN)
def account():
    return render_template("accounts/account.html", email_form=ChangeEmailForm(),
                           resend_form=EmptyForm())


@bp.route("/account/email", methods=["POST"])
@access(SIGNED_IN)
@limiter.limit("5 per hour", key_func=lambda: f"email-change:{current_user.id}")
def request_email_change():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        new_email = operations.normalise_email(form.email.data)
        other = operations.find_user_by_email(db.session, new_email)
        if other and other.id != current_user.id:
            form.email.errors.append(_("Another account already uses that email address."))
        else:
            token = make_token("change-email", {"user": current_user.id, "email": new_email})
            link = external_url("accounts.confirm_email_change", token=token)
            send_email(db.session, new_email, _("Confirm your new email address for Commonpot"),
                       _("Open this link to start using this address for Commonpot:\n\n%(link)s\n\n"
                         "The link works for 48 hours.\n", link=link))
            flash(_("We have sent a link to %(email)s. Open it to finish the change.", email=new_email),
                  "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", email_form=form, resend_form=EmptyForm()), 400


@bp.route("/account/email/<token>")
@access(SIGNED_IN)
def confirm_email_change(token: str):
    try:
        data = read_token("change-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except TokenError as exc:
        return render_template("accounts/message.html", title=_("Link not valid"), message=str(exc)), 400
    if data.get("user") != current_user.id:
        abort(403)
    try:
        operations.change_email(db.session, current_user, data["email"])
    except operations.AccountError as exc:
        return render_template("accounts/message.html", title=_("Email not changed"), message=str(exc)), 400
    flash(_("Your email address has been changed."), "success")
    return redirect(url_for("accounts.account"))


# --- administration --------------------------------------------------------------------------

@bp.route("/admin/users")
@access(ADMIN)
def admin_users():
    users = paginate(db.session, select(User).options(selectinload(User.fund_roles))
                     .order_by(User.email, User.id))
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
            flash(_("Roles saved."), "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
        if "fund-submit" in request.form and fund_form.validate_on_submit():
            change = operations.grant_fund_role if fund_form.action.data == "grant" \
                else operations.revoke_fund_role
            change(db.session, current_user, user, fund_form.fund_id.data, fund_form.role.data)
            flash(_("Fund role saved."), "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
        return render_template("admin/user.html", user=user, role_form=role_form,
                               fund_form=fund_form, sessions_form=EmptyForm(prefix="sessions")), 400
    return render_template("admin/user.html", user=user, role_form=role_form, fund_form=fund_form,
                           sessions_form=EmptyForm(prefix="sessions"))


@bp.route("/admin/users/<int:user_id>/sessions", methods=["POST"])
@access(ADMIN)
def admin_end_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    if EmptyForm(prefix="sessions").validate_on_submit():
        operations.end_sessions(db.session, current_user, user, reason="admin")
        flash(_("%(name)s has been signed out everywhere.", name=user.display_name), "success")
    return redirect(url_for("accounts.admin_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/data")
@access(ADMIN)
def admin_personal_data(user_id: int):
    """Subject access: everything held about one person, as a page or JSON (audited)."""
    from commonpot.privacy import export_person

    user = db.get_or_404(User, user_id)
    data = export_person(db.session, user.email, actor=current_user)
    if request.args.get("format") == "json":
        response = jsonify(data)
        response.headers["Content-Disposition"] = f'attachment; filename="personal-data-{user.id}.json"'
        return response
    return render_template("admin/personal_data.html", user=user, data=data)


@bp.route("/admin/outbox")
@access(ADMIN)
def admin_outbox():
    status = request.args.get("status") or None
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in OUTBOX_STATUSES:
        query = query.where(OutboxMessage.status == status)
    else:
        status = None
    messages = paginate(db.session, query, per_page=20)
    bodies = {m.id: _outbox_body(m) for m in messages}
    return render_template("admin/outbox.html", messages=messages, bodies=bodies, status=status,
                           statuses=OUTBOX_STATUSES, retry_form=EmptyForm())


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@access(ADMIN)
def retry_outbox_message(message_id: int):
    form = EmptyForm()
    message = db.session.get(OutboxMessage, message_id)
    if not form.validate_on_submit() or message is None:
        flash(_("That message could not be found. Reload the outbox and try again."), "error")
        return redirect(url_for("accounts.admin_outbox"))
    try:
        retry_message(db.session, current_user, message)
    except Refused as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.admin_outbox"))
    flash(_('The email to %(to_address)s will be sent again now.', to_address=message.to_address), "success")
    return redirect(url_for("accounts.admin_outbox", status="dead"))


_LINK = re.compile(r"https?://\S+")
# Links whose token stops working sooner than EMAIL_TOKEN_MAX_AGE.
_SHORT_LIVED = {"/reset/": "RESET_TOKEN_MAX_AGE", "/login/unlock/": "UNLOCK_TOKEN_MAX_AGE"}


def _outbox_body(message: OutboxMessage) -> str:
    """The body as an admin may read it: once an email has been delivered, or its link has
    expired, the link is hidden, so the outbox never hands out someone's working reset link."""
    config = current_app.config
    age = (utcnow() - message.created_at).total_seconds()

    def shown(match: re.Match) -> str:
        link = match.group(0)
        lifetime = config["EMAIL_TOKEN_MAX_AGE"]
        for path, key in _SHORT_LIVED.items():
            if path in link:
                lifetime = config[key]
        if message.status == "sent" or age > lifetime:
            return "[link hidden: delivered or expired]"
        return link

    return _LINK.sub(shown, message.body)
