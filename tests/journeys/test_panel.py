"""Journey 2: a panel member declares a conflict on one application (and then cannot open
it) and scores the others; the chair moderates (the conflict register, the disagreement the
meeting flags), sees where the money runs out, decides within the budget and releases.

The round, its applications, the panel and the other reviewer's scores are arranged through
the panels operations; the member's and the chair's work goes through the browser."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from grants.models import Round
from grants.panels import operations
from grants.states import RoundPhase
from tests.panels import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.journey]

# Three applications for £1,000 each against a £2,500 budget: the third does not fit.
PROJECTS = ("Community fridge", "Repair café", "Street party")


@dataclass
class Panel:
    round_id: int
    references: dict[str, str]
    ids: dict[str, int]


def _arrange(data, make_user) -> Panel:
    with data() as s:
        fund_id = f.create_fund(s).id
    chair = make_user("chair@example.org", name="Chris Chair")
    member = make_user("mo@example.org", name="Mo Member")
    other = make_user("harri@example.org", name="Harri Hughes")
    applicant = make_user("applicant@example.org", name="Ann Applicant")
    with data() as s:
        round_ = f.create_round(s, s.get(f.Fund, fund_id), budget_pence=250_000)
        group = f.create_group(s, "Riverside Residents", members=[applicant])
        applications = [f.create_application(s, round_, group, creator_id=applicant, title=title)
                        for title in PROJECTS]
        panel = f.create_panel(s, round_, chair_id=chair, member_ids=[member, other])
        operations.assign_reviewers(s, "system", panel)
        # The other reviewer has scored everything already (Need, Plan).
        for application, values in zip(applications, [(5, 5), (5, 4), (3, 3)], strict=True):
            f.score(s, other, application, values)
        return Panel(round_.id, {a.title: a.reference for a in applications},
                     {a.title: a.id for a in applications})


def _score(member, criterion: str, value: int) -> None:
    group = member.page.get_by_role("group", name=re.compile(rf"^{re.escape(criterion)}\b"))
    group.get_by_role("radio", name=str(value), exact=True).check()


def test_a_panel_member_scores_and_the_chair_decides_within_the_budget(tour, data, make_user):
    tour.check_other_languages_too()
    panel = _arrange(data, make_user)
    fridge, repair, party = PROJECTS

    # The member: a conflict on the street party, scores for the other two.
    member = tour.visitor("member")
    member.goto("/")
    member.sign_in("mo@example.org")
    member.follow("Reviews", within=member.page.locator("header"))
    member.follow("Declare", within=member.row(party))
    member.page.get_by_label("Yes, I have a conflict of interest").check()
    member.page.get_by_label("A family member is involved").check()
    member.fill("Details", "My sister organises the street party.")
    member.press("Continue")
    assert "Conflict of interest" in member.row(party).inner_text()
    refused = member.goto(f"/panels/applications/{panel.ids[party]}")
    assert refused.status == 403
    assert member.goto(f"/panels/applications/{panel.ids[party]}/score").status == 403

    for title, need, plan in ((fridge, 5, 4), (repair, 2, 2)):
        member.follow("Reviews", within=member.page.locator("header"))
        member.follow("Declare", within=member.row(title))
        member.page.get_by_label("No, I have no conflict of interest").check()
        member.press("Continue")
        assert title in member.page.get_by_role("heading", level=1).inner_text()
        member.follow("Score this application")
        _score(member, "Need", need)
        _score(member, "Plan", plan)
        member.page.get_by_role("group", name="Overall recommendation").get_by_label(
            "Fund" if need > 3 else "Maybe", exact=True).check()
        member.fill("Note to the applicant", f"Thank you for {title.lower()}.")
        member.press("Submit scores")
        assert "locked" in member.text()

    # The chair: the conflict register, the meeting, decisions within the budget, release.
    chair = tour.visitor("chair")
    chair.goto("/")
    chair.sign_in("chair@example.org")
    chair.goto(f"/panels/rounds/{panel.round_id}")
    chair.follow("Run the panel")
    chair.follow("Conflict register")
    assert "Conflict" in chair.row("Mo Member", party).inner_text()
    chair.back()
    chair.follow("Meeting and decisions")
    meeting = chair.text()
    assert "The money runs out here" in meeting
    assert meeting.index(repair) < meeting.index("The money runs out here") < meeting.index(party)
    assert "reviewers disagree" in chair.row(repair).inner_text()

    for title, outcome in ((fridge, "Award"), (repair, "Award"), (party, "Decline")):
        chair.follow(re.compile(rf"^Decide\b.*{re.escape(panel.references[title])}"))
        assert "£2,500" in chair.text() or "£1,500" in chair.text() or "£500" in chair.text()
        chair.page.get_by_role("radio", name=outcome, exact=True).check()
        if outcome == "Decline":
            chair.fill("Feedback for the applicant", "A lovely idea; this time the budget ran out.")
        chair.press("Record decision")
        assert panel.references[title] in chair.text()
    assert "£2,000" in chair.value_of("Awarded so far")

    # The fund manager moves the round to its decisions (the phase is theirs to change).
    with data() as s:
        round_ = s.get(Round, panel.round_id)
        from grants import operations as grants

        grants.transition_round(s, "system", round_, RoundPhase.DECIDING, reason="Panel met")
    chair.page.reload()
    chair.check()
    chair.follow("Release all decisions")
    assert "2 awards totalling £2,000" in chair.text()  # the confirmation says what follows
    chair.press("Yes, release the decisions")
    with data() as s:
        assert s.get(Round, panel.round_id).phase == RoundPhase.DECIDED
    tour.finish()
