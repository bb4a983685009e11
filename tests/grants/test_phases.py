"""A round's phases: the table, the guards, the clock, and the audit trail."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from commonpot import audit
from commonpot.audit import AuditEvent
from commonpot.db import utcnow
from grants.models import Application, Round
from grants.states import ROUND_TRANSITIONS, RoundPhase, RoundTransitionError, check_round_transition
from tests.grants.factories import complete_answers, create_round, round_by_slug
from tests.helpers import post_form, run_cli, sign_in

ALL_PAIRS = [(a, b) for a in RoundPhase for b in RoundPhase if a != b]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_transition_table_allows_only_listed_moves(current, target):
    if target in ROUND_TRANSITIONS[current]:
        check_round_transition(current, target)
    else:
        with pytest.raises(RoundTransitionError):
            check_round_transition(current, target)


def _phase_events(session, round_id):
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "grants.round_phase_changed",
        AuditEvent.subject_id == str(round_id)).order_by(AuditEvent.seq)))


def test_manager_moves_round_on_and_each_move_is_audited(client, session, grants_world):
    sign_in(client, "manager@example.org")
    url = f"/grants/rounds/{grants_world['round_slug']}/phase"
    illegal = post_form(client, url, {"target": "decided", "reason": "skip ahead"})
    assert illegal.status_code == 409
    assert "cannot move from “Open for applications” to “Decided”" in illegal.get_data(as_text=True)
    session.expire_all()
    assert round_by_slug(session, grants_world["round_slug"]).phase == RoundPhase.OPEN

    for target in ("closed", "screening", "scoring", "deciding", "decided"):
        response = post_form(client, url, {"target": target, "reason": f"now {target}"})
        assert response.status_code == 302, target
    session.expire_all()
    round_ = round_by_slug(session, grants_world["round_slug"])
    assert round_.phase == RoundPhase.DECIDED
    events = _phase_events(session, round_.id)
    # The factory opened the round (system), then the manager made five moves.
    assert [e.data["to"] for e in events] == ["open", "closed", "screening", "scoring",
                                             "deciding", "decided"]
    assert events[-1].actor == audit.pseudonym(session, grants_world["manager"])
    assert events[-1].data["reason"] == "now decided"
    assert "reason" not in events[-1].public_data
    # each phase change signed a checkpoint covering it
    sizes = set(session.scalars(select(audit.AuditCheckpoint.tree_size)))
    assert {e.seq for e in events} <= sizes


def test_guard_refuses_scoring_while_applications_await_screening(client, session, grants_world):
    from commonpot.accounts.models import User
    from grants import operations

    round_ = session.get(Round, grants_world["round_id"])
    member = session.get(User, grants_world["member"])
    application = operations.start_application(session, member, round_,
                                               _group(session, grants_world))
    complete_answers(session, application, member.id)
    operations.submit_application(session, member, application, declarations_accepted=True)
    operations.transition_round(session, "system", round_, "closed", reason="t")
    operations.transition_round(session, "system", round_, "screening", reason="t")
    session.commit()
    sign_in(client, "manager@example.org")
    response = post_form(client, f"/grants/rounds/{round_.slug}/phase",
                         {"target": "scoring", "reason": "go"})
    assert response.status_code == 409
    assert "1 application still needs an eligibility decision" in response.get_data(as_text=True)


def _group(session, world):
    from grants.models import Group

    return session.get(Group, world["group_id"])


def test_no_application_can_start_in_a_draft_or_closed_round(client, session, grants_world):
    from grants.models import Fund

    fund = session.get(Fund, grants_world["fund_id"])
    create_round(session, fund, slug="later", phase=RoundPhase.DRAFT, opens_in_days=5)
    session.commit()
    sign_in(client, "gwen@example.org")
    refused = post_form(client, "/grants/rounds/later/apply", {"group_id": grants_world["group_id"]})
    # A draft round is invisible to applicants.
    assert refused.status_code in (403, 404)

    sign_in(client, "manager@example.org")
    post_form(client, f"/grants/rounds/{grants_world['round_slug']}/phase",
              {"target": "closed", "reason": "closing early"})
    post_form(client, "/logout")
    sign_in(client, "gwen@example.org")
    closed = post_form(client, f"/grants/rounds/{grants_world['round_slug']}/apply",
                       {"group_id": grants_world["group_id"]})
    assert closed.status_code == 409
    assert "not open for applications" in closed.get_data(as_text=True)
    assert session.scalar(select(Application.id)) is None


def test_submission_after_the_closing_time_is_refused(client, session, grants_world):
    from commonpot.accounts.models import User
    from grants import operations

    round_ = session.get(Round, grants_world["round_id"])
    member = session.get(User, grants_world["member"])
    application = operations.start_application(session, member, round_, _group(session, grants_world))
    complete_answers(session, application, member.id)
    round_.closes_at = utcnow() - timedelta(seconds=1)
    session.commit()
    application_id = application.id

    sign_in(client, "gwen@example.org")
    response = post_form(client, f"/grants/applications/{application_id}/submit",
                         {"declarations": "y"})
    # The closing time decides, not whether the clock has run yet: no request runs it.
    assert response.status_code in (403, 409)
    session.expire_all()
    assert session.get(Application, application_id).status.value == "draft"
    assert session.get(Round, round_.id).phase == RoundPhase.OPEN


def test_operation_refuses_submission_after_closing_even_if_round_still_open(session, grants_world):
    from commonpot.accounts.models import User
    from grants import operations

    round_ = session.get(Round, grants_world["round_id"])
    member = session.get(User, grants_world["member"])
    application = operations.start_application(session, member, round_, _group(session, grants_world))
    complete_answers(session, application, member.id)
    with pytest.raises(operations.GrantsError, match="closed at"):
        operations.submit_application(session, member, application, declarations_accepted=True,
                                      now=round_.closes_at + timedelta(seconds=1))


def test_clock_opens_and_closes_rounds_from_cron_and_pages_read_the_times(app, client, session, grants_world):
    from grants import operations
    from grants.models import Fund

    fund = session.get(Fund, grants_world["fund_id"])
    due = create_round(session, fund, slug="due", phase=RoundPhase.DRAFT, opens_in_days=1)
    operations.schedule_round(session, "system", due)  # ready: the manager said so
    unscheduled = create_round(session, fund, slug="unscheduled", phase=RoundPhase.DRAFT,
                               opens_in_days=1)
    for round_ in (due, unscheduled):
        round_.opens_at = utcnow() - timedelta(minutes=1)
    session.get(Round, grants_world["round_id"]).closes_at = utcnow() - timedelta(minutes=1)
    session.commit()

    result = run_cli(app, "rounds", "tick")
    assert result.exit_code == 0, result.output
    assert "due: draft -> open" in result.output
    assert f"{grants_world['round_slug']}: open -> closed" in result.output
    session.expire_all()
    assert round_by_slug(session, "due").phase == RoundPhase.OPEN
    # A draft nobody said was ready stays a draft, whatever its opening time.
    assert round_by_slug(session, "unscheduled").phase == RoundPhase.DRAFT
    events = _phase_events(session, due.id)
    assert events[-1].actor == "system" and events[-1].data["reason"] == "opening time reached"

    # A page view never runs the clock, but shows the phase the times say.
    round_ = round_by_slug(session, "due")
    round_.closes_at = utcnow() - timedelta(seconds=1)
    session.commit()
    page = client.get("/grants/")
    assert page.status_code == 200
    assert "Closed" in page.get_data(as_text=True)
    assert "Open for applications" not in page.get_data(as_text=True)
    session.expire_all()
    assert round_by_slug(session, "due").phase == RoundPhase.OPEN
    assert run_cli(app, "rounds", "tick").exit_code == 0
    session.expire_all()
    assert round_by_slug(session, "due").phase == RoundPhase.CLOSED
