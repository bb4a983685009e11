"""Donations, payouts and the Stripe webhook."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

import payments.policy  # noqa: F401 - registers the payments rules
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import OBJECT_CHECKED, PUBLIC, SIGNED_REQUEST, access
from commonpot.extensions import csrf, db, limiter
from commonpot.i18n import _, _l, later
from commonpot.jobs import enqueue_after_commit
from commonpot.pagination import page_number, paginate
from commonpot.urls import external_url
from grants.models import Award, Fund, Group
from payments import donations, ledger, payouts, report_hold, stripe_client, webhooks
from payments.forms import (
    BankTransferForm,
    ConnectForm,
    DonateForm,
    MatchPledgeForm,
    ReleaseForm,
)
from payments.jobs import PAY_INSTALMENT
from payments.models import Donation, Instalment, LedgerEntry, MatchPledge
from payments.states import (
    ENTRY_TYPE_LABELS,
    INSTALMENT_STATUS_LABELS,
    TRIGGER_LABELS,
    IllegalTransition,
)

bp = Blueprint("payments", __name__)


# --- giving ------------------------------------------------------------------------------

def _fund_by_slug(slug: str) -> Fund:
    fund = db.session.scalar(select(Fund).where(Fund.slug == slug))
    if fund is None:
        abort(404)
    return fund


def _donation_limit() -> str:
    return current_app.config["DONATION_LIMIT_PER_ADDRESS"]


@bp.route("/donate/<slug>", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_donation_limit, methods=["POST"],
               error_message=later(_l("Too many donations started from your connection in a short "
                                      "time.")))
def donate(slug: str):
    fund = _fund_by_slug(slug)
    configured = stripe_client.is_configured()
    form = DonateForm()
    if configured and form.validate_on_submit():
        try:
            donation = donations.start_donation(
                db.session, fund, amount_pence=form.amount.pence, donor_name=form.donor_name.data,
                message=form.message.data, show_name=form.show_name.data, gift_aid=form.gift_aid.data,
                gift_aid_address=form.gift_aid_address.data, gift_aid_postcode=form.gift_aid_postcode.data)
        except donations.DonationError as exc:
            form.amount.errors.append(str(exc))
        else:
            checkout = donations.create_checkout_session(
                stripe_client.make_client(), donation, fund,
                success_url=external_url(".donation_thanks", reference=donation.reference),
                cancel_url=external_url(".donate", slug=fund.slug, cancelled=1))
            donations.attach_checkout_session(db.session, donation, checkout.id)
            return redirect(checkout.url, code=303)
    totals = donations.fund_totals(db.session, fund.id)
    supporters = db.session.scalars(
        select(Donation).where(Donation.fund_id == fund.id, Donation.status == "paid",
                               Donation.show_name.is_(True)).order_by(Donation.paid_at.desc()).limit(10))
    pledges = db.session.scalars(select(MatchPledge).where(MatchPledge.fund_id == fund.id))
    return render_template("payments/donate.html", fund=fund, form=form, totals=totals,
                           configured=configured, supporters=list(supporters), pledges=list(pledges),
                           cancelled=request.args.get("cancelled"),
                           gift_aid_text=donations.gift_aid_wording(fund, form.amount.pence or 0))


@bp.route("/donate/thanks/<reference>")
@access(PUBLIC)
def donation_thanks(reference: str):
    donation = db.session.scalar(select(Donation).where(Donation.reference == reference))
    if donation is None:
        abort(404)
    fund = db.session.get(Fund, donation.fund_id)
    return render_template("payments/thanks.html", donation=donation, fund=fund)


# --- the Stripe webhook --------------------------------------------------------------------

@bp.route("/payments/stripe/webhook", methods=["POST"])
@csrf.exempt
@access(SIGNED_REQUEST)
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return jsonify({"error": "Stripe webhooks are not configured"}), 503
    tolerance = int(current_app.config.get("STRIPE_WEBHOOK_TOLERANCE", webhooks.DEFAULT_TOLERANCE_SECONDS))
    try:
        event = webhooks.parse_event(request.get_data(), request.headers.get("Stripe-Signature"),
                                     secret, tolerance)
    except webhooks.InvalidWebhook as exc:
        return jsonify({"error": str(exc)}), 400
    outcome = webhooks.handle_event(db.session, event)
    return jsonify({"received": True, "outcome": outcome})


# --- fund managers -------------------------------------------------------------------------

def _load_instalment(instalment_id: int) -> tuple[Instalment, Award]:
    instalment = load_or_404(Instalment, instalment_id, "payments.manage_fund",
                             subject=lambda i: db.session.get(Award, i.award_id).fund_id)
    return instalment, db.session.get(Award, instalment.award_id)


@bp.route("/payments/funds/<int:fund_id>")
@access(OBJECT_CHECKED)
def fund_ledger(fund_id: int):
    fund = load_or_404(Fund, fund_id, "payments.manage_fund", subject=lambda f: f.id)
    awards = paginate(db.session, payouts.fund_awards_query(fund.id), scalars=False, per_page=20)
    entries = paginate(db.session, select(LedgerEntry).where(LedgerEntry.fund_id == fund.id)
                       .order_by(LedgerEntry.id.desc()), page=page_number("ledger"))
    return render_template(
        "payments/fund.html", fund=fund, balance=ledger.fund_balance(db.session, fund.id),
        totals=donations.fund_totals(db.session, fund.id), awards=awards,
        rows=payouts.award_rows(db.session, list(awards)), entries=entries,
        pledges=db.session.scalars(select(MatchPledge).where(MatchPledge.fund_id == fund.id)
                                   .order_by(MatchPledge.id)).all(),
        drawn=ledger.pledges_drawn_pence(db.session, fund.id),
        pledge_form=MatchPledgeForm(),
        trigger_labels=TRIGGER_LABELS, configured=stripe_client.is_configured(),
        instalment_status_labels={s.value: label for s, label in INSTALMENT_STATUS_LABELS.items()},
        entry_type_labels={t.value: label for t, label in ENTRY_TYPE_LABELS.items()},
        entry_description=ledger.entry_description)


@bp.route("/payments/funds/<int:fund_id>/match-pledges", methods=["POST"])
@access(OBJECT_CHECKED)
def add_match_pledge(fund_id: int):
    fund = load_or_404(Fund, fund_id, "payments.manage_fund", subject=lambda f: f.id)
    form = MatchPledgeForm()
    if form.validate_on_submit():
        try:
            donations.pledge_match(db.session, current_user, fund, funder_name=form.funder_name.data,
                                   ratio_percent=form.ratio_percent.data, cap_pence=form.cap.pence)
        except donations.DonationError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Match pledge from %(funder)s recorded.", funder=form.funder_name.data),
                  "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for(".fund_ledger", fund_id=fund.id))


def _instalment_context(instalment: Instalment, award: Award) -> dict:
    group = db.session.get(Group, award.application.group_id)
    account = payouts.group_account(db.session, group.id)
    return {"instalment": instalment, "award": award, "group": group,
            "application": award.application,
            "by_stripe": stripe_client.is_configured() and account is not None
            and account.payouts_enabled,
            "trigger_labels": TRIGGER_LABELS}


@bp.route("/payments/instalments/<int:instalment_id>/release", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def release_instalment(instalment_id: int):
    """Asks first (who is paid how much, how), then releases and pays on the POST."""
    instalment, award = _load_instalment(instalment_id)
    form = ReleaseForm()
    if request.method == "GET":
        return render_template("payments/confirm_release.html", form=form,
                               **_instalment_context(instalment, award))
    if not form.validate_on_submit():
        abort(400)
    try:
        if instalment.status.value != "released":
            payouts.release_instalment(db.session, current_user, instalment.id)
    except (IllegalTransition, ledger.LedgerError, report_hold.HeldForReport) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".fund_ledger", fund_id=award.fund_id))
    if stripe_client.is_configured():
        enqueue_after_commit(PAY_INSTALMENT, instalment_id, timeout=90)
        flash(_("Instalment released. Its payment is being sent through Stripe."), "success")
    else:
        flash(_("Instalment released. Stripe is not configured: record the bank transfer once paid."),
              "success")
    return redirect(url_for(".fund_ledger", fund_id=award.fund_id))


@bp.route("/payments/instalments/<int:instalment_id>/bank-transfer", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def record_bank_transfer(instalment_id: int):
    """Asks first, with the transfer's reference, then records it on the POST."""
    instalment, award = _load_instalment(instalment_id)
    form = BankTransferForm()
    if request.method == "GET":
        return render_template("payments/confirm_bank_transfer.html", form=form,
                               **_instalment_context(instalment, award))
    if not form.validate_on_submit():
        flash(_("Enter the bank transfer reference."), "error")
    else:
        try:
            payouts.mark_paid_by_bank(db.session, current_user, instalment.id, form.reference.data)
        except (IllegalTransition, ledger.LedgerError, payouts.PayoutError) as exc:
            flash(str(exc), "error")
        else:
            flash(_("Recorded as paid by bank transfer."), "success")
    return redirect(url_for(".fund_ledger", fund_id=award.fund_id))


# --- groups connecting Stripe --------------------------------------------------------------

def _load_group(group_id: int) -> Group:
    return load_or_404(Group, group_id, "payments.manage_group_account", subject=lambda g: g.id)


@bp.route("/payments/groups/<int:group_id>")
@access(OBJECT_CHECKED)
def group_account(group_id: int):
    group = _load_group(group_id)
    return render_template("payments/group.html", group=group, form=ConnectForm(),
                           account=payouts.group_account(db.session, group.id),
                           configured=stripe_client.is_configured())


def _onboarding_redirect(group: Group):
    if not stripe_client.is_configured():
        flash(_("Payments are not configured on this site yet."), "error")
        return redirect(url_for(".group_account", group_id=group.id))
    url = payouts.start_onboarding(
        db.session, stripe_client.make_client(), current_user, group,
        return_url=external_url(".connect_return", group_id=group.id),
        refresh_url=external_url(".connect_refresh", group_id=group.id))
    return redirect(url, code=303)


@bp.route("/payments/groups/<int:group_id>/connect", methods=["POST"])
@access(OBJECT_CHECKED)
def connect_account(group_id: int):
    group = _load_group(group_id)
    return _onboarding_redirect(group)


@bp.route("/payments/groups/<int:group_id>/connect/refresh")
@access(OBJECT_CHECKED)
def connect_refresh(group_id: int):
    """Stripe sends people here when an onboarding link has expired: make a fresh one."""
    return _onboarding_redirect(_load_group(group_id))


@bp.route("/payments/groups/<int:group_id>/connect/return")
@access(OBJECT_CHECKED)
def connect_return(group_id: int):
    group = _load_group(group_id)
    account = payouts.group_account(db.session, group.id)
    if account is not None and stripe_client.is_configured():
        payouts.refresh_account(db.session, stripe_client.make_client(), account)
        if account.payouts_enabled:
            flash(_("Your Stripe account is connected. Grants will be paid into it."), "success")
        else:
            flash(_("Stripe still needs some details before it can pay your group."), "info")
    return redirect(url_for(".group_account", group_id=group.id))
