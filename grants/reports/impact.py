"""What the money did, added up from accepted reports only: totals by theme, area and year
(people taking part, volunteers, volunteer hours, money spent, what groups' own assets were
worth) and each group's share of its area's totals.

Every figure is a SQL SUM of whole numbers (pence for money), so a group's figures and its
area's totals are exact and the groups' shares add up to the area's totals with nothing lost
to rounding; shares are kept as Fractions and rounded only when shown."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from commonpot.i18n import _, format_number
from commonpot.money import format_pence
from commonpot.spreadsheets import safe_cell
from grants.models import Application, Award, FundArea, Group
from grants.reports.models import GrantReport, ReportParticipation, ReportSpending
from grants.reports.states import ReportState
from grants.words import N_

YEAR = extract("year", GrantReport.activity_ends_on)
DIMENSIONS = {
    "theme": Application.theme,
    "area": Application.area_id,
    "year": YEAR,
    "group": GrantReport.group_id,
    "fund": Award.fund_id,
}


@dataclass(frozen=True)
class Totals:
    reports: int = 0
    people: int = 0
    volunteers: int = 0
    volunteer_hours: int = 0
    spent_pence: int = 0
    assets_value_pence: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


# (attribute, label, is money). Labels are English (the CSV's column names) and translated
# where a page shows them.
MEASURES = [
    ("people", N_("People taking part"), False),
    ("volunteers", N_("Volunteers"), False),
    ("volunteer_hours", N_("Volunteer hours"), False),
    ("spent_pence", N_("Money spent"), True),
    ("assets_value_pence", N_("What groups' own assets were worth"), True),
]


def _accepted(stmt, filters: dict):
    stmt = (stmt.join(Award, Award.id == GrantReport.award_id)
            .join(Application, Application.id == Award.application_id)
            .where(GrantReport.state == ReportState.ACCEPTED))
    for name, value in filters.items():
        stmt = stmt.where(DIMENSIONS[name] == value)
    return stmt


def _key(row, width: int) -> tuple:
    # Years come back as float (SQLite) or Decimal (PostgreSQL); keys hold plain ints.
    return tuple(int(v) if isinstance(v, float | Decimal) else v for v in row[:width])


def aggregate(session: Session, by: tuple[str, ...] = (), **filters) -> dict[tuple, Totals]:
    """Totals of accepted reports grouped by `by` (names in DIMENSIONS), filtered by
    `filters` (name=value). Three SUM queries, so no join multiplies a figure."""
    keys = [DIMENSIONS[name] for name in by]
    width = len(keys)
    results: dict[tuple, dict] = {}

    def put(key, **values):
        results.setdefault(key, {}).update(values)

    for row in session.execute(_accepted(select(
            *keys, func.count(GrantReport.id), func.coalesce(func.sum(GrantReport.volunteers), 0),
            func.coalesce(func.sum(GrantReport.volunteer_hours), 0),
            func.coalesce(func.sum(GrantReport.assets_value_pence), 0)).select_from(GrantReport),
            filters).group_by(*keys)):
        count = int(row[width])
        if count:
            put(_key(row, width), reports=count, volunteers=int(row[width + 1]),
                volunteer_hours=int(row[width + 2]), assets_value_pence=int(row[width + 3]))
    for row in session.execute(_accepted(select(*keys, func.sum(ReportParticipation.people))
                                         .select_from(ReportParticipation)
                                         .join(GrantReport, GrantReport.id == ReportParticipation.report_id),
                                         filters).group_by(*keys)):
        put(_key(row, width), people=int(row[width] or 0))
    for row in session.execute(_accepted(select(*keys, func.sum(ReportSpending.spent_pence))
                                         .select_from(ReportSpending)
                                         .join(GrantReport, GrantReport.id == ReportSpending.report_id),
                                         filters).group_by(*keys)):
        put(_key(row, width), spent_pence=int(row[width] or 0))
    return {key: Totals(**values) for key, values in results.items()}


def total(session: Session, **filters) -> Totals:
    return aggregate(session, (), **filters).get((), Totals())


def people_by_activity(session: Session, by: tuple[str, ...] = (), **filters) -> dict[tuple, int]:
    """People taking part per activity type (the last item of each key)."""
    keys = [DIMENSIONS[name] for name in by]
    stmt = _accepted(select(*keys, ReportParticipation.activity_type,
                            func.sum(ReportParticipation.people))
                     .select_from(ReportParticipation)
                     .join(GrantReport, GrantReport.id == ReportParticipation.report_id), filters)
    return {_key(row, len(keys) + 1): int(row[-1])
            for row in session.execute(stmt.group_by(*keys, ReportParticipation.activity_type))}


# --- a group's share of its area ------------------------------------------------------------

@dataclass(frozen=True)
class Share:
    area: FundArea
    year: int
    group: Totals
    area_total: Totals
    activities: list[tuple[str, int, int]]  # (activity, the group's people, the area's people)

    def fraction(self, measure: str) -> Fraction:
        whole = getattr(self.area_total, measure)
        return Fraction(getattr(self.group, measure), whole) if whole else Fraction(0)

    def percent(self, measure: str) -> str:
        share = self.fraction(measure) * 100
        return f"{round(share)}%" if share >= 1 or share == 0 else "less than 1%"


def group_shares(session: Session, group: Group) -> list[Share]:
    """For each area and year the group has accepted reports in: its figures and the area's."""
    places = session.execute(_accepted(select(Award.fund_id, Application.area_id, YEAR)
                                       .select_from(GrantReport), {"group": group.id})
                             .where(Application.area_id.is_not(None))
                             .group_by(Award.fund_id, Application.area_id, YEAR)
                             .order_by(YEAR.desc(), Application.area_id)).all()
    shares = []
    for fund_id, area_id, year in places:
        year = int(year)
        where = {"fund": fund_id, "area": area_id, "year": year}
        mine = people_by_activity(session, (), group=group.id, **where)
        everyone = people_by_activity(session, (), **where)
        activities = sorted(((activity, people, everyone[(activity,)])
                             for (activity,), people in mine.items()), key=lambda a: -a[1])
        shares.append(Share(area=session.get(FundArea, area_id), year=year,
                            group=total(session, group=group.id, **where),
                            area_total=total(session, **where), activities=activities))
    return shares


def share_sentences(share: Share, this_year: int) -> list[str]:
    """Plain sentences, e.g. 'Your dance sessions reached 120 of the 1,450 people taking part
    in dance in Darnall this year.'"""
    place = share.area.name
    this = share.year == this_year
    sentences = [
        (_("Your %(activity)s sessions reached %(mine)s of the %(all)s people taking part in "
           "%(activity)s in %(place)s this year.", activity=activity.lower(),
           mine=format_number(mine), all=format_number(theirs), place=place) if this else
         _("Your %(activity)s sessions reached %(mine)s of the %(all)s people taking part in "
           "%(activity)s in %(place)s in %(year)s.", activity=activity.lower(),
           mine=format_number(mine), all=format_number(theirs), place=place, year=share.year))
        for activity, mine, theirs in share.activities]
    figures = dict(volunteers=format_number(share.group.volunteers),
                   hours=format_number(share.group.volunteer_hours),
                   all_hours=format_number(share.area_total.volunteer_hours), place=place,
                   spent=format_pence(share.group.spent_pence),
                   all_spent=format_pence(share.area_total.spent_pence))
    sentences.append(
        _("Your %(volunteers)s volunteers gave %(hours)s of the %(all_hours)s volunteer hours "
          "given in %(place)s this year, and you spent %(spent)s of the %(all_spent)s spent "
          "there.", **figures) if this else
        _("Your %(volunteers)s volunteers gave %(hours)s of the %(all_hours)s volunteer hours "
          "given in %(place)s in %(year)s, and you spent %(spent)s of the %(all_spent)s spent "
          "there.", year=share.year, **figures))
    return sentences


def share_bars(share: Share) -> list[dict]:
    """Rows for the chart and its table: the group's figure against the area's."""
    rows = []
    for measure, label, is_money in MEASURES:
        mine, whole = getattr(share.group, measure), getattr(share.area_total, measure)
        show = format_pence if is_money else format_number
        rows.append({"label": _(label), "mine": mine, "whole": whole, "mine_text": show(mine),
                     "whole_text": show(whole), "percent": share.percent(measure),
                     # Bar length in thousandths of the chart width (display only).
                     "width": (mine * 1000 // whole) if whole else 0})
    return rows


def group_shares_csv(session: Session, group: Group) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["area", "year", "measure", "your group", "whole area", "share"])
    for share in group_shares(session, group):
        for row in share_bars(share):
            writer.writerow([safe_cell(share.area.name), share.year, row["label"], row["mine"],
                             row["whole"], row["percent"]])
        for activity, mine, theirs in share.activities:
            writer.writerow([safe_cell(share.area.name), share.year,
                             f"People taking part in {activity.lower()}", mine, theirs,
                             f"{round(Fraction(mine, theirs) * 100)}%"])
    return out.getvalue()


# --- public pages ---------------------------------------------------------------------------

def fund_tables(session: Session, fund_id: int) -> dict:
    """Totals by theme, by area and by year for one fund, plus the whole."""
    areas = {a.id: a.name for a in session.scalars(select(FundArea).where(FundArea.fund_id == fund_id))}
    by_area = aggregate(session, ("area",), fund=fund_id)
    return {
        "total": total(session, fund=fund_id),
        "theme": sorted(((k[0] or "No theme", v) for k, v in aggregate(
            session, ("theme",), fund=fund_id).items()), key=lambda kv: kv[0]),
        "area": sorted(((areas.get(k[0], "Outside the fund's areas"), v, k[0])
                        for k, v in by_area.items()), key=lambda kv: kv[0]),
        "year": sorted(((k[0], v) for k, v in aggregate(session, ("year",), fund=fund_id).items()),
                       reverse=True),
    }


def area_tables(session: Session, fund_id: int, area_id: int) -> dict:
    where = {"fund": fund_id, "area": area_id}
    groups = {g.id: g.name for g in session.scalars(select(Group))}
    by_year_group = aggregate(session, ("year", "group"), **where)
    years = sorted({year for year, _ in by_year_group}, reverse=True)
    return {
        "total": total(session, **where),
        "years": [{
            "year": year,
            "total": total(session, year=year, **where),
            "groups": sorted(((groups[g], t) for (y, g), t in by_year_group.items() if y == year),
                             key=lambda gt: (-gt[1].people, gt[0])),
            "activities": sorted(((a, n) for (a,), n in people_by_activity(
                session, (), year=year, **where).items()), key=lambda an: -an[1]),
        } for year in years],
    }


def fund_csv(session: Session, fund_id: int) -> str:
    tables = fund_tables(session, fund_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["by", "value", "reports"] + [label for _, label, _ in MEASURES])

    def row(kind, value, totals: Totals):
        writer.writerow([kind, safe_cell(str(value)), totals.reports]
                        + [getattr(totals, m) for m, _, _ in MEASURES])

    for name, totals in tables["theme"]:
        row("theme", name, totals)
    for name, totals, _area_id in tables["area"]:
        row("area", name, totals)
    for year, totals in tables["year"]:
        row("year", year, totals)
    row("all", "all", tables["total"])
    return out.getvalue()


def bar_chart(items: list[tuple[str, int]]) -> list[dict]:
    """Bars for a simple accessible SVG chart: label, value and length in thousandths."""
    largest = max((value for _, value in items), default=0)
    return [{"label": label, "value": value, "text": format_number(value),
             "width": (value * 1000 // largest) if largest else 0} for label, value in items]
