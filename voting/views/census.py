"""Census pages: the organiser uploads the list; stewards issue paper ballots against it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from commonpot.accounts.policy import OBJECT_CHECKED, STEWARD, access
from commonpot.extensions import db
from commonpot.i18n import _
from voting import census
from voting.errors import VotingError
from voting.forms import CensusImportForm, PaperIssueForm
from voting.views import _managed_round, bp
from voting.views.paper import _paper_round
from voting.views.public import _download


@bp.route("/<int:round_id>/census", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def import_census(round_id: int):
    voting_round = _managed_round(round_id)
    form = CensusImportForm()
    status = 200
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors.append(_("The file must be a CSV saved as UTF-8 text."))
        else:
            try:
                done = census.import_census(db.session, current_user, voting_round, text)
            except VotingError as exc:
                form.file.errors.append(str(exc))
            else:
                if done.codes_csv:
                    response = _download(done.codes_csv, f"round-{voting_round.id}-census-codes.csv",
                                         "text/csv")
                    response.headers["Cache-Control"] = "no-store"
                    return response
                flash(_("%(added)s people added to the census list; %(listed)s were already on it.",
                        added=done.added, listed=done.already_listed) if done.already_listed
                      else _("%(added)s people added to the census list.", added=done.added),
                      "success")
                return redirect(url_for("voting.import_census", round_id=voting_round.id))
    if request.method == "POST":
        status = 400
    return render_template("voting/census.html", round=voting_round, form=form,
                           entries=census.entry_count(db.session, voting_round)), status


@bp.route("/<int:round_id>/paper/issue", methods=["GET", "POST"])
@access(STEWARD)
def issue_paper_ballot(round_id: int):
    voting_round = _paper_round(round_id)
    form = PaperIssueForm()
    status = 200
    if form.validate_on_submit():
        try:
            district = census.issue_paper_ballot(
                db.session, current_user, voting_round, family_name=form.family_name.data,
                date_of_birth=form.date_of_birth.data, postcode=form.postcode.data)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("On the list and not yet voted: hand over a paper ballot for %(district)s.",
                    district=district.name),
                  "success")
            return redirect(url_for("voting.issue_paper_ballot", round_id=voting_round.id))
    if request.method == "POST":
        status = 400
    return render_template("voting/paper_issue.html", round=voting_round, form=form), status
