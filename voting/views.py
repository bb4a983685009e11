"""Voting pages: thin views over voting.operations."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    ANY_FUND_MANAGER,
    OBJECT_CHECKED,
    PUBLIC,
    PUBLIC_OBJECT_CHECKED,
    RESIDENT,
    STEWARD,
    access,
    can,
    fund_ids_with_role,
    is_admin,
    require,
)
from commonpot.extensions import db, limiter
from commonpot.money import parse_pounds
from grants.models import Fund, Group, GroupMembership
from voting import operations, results
from voting.ballots import BallotError, BallotType, tally
from voting.forms import (
    BallotForm,
    CodeForm,
    ConfirmForm,
    DetailsForm,
    DiscardKeyingForm,
    DistrictForm,
    GenerateCodesForm,
    PaperBallotForm,
    PaperBatchForm,
    PostcodeImportForm,
    ProposalForm,
    ReviewForm,
    RoundForm,
    TransitionForm,
)
from voting.models import PaperBatch, Proposal, ProposalState, VotingRound
from voting.operations import RoundSettings, VotingError
from voting.states import ACTION_LABELS, LABELS, RoundState, next_state

bp = Blueprint("voting", __name__, url_prefix="/vote")

TOO_MANY_CODES = ("Too many code attempts from your connection. Wait a few minutes, then type "
                  "the code again carefully.")


def _code_limit() -> str:
    return current_app.config.get("VOTING_CODE_LIMIT", "10 per minute")


@bp.app_context_processor
def _voting_globals():
    return {"round_labels": LABELS}


def _round(round_id: int) -> VotingRound:
    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None:
        abort(404)
    return voting_round


def _visible_round(round_id: int) -> VotingRound:
    voting_round = _round(round_id)
    if not can(current_user, "voting.view_round", voting_round):
        abort(404)
    return voting_round


def _managed_round(round_id: int) -> VotingRound:
    voting_round = _round(round_id)
    require(can(current_user, "voting.manage_round", voting_round))
    return voting_round


def _form_values() -> dict[str, list[str]]:
    return request.form.to_dict(flat=False)


def _blank() -> bool:
    """The voter ticked the round's explicit blank vote."""
    return request.form.get("blank") == "1"


# --- public pages --------------------------------------------------------------------------

@bp.route("/")
@access(PUBLIC)
def list_rounds():
    rounds = db.session.scalars(select(VotingRound).order_by(VotingRound.id.desc())).all()
    visible = [r for r in rounds if can(current_user, "voting.view_round", r)]
    return render_template("voting/index.html", rounds=visible)


@bp.route("/<int:round_id>")
@access(PUBLIC_OBJECT_CHECKED)
def show_round(round_id: int):
    voting_round = _visible_round(round_id)
    voted = (current_user.is_authenticated and operations.has_voted(
        db.session, voting_round, operations.user_voter_key(current_user)))
    return render_template("voting/round.html", round=voting_round, voted=voted,
                           RoundState=RoundState, ProposalState=ProposalState)


@bp.route("/<int:round_id>/board")
@access(PUBLIC_OBJECT_CHECKED)
def show_board(round_id: int):
    voting_round = _board_round(round_id)
    entries = results.board_entries(db.session, voting_round)
    receipts = results.board_receipts(db.session, voting_round)
    lookup = (request.args.get("receipt") or "").strip()
    found = None
    if lookup:
        wanted = results.shown_receipt(voting_round, operations.normalise_code(lookup, receipt=True))
        found = bool({wanted, lookup.lower()} & set(receipts))
    districts = {d.id: d.name for d in voting_round.districts}
    return render_template("voting/board.html", round=voting_round, entries=entries, found=found,
                           lookup=lookup, receipts=receipts, districts=districts)


def _board_round(round_id: int) -> VotingRound:
    voting_round = _visible_round(round_id)
    if voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        abort(404)
    return voting_round


def _download(text: str, filename: str, mimetype: str) -> Response:
    return Response(text, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:round_id>/board.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_board_csv(round_id: int):
    voting_round = _board_round(round_id)
    return _download(results.board_csv(db.session, voting_round),
                     f"round-{voting_round.id}-ballots.csv", "text/csv")


@bp.route("/<int:round_id>/districts/<int:district_id>.pb")
@access(PUBLIC_OBJECT_CHECKED)
def download_district_pb(round_id: int, district_id: int):
    voting_round = _board_round(round_id)
    district = next((d for d in voting_round.districts if d.id == district_id), None)
    if district is None:
        abort(404)
    rows = (results.results_by_project(db.session, voting_round)
            if voting_round.state == RoundState.PUBLISHED else None)
    return _download(results.district_pb(db.session, voting_round, district, rows),
                     f"round-{voting_round.id}-district-{district.id}.pb", "text/plain")


def _published_round(round_id: int) -> VotingRound:
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.PUBLISHED and not can(current_user, "voting.manage_round",
                                                                 voting_round):
        abort(404)
    if voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        abort(404)
    return voting_round


@bp.route("/<int:round_id>/results")
@access(PUBLIC_OBJECT_CHECKED)
def show_results(round_id: int):
    voting_round = _published_round(round_id)
    return render_template("voting/results.html", round=voting_round,
                           results=results.round_results(db.session, voting_round),
                           turnout=results.turnout(db.session, voting_round))


@bp.route("/<int:round_id>/results.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_results_csv(round_id: int):
    voting_round = _published_round(round_id)
    return _download(results.results_csv(db.session, voting_round),
                     f"round-{voting_round.id}-results.csv", "text/csv")


# --- residents -----------------------------------------------------------------------------

@bp.route("/<int:round_id>/details", methods=["GET", "POST"])
@access(RESIDENT)
def edit_details(round_id: int):
    voting_round = _visible_round(round_id)
    details = operations.resident_details(db.session, current_user)
    form = DetailsForm(obj=details)
    if form.validate_on_submit():
        try:
            operations.set_resident_details(db.session, current_user, postcode=form.postcode.data,
                                            date_of_birth=form.date_of_birth.data,
                                            family_name=form.family_name.data or "")
        except VotingError as exc:
            form.postcode.errors.append(str(exc))
        else:
            flash("Your details are saved.", "success")
            return redirect(url_for("voting.cast_ballot", round_id=voting_round.id))
    return render_template("voting/details.html", round=voting_round, form=form)


@bp.route("/<int:round_id>/propose", methods=["GET", "POST"])
@access(RESIDENT)
def submit_proposal(round_id: int):
    voting_round = _visible_round(round_id)
    form = ProposalForm()
    form.district_id.choices = [(d.id, d.name) for d in voting_round.districts]
    groups = db.session.scalars(select(Group).join(GroupMembership).where(
        GroupMembership.user_id == current_user.id).order_by(Group.name)).all()
    form.group_id.choices = [(0, "Myself")] + [(g.id, g.name) for g in groups]
    if voting_round.state != RoundState.PROPOSALS:
        return render_template("voting/message.html", round=voting_round, title="Not taking proposals",
                               message="This round is not taking proposals at the moment."), 409
    if form.validate_on_submit():
        try:
            operations.submit_proposal(
                db.session, current_user, voting_round, title=form.title.data, summary=form.summary.data,
                cost_pence=parse_pounds(form.cost.data), district_id=form.district_id.data,
                group_id=form.group_id.data or None)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Thank you: your proposal is in. Staff will check it before voting opens.", "success")
            return redirect(url_for("voting.show_round", round_id=voting_round.id))
    return render_template("voting/propose.html", round=voting_round, form=form)


def _ballot_page(voting_round, contests, *, form, action, mode, choices=None, problems=(),
                 status=200, code=None):
    tallies = {c.district.id: tally(c.rules, c.projects, (choices or {}).get(c.district.id, {}))
               for c in contests}
    return render_template("voting/ballot.html", round=voting_round, contests=contests, form=form,
                           action=action, mode=mode, choices=choices or {}, problems=list(problems),
                           tallies=tallies, BallotType=BallotType, code=code), status


def _cast_or_update(voting_round, contests, form, action, mode, do_cast, code=None):
    """The ballot round trip: 'update' recalculates totals; 'cast' checks and stores."""
    choices, problems = operations.read_choices(contests, _form_values())
    if "cast" not in request.form or problems:
        return _ballot_page(voting_round, contests, form=form, action=action, mode=mode,
                            choices=choices, problems=problems, status=400 if problems else 200,
                            code=code)
    try:
        receipt = do_cast(choices)
    except BallotError as exc:
        return _ballot_page(voting_round, contests, form=form, action=action, mode=mode,
                            choices=choices, problems=exc.messages, status=400, code=code)
    except operations.AlreadyVoted as exc:
        return render_template("voting/message.html", round=voting_round, title="You have already voted",
                               message=str(exc)), 409
    except VotingError as exc:
        return _ballot_page(voting_round, contests, form=form, action=action, mode=mode,
                            choices=choices, problems=[str(exc)], status=400, code=code)
    return render_template("voting/receipt.html", round=voting_round, receipt=receipt,
                           changed=receipt is None, receipt_mode=mode)


def _not_open(voting_round):
    return render_template("voting/message.html", round=voting_round, title="Voting is not open",
                           message="Voting is not open in this round."), 409


@bp.route("/<int:round_id>/ballot", methods=["GET", "POST"])
@access(RESIDENT)
def cast_ballot(round_id: int):
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.VOTING:
        return _not_open(voting_round)
    try:
        home = operations.online_district(db.session, voting_round, current_user)
    except operations.NotEligible as exc:
        return render_template("voting/not_eligible.html", round=voting_round, message=str(exc)), 403
    if operations.has_voted(db.session, voting_round, operations.user_voter_key(current_user)):
        return render_template("voting/message.html", round=voting_round, title="You have already voted",
                               message="You have already voted in this round. Each person can vote "
                               "once.", show_change=voting_round.allow_revote), 409
    contests = operations.contests_for(voting_round, home)
    form = BallotForm()
    action = url_for("voting.cast_ballot", round_id=voting_round.id)
    if request.method == "GET":
        return _ballot_page(voting_round, contests, form=form, action=action, mode="online")
    if not form.validate_on_submit():
        abort(400)
    return _cast_or_update(voting_round, contests, form, action, "online",
                           lambda choices: operations.cast_online(db.session, current_user,
                                                                  voting_round, choices, _blank()))


@bp.route("/<int:round_id>/code", methods=["GET", "POST"])
@access(PUBLIC_OBJECT_CHECKED)
@limiter.limit(_code_limit, methods=["POST"], error_message=TOO_MANY_CODES)
def enter_code(round_id: int):
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.VOTING or not voting_round.allow_codes:
        return _not_open(voting_round)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            _, home = operations.check_code(db.session, voting_round, form.code.data)
        except operations.CodeRefused as exc:
            form.code.errors.append(str(exc))
            return render_template("voting/code.html", round=voting_round, form=form), 400
        ballot_form = BallotForm(formdata=None, code=operations.normalise_code(form.code.data))
        return _ballot_page(voting_round, operations.contests_for(voting_round, home), form=ballot_form,
                            action=url_for("voting.cast_code_ballot", round_id=voting_round.id),
                            mode="code", code=form.code.data)
    return render_template("voting/code.html", round=voting_round, form=form)


@bp.route("/<int:round_id>/code/ballot", methods=["POST"])
@access(PUBLIC_OBJECT_CHECKED)
@limiter.limit(_code_limit, methods=["POST"], error_message=TOO_MANY_CODES)
def cast_code_ballot(round_id: int):
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.VOTING or not voting_round.allow_codes:
        return _not_open(voting_round)
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)
    code = form.code.data or ""
    try:
        _, home = operations.check_code(db.session, voting_round, code)
    except operations.CodeRefused as exc:
        code_form = CodeForm(formdata=None)
        code_form.code.errors = [str(exc)]
        return render_template("voting/code.html", round=voting_round, form=code_form), 400
    contests = operations.contests_for(voting_round, home)
    action = url_for("voting.cast_code_ballot", round_id=voting_round.id)
    return _cast_or_update(voting_round, contests, form, action, "code",
                           lambda choices: operations.cast_with_code(db.session, voting_round, code,
                                                                     choices, _blank()), code=code)


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
        requires_census=form.requires_census.data, offers_blank_vote=form.offers_blank_vote.data)


def _round_form(**kwargs) -> RoundForm:
    form = RoundForm(**kwargs)
    form.counting_rule.choices = results.rule_choices()
    if is_admin(current_user):
        funds = db.session.scalars(select(Fund).order_by(Fund.name)).all()
    else:
        ids = fund_ids_with_role(current_user, "fund_manager")
        funds = db.session.scalars(select(Fund).where(Fund.id.in_(ids)).order_by(Fund.name)).all()
    form.fund_id.choices = [(f.id, f.name) for f in funds]
    return form


@bp.route("/new", methods=["GET", "POST"])
@access(ANY_FUND_MANAGER)
def new_round():
    form = _round_form()
    if form.validate_on_submit():
        try:
            voting_round = operations.create_round(db.session, current_user, form.fund_id.data,
                                                   _settings_from(form))
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("The round is created. Add its districts next.", "success")
            return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return render_template("voting/round_form.html", form=form, round=None)


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
            form.form_errors.append(str(exc))
        else:
            flash("The round's settings are saved.", "success")
            return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return render_template("voting/round_form.html", form=form, round=voting_round)


def _manage_page(voting_round, status=200, **forms):
    district_form = forms.get("district_form") or DistrictForm(formdata=None)
    postcode_form = forms.get("postcode_form") or PostcodeImportForm(formdata=None)
    codes_form = forms.get("codes_form") or GenerateCodesForm(formdata=None)
    codes_form.district_id.choices = [(d.id, d.name) for d in voting_round.local_districts]
    target = next_state(voting_round.state)
    return render_template(
        "voting/manage.html", round=voting_round, district_form=district_form,
        postcode_form=postcode_form, codes_form=codes_form,
        transition_form=TransitionForm(formdata=None, target=target.value if target else ""),
        target=target, action_label=ACTION_LABELS.get(target) if target else None,
        problem=forms.get("problem"), turnout=results.turnout(db.session, voting_round),
        postcodes=operations.postcode_count(db.session, voting_round), ProposalState=ProposalState,
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
            flash(f"District “{form.name.data}” added.", "success")
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
            form.file.errors.append("The file must be a CSV saved as UTF-8 text.")
        else:
            try:
                n = operations.import_postcodes(db.session, current_user, voting_round, text)
            except VotingError as exc:
                form.file.errors.append(str(exc))
            else:
                flash(f"{n} postcodes imported.", "success")
                return redirect(url_for("voting.manage_round", round_id=voting_round.id))
    return _manage_page(voting_round, 400, postcode_form=form)


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
    flash(f"The round is now: {LABELS[target]}.", "success")
    return redirect(url_for("voting.manage_round", round_id=voting_round.id))


@bp.route("/<int:round_id>/codes", methods=["POST"])
@access(OBJECT_CHECKED)
def generate_codes(round_id: int):
    voting_round = _managed_round(round_id)
    form = GenerateCodesForm()
    form.district_id.choices = [(d.id, d.name) for d in voting_round.local_districts]
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
            flash(f"“{proposal.title}” reviewed.", "success")
            return redirect(url_for("voting.manage_round", round_id=proposal.round_id))
    return render_template("voting/review.html", proposal=proposal, round=proposal.voting_round,
                           form=form)


# --- stewards: paper ballots -----------------------------------------------------------------

def _paper_round(round_id: int) -> VotingRound:
    voting_round = _round(round_id)
    require(can(current_user, "voting.enter_paper", voting_round))
    return voting_round


def _batch(batch_id: int) -> PaperBatch:
    batch = db.session.get(PaperBatch, batch_id)
    if batch is None:
        abort(404)
    require(can(current_user, "voting.enter_paper", batch.voting_round))
    return batch


@bp.route("/<int:round_id>/paper", methods=["GET", "POST"])
@access(STEWARD)
def paper_batches(round_id: int):
    voting_round = _paper_round(round_id)
    form = PaperBatchForm()
    form.district_id.choices = [(d.id, d.name) for d in voting_round.local_districts]
    status = 200
    if form.validate_on_submit():
        try:
            batch = operations.create_paper_batch(
                db.session, current_user, voting_round, district_id=form.district_id.data,
                event=form.event.data, event_date=form.event_date.data,
                first_serial=form.first_serial.data, last_serial=form.last_serial.data,
                double_keyed=form.double_keyed.data)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            return redirect(url_for("voting.enter_paper", batch_id=batch.id))
    if request.method == "POST":
        status = 400
    batches = db.session.scalars(select(PaperBatch).where(PaperBatch.round_id == voting_round.id)
                                 .order_by(PaperBatch.id)).all()
    return render_template("voting/paper_batches.html", round=voting_round, form=form,
                           batches=batches), status


@bp.route("/paper/<int:batch_id>", methods=["GET", "POST"])
@access(STEWARD)
def enter_paper(batch_id: int):
    batch = _batch(batch_id)
    voting_round = batch.voting_round
    contests = operations.contests_for(voting_round, batch.district)
    form = PaperBallotForm()
    choices: dict = {}
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        choices, problems = operations.read_choices(contests, _form_values())
        if form.validate_on_submit() and not problems:
            try:
                operations.enter_paper_ballot(db.session, current_user, batch, serial=form.serial.data,
                                              choices=choices, keying=int(form.keying.data))
            except BallotError as exc:
                problems = exc.messages
            except VotingError as exc:
                problems = [str(exc)]
            else:
                flash(f"Ballot {form.serial.data} entered.", "success")
                return redirect(url_for("voting.enter_paper", batch_id=batch.id,
                                        keying=form.keying.data))
        status = 400
    elif request.args.get("keying") in ("1", "2"):
        form.keying.data = request.args["keying"]
    tallies = {c.district.id: tally(c.rules, c.projects, choices.get(c.district.id, {}))
               for c in contests}
    return render_template("voting/paper_entry.html", round=voting_round, batch=batch, form=form,
                           contests=contests, choices=choices, problems=problems, tallies=tallies,
                           BallotType=BallotType), status


@bp.route("/paper/<int:batch_id>/compare")
@access(STEWARD)
def compare_paper(batch_id: int):
    batch = _batch(batch_id)
    agreed, differences = operations.compare_batch(db.session, batch)
    return render_template("voting/paper_compare.html", round=batch.voting_round, batch=batch,
                           agreed=agreed, differences=differences, form=ConfirmForm(),
                           discard_form=DiscardKeyingForm(formdata=None))


@bp.route("/paper/<int:batch_id>/accept", methods=["POST"])
@access(STEWARD)
def accept_paper(batch_id: int):
    batch = _batch(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        n = operations.accept_batch(db.session, current_user, batch)
    except VotingError as exc:
        # Rendered with an error status, so anything half-done is rolled back.
        db.session.rollback()
        agreed, differences = operations.compare_batch(db.session, batch)
        return render_template("voting/paper_compare.html", round=batch.voting_round, batch=batch,
                               agreed=agreed, differences=differences, form=ConfirmForm(),
                               discard_form=DiscardKeyingForm(formdata=None), problem=str(exc)), 409
    flash(f"{n} paper ballots from {batch.event} are now counted.", "success")
    return redirect(url_for("voting.paper_batches", round_id=batch.round_id))


@bp.route("/paper/<int:batch_id>/discard", methods=["POST"])
@access(STEWARD)
def discard_paper_keying(batch_id: int):
    batch = _batch(batch_id)
    form = DiscardKeyingForm()
    if not form.validate_on_submit():
        abort(400)
    operations.discard_keying(db.session, current_user, batch, form.serial.data)
    flash(f"Both keyings of ballot {form.serial.data} removed: key it again.", "success")
    return redirect(url_for("voting.compare_paper", batch_id=batch.id))


# Routes that live in their own modules register on this blueprint when imported.
from voting import census_views, receipt_views  # noqa: E402, F401
