"""Impact figures from accepted reports: totals by theme, area and year, and each group's
share of its area's totals, which add up to those totals exactly."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from fractions import Fraction

from sqlalchemy import select

from commonpot.accounts.models import User
from grants.models import FundArea
from grants.reports import impact
from grants.reports import operations as reports
from grants.reports.models import ACTIVITY_TYPES, AGE_BANDS, GrantReport
from grants.reports.states import ReportState
from tests.grants.factories import create_fund, create_group
from tests.reports.factories import accepted_report, entry, funded_round

POSTCODES = {"Riverside": "RT1 4AB", "Northfield": "RT2 1XY", "Old Town": "RT3 2CD"}


def _many_groups(session, make_user, seed=7, groups=9):
    """Groups in three areas, two themes and two years, with random whole-number figures."""
    rng = random.Random(seed)
    fund = create_fund(session)
    session.commit()
    manager = make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    entries, people = [], []
    users = [make_user(f"group{n}@example.org") for n in range(groups)]
    for n, user in enumerate(users):
        area = list(POSTCODES)[n % 3]
        group = create_group(session, user, name=f"Group {n}", postcode=POSTCODES[area])
        entries.append(entry(user, group, f"Project {n}", postcode=POSTCODES[area],
                             theme=("Environment", "Young people")[n % 2],
                             lines=(("Hall", str(rng.randint(1, 900))), ("Kit", str(rng.randint(1, 900))))))
        people.append({(rng.choice(ACTIVITY_TYPES[:3]), band): rng.randint(1, 400)
                       for band in rng.sample(AGE_BANDS, 2)})
    _, awards = funded_round(session, fund, manager, entries)
    for n, award in enumerate(awards):
        lines = award.application.budget_lines
        accepted_report(session, award, group_user_id=entries[n]["user_id"], manager_id=manager,
                        ends_on=date(2026 + n % 2, 3, 1 + n), people=people[n],
                        volunteers=rng.randint(0, 40), hours=rng.randint(0, 2000),
                        spent=[rng.randint(0, line.amount_pence) for line in lines],
                        assets_value=f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}")
    session.commit()
    return fund


def _naive(reports_: list[GrantReport], key) -> dict:
    """An independent reference: add the figures up in Python from the rows."""
    sums: dict = {}
    for r in reports_:
        k = key(r)
        t = sums.setdefault(k, Counter())
        t["reports"] += 1
        t["people"] += sum(p.people for p in r.participation)
        t["volunteers"] += r.volunteers
        t["volunteer_hours"] += r.volunteer_hours
        t["spent_pence"] += sum(s.spent_pence for s in r.spending)
        t["assets_value_pence"] += r.assets_value_pence
    return {k: impact.Totals(**v) for k, v in sums.items()}


def test_group_shares_add_up_to_the_area_totals_exactly(session, make_user):
    fund = _many_groups(session, make_user)
    accepted = list(session.scalars(select(GrantReport).where(GrantReport.state == ReportState.ACCEPTED)))
    assert len(accepted) == 9

    by_area_year = impact.aggregate(session, ("area", "year"), fund=fund.id)
    by_area_year_group = impact.aggregate(session, ("area", "year", "group"), fund=fund.id)
    assert len(by_area_year) == 6
    for (area_id, year), area_total in by_area_year.items():
        parts = [t for (a, y, _), t in by_area_year_group.items() if (a, y) == (area_id, year)]
        assert sum(parts, impact.Totals()) == area_total
        for measure, _, _ in impact.MEASURES:
            whole = getattr(area_total, measure)
            if whole:
                assert sum(Fraction(getattr(p, measure), whole) for p in parts) == 1

    # The same figures as an independent sum over the rows, by area/year, theme and year.
    assert by_area_year == _naive(accepted, lambda r: (r.award.application.area_id,
                                                         r.activity_ends_on.year))
    assert impact.aggregate(session, ("theme",), fund=fund.id) == _naive(
        accepted, lambda r: (r.award.application.theme,))
    assert impact.aggregate(session, ("year",), fund=fund.id) == _naive(
        accepted, lambda r: (r.activity_ends_on.year,))
    assert impact.total(session, fund=fund.id) == _naive(accepted, lambda r: ())[()]

    # Each group's page figures are the same numbers, and its area's totals match.
    for report in accepted:
        (share,) = impact.group_shares(session, report.group)
        key = (report.award.application.area_id, report.activity_ends_on.year)
        assert share.area_total == by_area_year[key]
        assert share.group == by_area_year_group[key + (report.group_id,)]


def test_a_report_not_yet_accepted_adds_nothing(session, make_user):
    fund = create_fund(session)
    session.commit()
    manager = make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    user = make_user("gwen@example.org")
    group = create_group(session, user)
    _, (award,) = funded_round(session, fund, manager, [entry(user, group, "Dance")])
    report = reports.schedule_report(session, session.get(User, manager), award, date(2026, 1, 1),
                                     now=impact_now())
    reports.save_report(session, session.get(User, user), report, reports.ReportContent(
        what_happened="x", learned="y", spending={line.id: "1" for line in award.application.budget_lines},
        participation={("Dance", "19 to 64"): "50"}))
    reports.submit_report(session, session.get(User, user), report, now=impact_now())
    assert impact.total(session, fund=fund.id) == impact.Totals()
    reports.accept_report(session, session.get(User, manager), report, now=impact_now())
    assert impact.total(session, fund=fund.id).people == 50


def impact_now():
    from commonpot.db import utcnow
    return utcnow()


def test_the_share_sentence_and_public_pages(client, session, make_user):
    fund = create_fund(session)
    session.commit()
    manager = make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    users = [make_user(f"g{n}@example.org") for n in range(3)]
    groups = [create_group(session, u, name=name) for u, name in
              zip(users, ["Darnall Dancers", "Step Together", "Ceilidh Club"], strict=True)]
    _, awards = funded_round(session, fund, manager, [
        entry(u, g, f"Dance {n}") for n, (u, g) in enumerate(zip(users, groups, strict=True))])
    year = impact_now().year
    for award, user, figures in zip(awards, users, [
            {("Dance", "19 to 64"): 100, ("Dance", "65 and over"): 20},
            {("Dance", "11 to 18"): 1000}, {("Dance", "19 to 64"): 330}], strict=True):
        accepted_report(session, award, group_user_id=user, manager_id=manager,
                        ends_on=date(year, 1, 15), people=figures, volunteers=3, hours=30)
    session.commit()
    (share,) = impact.group_shares(session, groups[0])
    assert impact.share_sentences(share, year)[0] == (
        "Your dance sessions reached 120 of the 1,450 people taking part in dance in "
        "Riverside this year.")
    assert share.percent("people") == "8%"

    page = client.get(f"/impact/{fund.slug}").get_data(as_text=True)
    assert "1,450" in page and 'role="img"' in page and "<caption>" in page
    riverside = session.scalar(select(FundArea).where(FundArea.fund_id == fund.id,
                                                      FundArea.name == "Riverside"))
    area_page = client.get(f"/impact/{fund.slug}/areas/{riverside.id}").get_data(as_text=True)
    assert "Darnall Dancers" in area_page and "1,450" in area_page
    csv_text = client.get(f"/impact/{fund.slug}/impact.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("by,value,reports,People taking part")
    assert "all,all,3,1450,9,90," in csv_text
