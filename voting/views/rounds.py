"""Staff pages for a voting round: settings, districts, postcodes, state changes, codes, proposal review."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    ANY_FUND_MANAGER,
    OBJECT_CHECKED,
    access,
    can,
    fund_ids_with_role,
    is_admin,
    require,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _
from commonpot.money import parse_pounds
from grants.models import Fund
from voting import closing, operations, results
from voting.ballots import BallotType
from voting.forms import (
    ConfirmForm,
    DistrictForm,
    GenerateCodesForm,
    PostcodeImportForm,
    RemoveImageForm,
    ReviewForm,
    RoundForm,
    TransitionForm,
)
from voting.models import CountState, Proposal, ProposalState, ways_to_vote
from voting.operations import RoundSettings, VotingError
from voting.states import ACTION_LABELS, LABELS, RoundState, next_state
from voting.views import _managed_round, bp
from voting.views.public import _download

# --- staff ---------------------------------------------------------------------------------

def _settings_from(form: RoundForm) -> RoundSettings:
    return RoundSettings(
        title=form.title.data, description=form.description.data or "",
        ballot_type=BallotType(form.ballot_type.data), counting_rule=form.counting_rule.data,
        max_choices=form.max_choices.data, min_choices=form.min_choices.data,
        min_share_percent=form.min_share_percent.data, points_total=form.points_total.data,
        max_points_per_project=form.max_points_per_project.data, minimum_age=form.minimum_age.data,
        allow_online=form.allow_online.data, allow_codes=form.allow_codes.data,
        allow_paper=form.allow_paper.data, allow_revote=form.allow_revote.data,
        board_hashes_receipts=form.board_hashes_receipts.data,
        requires_census=form.requires_census.data, offers_blank_vote=form.offers_blank_vote.data,
        counting_options=results.options_json(
            tie_breaking=form.tie_breaking.data, completion=form.completion.data, add1=form.add1.data,
            add1_step=form.add1_step.data, comparison=form.comparison.data,
            threshold=form.vote_threshold.data))


def _round_form(**kwargs) -> RoundForm:
    form = RoundForm(**kwargs)
    form.counting_rule.choices = [SelectChoice(name, label, optgroup=heading)
                                  for heading, rules in results.grouped_rule_choices()
                                  for name, label in rules]
    voting_round = kwargs.get("obj")
    if voting_round is not None and not form.is_submitted():
        results.fill_option_fields(form, voting_round.count_options)
    if is_admin(current_user):
        funds = db.session.scalars(select(Fund).order_by(Fund.name)).all()
    else:
        ids = fund_ids_with_role(current_user, "fund_manager")
        funds = db.session.scalars(select(Fund).where(Fund.id.in_(ids)).order_by(Fund.name)).all()
    form.fund_id.choices = options([(f.id, f.name) for f in funds])
    return form


def _refused_on(form, exc: VotingError) -> None:
    """Show a refusal beside the field it is about (and in the summary), else above the form."""
    field = form[exc.field] if exc.field and exc.field in form else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _round_form_page(form, voting_round):
    status = 400 if request.method == "POST" else 200
    return render_template("voting/round_form.html", form=form, round=voting_round), status


@bp.route("/new", methods=["GET", "POST"])
@access(ANY_FUND_MANAGER)
def new_round():
    form = _round_form()
    if form.validate_on_submit():
        try:
            voting_round = operations.create_round(db.session, current_user, form.fund_id.data,
                                                   _settings_from(form))
        except VotingError as exc:
            _refused_on(form, exc)
        else:
            flash(_("The round is created. Add its districts next."), "success")
            return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return _round_form_page(form, None)


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_round(round_id: int):
    voting_round = _managed_round(round_id)
    form = _round_form(obj=voting_round)
    del form.fund_id
    if form.validate_on_submit():
        try:
            operations.update_round(db.session, current_user, voting_round, _settings_from(form))
        except VotingError as exc:
            _refused_on(form, exc)
        else:
            flash(_("The round's settings are saved."), "success")
            return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return _round_form_page(form, voting_round)


def _manage_page(voting_round, status=200, **forms):
    district_form = forms.get("district_form") or DistrictForm(formdata=None)
    postcode_form = forms.get("postcode_form") or PostcodeImportForm(formdata=None)
    codes_form = forms.get("codes_form") or GenerateCodesForm(formdata=None)
    codes_form.district_id.choices = options([(d.id, d.name) for d in voting_round.local_districts])
    target = next_state(voting_round.state)
    count = closing.count_of(db.session, voting_round.id)
    if target == RoundState.PUBLISHED and (count is None or count.state != CountState.COUNTED):
        target = None  # the results can be published once the count has finished
    return render_template(
        "voting/manage.html", round=voting_round, district_form=district_form,
        postcode_form=postcode_form, codes_form=codes_form,
        target=target, action_label=ACTION_LABELS.get(target) if target else None,
        count=count, count_stale=count is not None and closing.is_stale(count),
        retry_form=ConfirmForm(formdata=None),
        problem=forms.get("problem"), turnout=results.turnout(db.session, voting_round),
        postcodes=operations.postcode_count(db.session, voting_round), ProposalState=ProposalState,
        ways_to_vote=ways_to_vote(voting_round),
        RoundState=RoundState), status


@bp.route("/<int:round_id>/manage")
@access(OBJECT_CHECKED)
def manage_round(round_id: int):
    return _manage_page(_managed_round(round_id))


@bp.route("/<int:round_id>/districts", methods=["POST"])
@access(OBJECT_CHECKED)
def add_district(round_id: int):
    voting_round = _managed_round(round_id)
    form = DistrictForm()
    if form.validate_on_submit():
        try:
            operations.add_district(db.session, current_user, voting_round, form.name.data,
                                    parse_pounds(form.budget.data), form.is_area_wide.data)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_('District “%(data)s” added.', data=form.name.data), "success")
            return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return _manage_page(voting_round, 400, district_form=form)


@bp.route("/<int:round_id>/postcodes", methods=["POST"])
@access(OBJECT_CHECKED)
def import_postcodes(round_id: int):
    voting_round = _managed_round(round_id)
    form = PostcodeImportForm()
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors.append(_("The file must be a CSV saved as UTF-8 text."))
        else:
            try:
                n = operations.import_postcodes(db.session, current_user, voting_round, text)
            except VotingError as exc:
                form.file.errors.append(str(exc))
            else:
                flash(_('%(n)s postcodes imported.', n=n), "success")
                return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return _manage_page(voting_round, 400, postcode_form=form)


@bp.route("/<int:round_id>/advance", methods=["GET"])
@access(OBJECT_CHECKED)
def confirm_advance(round_id: int):
    """Ask before the round moves on: every phase change is final (voting.states)."""
    voting_round = _managed_round(round_id)
    target = next_state(voting_round.state)
    if target is None:
        abort(404)
    return render_template("voting/confirm_advance.html", round=voting_round, target=target,
                           form=TransitionForm(formdata=None, target=target.value),
                           turnout=results.turnout(db.session, voting_round),
                           ways_to_vote=ways_to_vote(voting_round),
                           RoundState=RoundState, ProposalState=ProposalState)


@bp.route("/<int:round_id>/advance", methods=["POST"])
@access(OBJECT_CHECKED)
def advance_round(round_id: int):
    voting_round = _managed_round(round_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        target = RoundState(form.target.data)
        operations.transition(db.session, current_user, voting_round, target)
    except (ValueError, VotingError) as exc:
        return _manage_page(voting_round, 409, problem=str(exc))
    flash(_('The round is now: %(value)s.', value=LABELS[target]), "success")
    return redirect(url_for("voting.manage_round", round_id=voting_round.id))


@bp.route("/<int:round_id>/count/retry", methods=["POST"])
@access(OBJECT_CHECKED)
def retry_count(round_id: int):
    """Count again after a failed count, or one that has stopped moving."""
    voting_round = _managed_round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        closing.retry_count(db.session, current_user, voting_round)
    except VotingError as exc:
        return _manage_page(voting_round, 409, problem=str(exc))
    flash(_("The count will run again. Refresh this page to see how far it has got."), "success")
    return redirect(url_for("voting.manage_round", round_id=voting_round.id))


@bp.route("/<int:round_id>/codes", methods=["POST"])
@access(OBJECT_CHECKED)
def generate_codes(round_id: int):
    voting_round = _managed_round(round_id)
    form = GenerateCodesForm()
    form.district_id.choices = options([(d.id, d.name) for d in voting_round.local_districts])
    if form.validate_on_submit():
        try:
            codes = operations.generate_codes(db.session, current_user, voting_round,
                                              district_id=form.district_id.data, label=form.label.data,
                                              count=form.count.data)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            district = next(d for d in voting_round.districts if d.id == form.district_id.data)
            response = _download(operations.codes_csv(voting_round, district, codes),
                                 f"round-{voting_round.id}-codes.csv", "text/csv")
            response.headers["Cache-Control"] = "no-store"
            return response
    return _manage_page(voting_round, 400, codes_form=form)


@bp.route("/proposals/<int:proposal_id>/review", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def review_proposal(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    require(can(current_user, "voting.manage_round", proposal.voting_round))
    form = ReviewForm()
    if request.method == "GET" and proposal.state != ProposalState.SUBMITTED:
        form.decision.data = proposal.state.value
        form.reason.data = proposal.review_reason
    if form.validate_on_submit():
        try:
            operations.review_proposal(db.session, current_user, proposal,
                                       feasible=form.decision.data == "feasible", reason=form.reason.data,
                                       cost_pence=parse_pounds(form.cost.data) if form.cost.data
                                       else proposal.cost_pence)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_('“%(title)s” reviewed.', title=proposal.title), "success")
            return redirect(url_for("voting.manage_round", round_id=proposal.round_id))
    return render_template("voting/review.html", proposal=proposal, round=proposal.voting_round,
                           form=form, remove_form=RemoveImageForm(formdata=None))


