"""Demo grants data: the Rivertown fund's area and themes, three more groups, and rounds in
the open, scoring and decided phases with draft, submitted and decided applications; and a
round in monitoring whose end-of-grant reports are accepted, overdue and awaiting acceptance."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.db import utcnow
from grants import operations
from grants.models import Award, Fund, Group, GroupMembership, Round
from grants.states import ApplicationStatus, RoundPhase

AREAS_CSV = """area,kind,postcode,code
Riverside,ward,RT1 4*,E05009001
Riverside,ward,RT1 5*,E05009001
Northfield,ward,RT2*,E05009002
Old Town,ward,RT3*,E05009003
"""
THEMES = ["Environment and green spaces", "Young people", "Older people", "Bringing people together"]

GROUPS = [
    ("riverside-gardeners", operations.GroupProfile(
        name="Riverside Gardeners", org_type="unincorporated", postcode="RT1 4AB",
        contact_name="Gwen Hughes", contact_email="group@demo.commonpot.org",
        description="Volunteers who look after the riverside beds and run a seed swap.")),
    ("northfield-youth-club", operations.GroupProfile(
        name="Northfield Youth Club", org_type="cio", postcode="RT2 1XY", charity_number="1187654",
        contact_name="Sam Ali", contact_email="member@demo.commonpot.org",
        description="Evening clubs and holiday activities for 11 to 18 year olds.")),
    ("old-town-repair-cafe", operations.GroupProfile(
        name="Old Town Repair Café", org_type="cic", postcode="RT3 2CD", company_number="12345678",
        contact_name="Rosa Martins", contact_email="resident@demo.commonpot.org",
        description="A monthly repair café: bring something broken, leave with it fixed.")),
    ("rivertown-seniors-lunch", operations.GroupProfile(
        name="Rivertown Seniors' Lunch Club", org_type="unincorporated", postcode="RT1 5EF",
        contact_name="Gwen Hughes", contact_email="group@demo.commonpot.org",
        description="A weekly hot lunch and company for older neighbours.")),
]

CRITERIA = [
    ("Need", "Why the project matters to people here, in their words.", 3),
    ("Community involvement", "Local people shape and run the project.", 2),
    ("Deliverability", "A realistic plan and budget.", 2),
    ("Value for money", "The money goes as far as it can.", 1),
]


def _questions(session: Session, round_: Round) -> None:
    add = operations.add_question
    add(session, "system", round_, type="long_text", label="What will you do?",
        hint="Describe the project in plain words.", word_limit=250, step=1, key="what")
    add(session, "system", round_, type="short_text",
        label="Who will benefit, and roughly how many people?", step=1, key="who")
    add(session, "system", round_, type="date", label="When will the project start?", step=2,
        key="start_date")
    add(session, "system", round_, type="yes_no",
        label="Has your group run a project like this before?", step=2, key="done_before")
    add(session, "system", round_, type="multiple_choice", label="Which age groups will take part?",
        options=["Under 11", "11 to 18", "19 to 64", "65 and over"], step=2, key="ages")
    add(session, "system", round_, type="file",
        label="Your latest accounts or a recent bank statement", required=False, step=3,
        key="accounts", hint="Optional for groups under two years old.")


def _make_round(session: Session, fund: Fund, slug: str, title: str, opens, closes,
                description: str) -> Round:
    settings = operations.RoundSettings(
        title=title, description=description, opens_at=opens, closes_at=closes,
        min_grant_pence=25_000, max_grant_pence=250_000, budget_pence=1_000_000,
        allowed_org_types=[], max_applications_per_group=1, restrict_to_area=True)
    round_ = operations.create_round(session, "system", fund, settings, slug=slug)
    _questions(session, round_)
    for name, text, weight in CRITERIA:
        operations.add_criterion(session, "system", round_, name=name, description=text,
                                 weight=weight)
    return round_


def _apply(session: Session, user, round_: Round, group: Group, now, *, title: str,
           postcode: str, theme: str, lines: list[tuple[str, str, str]], submit: bool,
           complete: bool = True):
    application = operations.start_application(session, user, round_, group, now=now)
    operations.save_answers(session, user, application,
                            {"_title": title, "_postcode": postcode, "_theme": theme}, now=now)
    if complete:
        operations.save_answers(session, user, application, {
            "what": f"{title}: we will run it with volunteers from the neighbourhood.",
            "who": "Around 60 local residents", "start_date": "2027-04-01",
            "done_before": "yes", "ages": ["19 to 64", "65 and over"],
            "assets_people": "Ten regular volunteers, two of them qualified first-aiders."}, now=now)
    else:
        operations.save_answers(session, user, application,
                                {"what": "We are still writing this part", "who": ""}, now=now)
    total = sum(int(amount) for _, _, amount in lines)
    operations.save_budget(session, user, application, str(total),
                           [{"description": d, "category": c, "amount": a} for d, c, a in lines],
                           now=now)
    if submit:
        operations.submit_application(session, user, application, declarations_accepted=True,
                                      now=now)
    return application


def seed(session: Session) -> bool:
    created = _seed_rounds(session)
    return seed_reports(session) or created


def _seed_rounds(session: Session) -> bool:
    from commonpot.accounts.models import User

    fund = session.scalar(select(Fund).where(Fund.slug == "rivertown-neighbourhood-fund"))
    if fund is None or session.scalar(select(Round.id).where(Round.slug == "spring-2027")):
        return False
    users = {u.email: u for u in session.scalars(select(User))}
    manager = users["manager@demo.commonpot.org"]
    fund.description = "Small grants for community groups in Rivertown's neighbourhoods."
    operations.set_fund_themes(session, "system", fund, THEMES)
    if not fund.areas:
        operations.import_areas_csv(session, "system", fund, AREAS_CSV)
        session.refresh(fund, ["areas"])

    groups = {}
    for slug, profile in GROUPS:
        group = session.scalar(select(Group).where(Group.slug == slug))
        if group is None:
            group = Group(name=profile.name, slug=slug)
            session.add(group)
            session.flush()
        operations.update_group(session, "system", group, profile)
        groups[slug] = group
    memberships = [("northfield-youth-club", "member@demo.commonpot.org", "group_admin"),
                   ("old-town-repair-cafe", "resident@demo.commonpot.org", "group_admin"),
                   ("rivertown-seniors-lunch", "group@demo.commonpot.org", "group_admin")]
    for slug, email, role in memberships:
        if session.scalar(select(GroupMembership.id).where(
                GroupMembership.group_id == groups[slug].id,
                GroupMembership.user_id == users[email].id)) is None:
            session.add(GroupMembership(group_id=groups[slug].id, user_id=users[email].id,
                                        role=role))
    groups["riverside-gardeners"].payment_ready = True
    groups["northfield-youth-club"].payment_ready = True
    session.flush()

    now = utcnow()
    gwen, sam, rosa = (users["group@demo.commonpot.org"], users["member@demo.commonpot.org"],
                       users["resident@demo.commonpot.org"])

    # A decided round from last autumn.
    autumn = _make_round(session, fund, "autumn-2026", "Autumn 2026 small grants",
                         now - timedelta(days=120), now - timedelta(days=90),
                         "Grants of £250 to £2,500 for projects that bring neighbours together.")
    during = now - timedelta(days=100)
    operations.transition_round(session, "system", autumn, RoundPhase.OPEN,
                                reason="opening time reached", now=now - timedelta(days=120))
    decided = [
        _apply(session, gwen, autumn, groups["riverside-gardeners"], during,
               title="Riverside planters", postcode="RT1 4AB", theme=THEMES[0], submit=True,
               lines=[("Planters and compost", "equipment", "900"), ("Tools", "equipment", "300")]),
        _apply(session, sam, autumn, groups["northfield-youth-club"], during,
               title="Holiday cooking club", postcode="RT2 1XY", theme=THEMES[1], submit=True,
               lines=[("Ingredients", "activities", "800"), ("Hall hire", "venue", "1200")]),
        _apply(session, rosa, autumn, groups["old-town-repair-cafe"], during,
               title="Repair café tool library", postcode="RT3 2CD", theme=THEMES[3], submit=True,
               lines=[("Tool kits", "equipment", "1500"), ("Flyers", "publicity", "200")]),
    ]
    for target in (RoundPhase.CLOSED, RoundPhase.SCREENING):
        operations.transition_round(session, "system", autumn, target, reason="demo history",
                                    now=now - timedelta(days=89))
    for application in decided:
        operations.screen_application(session, manager, application, eligible=True,
                                      reason_code=None, reason_text="")
    for target in (RoundPhase.SCORING, RoundPhase.DECIDING):
        operations.transition_round(session, "system", autumn, target, reason="demo history",
                                    now=now - timedelta(days=60))
    for application, amount in ((decided[0], 120_000), (decided[2], 150_000)):
        session.add(Award(application_id=application.id, round_id=autumn.id, fund_id=fund.id,
                          amount_pence=amount, status="accepted", decided_by_id=manager.id,
                          decided_at=now - timedelta(days=45), released_at=now - timedelta(days=44),
                          partial_reason=None if amount == application.requested_amount_pence
                          else "The panel funded the tool kits but not the flyers."))
        operations.set_application_status(session, manager, application,
                                          ApplicationStatus.AWARDED, message="Grant awarded")
    operations.set_application_status(session, manager, decided[1], ApplicationStatus.NOT_AWARDED,
                                      message="Not funded this time: the round was oversubscribed")
    operations.transition_round(session, manager, autumn, RoundPhase.DECIDED,
                                reason="Panel decisions published", now=now - timedelta(days=44))

    # A round being scored now.
    winter = _make_round(session, fund, "winter-2027", "Winter warmth grants",
                         now - timedelta(days=40), now - timedelta(days=10),
                         "Grants for warm spaces, hot meals and company through the winter.")
    operations.transition_round(session, "system", winter, RoundPhase.OPEN,
                                reason="opening time reached", now=now - timedelta(days=40))
    during = now - timedelta(days=20)
    scoring = [
        _apply(session, gwen, winter, groups["rivertown-seniors-lunch"], during,
               title="Warm Wednesdays lunch", postcode="RT1 5EF", theme=THEMES[2], submit=True,
               lines=[("Food", "activities", "1400"), ("Hall hire", "venue", "600")]),
        _apply(session, sam, winter, groups["northfield-youth-club"], during,
               title="Warm evenings club", postcode="RT2 1XY", theme=THEMES[1], submit=True,
               lines=[("Heating and lighting", "venue", "900"), ("Sessional worker", "staff", "1100")]),
        _apply(session, rosa, winter, groups["old-town-repair-cafe"], during,
               title="Draught-proofing workshops", postcode="RT3 2CD", theme=THEMES[0],
               submit=True, lines=[("Materials", "equipment", "700")]),
    ]
    for target in (RoundPhase.CLOSED, RoundPhase.SCREENING):
        operations.transition_round(session, "system", winter, target, reason="closing time reached",
                                    now=now - timedelta(days=9))
    for application in scoring:
        operations.screen_application(session, manager, application, eligible=True,
                                      reason_code=None, reason_text="")
    operations.transition_round(session, manager, winter, RoundPhase.SCORING,
                                reason="Screening finished", now=now - timedelta(days=5))

    # A round open now, with a submitted application and a half-finished draft.
    spring = _make_round(session, fund, "spring-2027", "Spring 2027 small grants",
                         now - timedelta(days=7), now + timedelta(days=30),
                         "Grants of £250 to £2,500 for projects that make Rivertown's "
                         "neighbourhoods greener, kinder and better connected.")
    operations.transition_round(session, "system", spring, RoundPhase.OPEN,
                                reason="opening time reached", now=now)
    _apply(session, sam, spring, groups["northfield-youth-club"], now,
           title="Skate park clean-up days", postcode="RT2 1XY", theme=THEMES[0], submit=True,
           lines=[("Litter pickers and bags", "equipment", "350"), ("Refreshments", "activities", "150")])
    _apply(session, gwen, spring, groups["riverside-gardeners"], now,
           title="Pollinator meadow", postcode="RT1 4AB", theme=THEMES[0], submit=False,
           complete=False, lines=[("Wildflower seed", "equipment", "400")])
    return True


def seed_reports(session: Session) -> bool:
    """Summer 2026: three grants whose activities have ended. The gardeners' report is
    accepted, the youth club's is overdue, the lunch club's waits for the fund manager."""
    from commonpot.accounts.models import User
    from grants.reports import operations as reports

    fund = session.scalar(select(Fund).where(Fund.slug == "rivertown-neighbourhood-fund"))
    if fund is None or session.scalar(select(Round.id).where(Round.slug == "summer-2026")):
        return False
    groups = {g.slug: g for g in session.scalars(select(Group))}
    if not all(slug in groups for slug, _ in GROUPS):
        return False
    users = {u.email: u for u in session.scalars(select(User))}
    manager = users["manager@demo.commonpot.org"]
    gwen, sam = users["group@demo.commonpot.org"], users["member@demo.commonpot.org"]
    now = utcnow()
    summer = _make_round(session, fund, "summer-2026", "Summer 2026 activities",
                         now - timedelta(days=300), now - timedelta(days=270),
                         "Grants for summer activities that bring neighbours together.")
    operations.transition_round(session, "system", summer, RoundPhase.OPEN,
                                reason="opening time reached", now=now - timedelta(days=300))
    during = now - timedelta(days=280)
    funded = [
        (_apply(session, gwen, summer, groups["riverside-gardeners"], during,
                title="Community growing days", postcode="RT1 4AB", theme=THEMES[0], submit=True,
                lines=[("Seeds and compost", "equipment", "500"), ("Tea and cake", "activities", "300")]),
         80_000),
        (_apply(session, sam, summer, groups["northfield-youth-club"], during,
                title="Summer dance workshops", postcode="RT2 1XY", theme=THEMES[1], submit=True,
                lines=[("Dance tutor", "staff", "900"), ("Hall hire", "venue", "600")]), 150_000),
        (_apply(session, gwen, summer, groups["rivertown-seniors-lunch"], during,
                title="Summer lunch outings", postcode="RT1 5EF", theme=THEMES[2], submit=True,
                lines=[("Coach hire", "activities", "700"), ("Food", "activities", "300")]), 100_000),
    ]
    for target in (RoundPhase.CLOSED, RoundPhase.SCREENING):
        operations.transition_round(session, "system", summer, target, reason="demo history",
                                    now=now - timedelta(days=269))
    for application, _ in funded:
        operations.screen_application(session, manager, application, eligible=True,
                                      reason_code=None, reason_text="")
    for target in (RoundPhase.SCORING, RoundPhase.DECIDING):
        operations.transition_round(session, "system", summer, target, reason="demo history",
                                    now=now - timedelta(days=250))
    awards = []
    for application, amount in funded:
        award = Award(application_id=application.id, round_id=summer.id, fund_id=fund.id,
                      amount_pence=amount, status="accepted", decided_by_id=manager.id,
                      decided_at=now - timedelta(days=240), released_at=now - timedelta(days=239))
        session.add(award)
        operations.set_application_status(session, manager, application,
                                          ApplicationStatus.AWARDED, message="Grant awarded")
        awards.append(award)
    session.flush()
    for target in (RoundPhase.DECIDED, RoundPhase.MONITORING):
        operations.transition_round(session, manager, summer, target, reason="Grants paid; "
                                    "activities under way", now=now - timedelta(days=238))

    today = now.date()
    accepted = reports.schedule_report(session, manager, awards[0], today - timedelta(days=120),
                                       now=now - timedelta(days=119))
    _write_report(session, gwen, accepted, awards[0], "Six growing days on the riverside beds; "
                  "neighbours planted 400 bulbs and took home seedlings.",
                  {("Gardening and growing", "19 to 64"): "45",
                   ("Gardening and growing", "65 and over"): "20",
                   ("Gardening and growing", "Under 11"): "18"},
                  volunteers="12", hours="340", assets_value="450")
    reports.submit_report(session, gwen, accepted, now=now - timedelta(days=100))
    reports.accept_report(session, manager, accepted, now=now - timedelta(days=95))

    # The youth club's activity ended ten weeks ago: past the eight weeks it had.
    overdue = reports.schedule_report(session, manager, awards[1], today - timedelta(days=70),
                                      now=now - timedelta(days=69))
    reports.advance_report(session, overdue, now - timedelta(days=20))
    reports.advance_report(session, overdue, now)

    waiting = reports.schedule_report(session, manager, awards[2], today - timedelta(days=30),
                                      now=now - timedelta(days=29))
    _write_report(session, gwen, waiting, awards[2], "Four coach trips to the seaside and the "
                  "botanical gardens, each with a lunch.",
                  {("Lunch clubs and company", "65 and over"): "38"},
                  volunteers="5", hours="96", assets_value="0")
    reports.submit_report(session, gwen, waiting, now=now - timedelta(days=2))
    return True


def _write_report(session: Session, user, report, award: Award, what: str, people: dict,
                  *, volunteers: str, hours: str, assets_value: str) -> None:
    from grants.reports import operations as reports

    lines = award.application.budget_lines
    reports.save_report(session, user, report, reports.ReportContent(
        what_happened=what, learned="Ask people what they want to do before planning the dates.",
        volunteers=volunteers, volunteer_hours=hours, assets_value=assets_value,
        spending={line.id: str(line.amount_pence * 95 // 10_000) for line in lines},
        participation=people,
        assets={"assets_people": "Our volunteers ran every session.",
                "assets_places": "We used the community centre for free."}))
