"""Funds and their areas: themes, importing wards and districts from CSV, the area of a postcode.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.audit import record
from commonpot.i18n import _
from grants.errors import GrantsError
from grants.models import (
    AreaPostcode,
    Fund,
    FundArea,
)

# --- funds and areas ----------------------------------------------------------------------

def set_fund_themes(session: Session, actor, fund: Fund, themes: list[str]) -> None:
    cleaned = []
    for theme in themes:
        theme = theme.strip()
        if theme and theme not in cleaned:
            cleaned.append(theme[:80])
    fund.themes = cleaned
    record(session, actor, "grants.fund_themes_set", "fund", fund.id, {"themes": cleaned})
    session.flush()


def import_areas_csv(session: Session, actor, fund: Fund, text: str) -> dict:
    """Read rows of `area,kind,postcode[,code]`. A value ending in '*' or without an inward
    code is a prefix. Existing areas gain the new postcodes; nothing is removed.

    All or nothing: a file with any bad row imports nothing and refuses with every problem."""
    rows: list[tuple[str, str, str, str, bool]] = []
    problems: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + ["", "", "", ""]
        name, kind, value, code = cells[0], cells[1].lower() or "ward", cells[2], cells[3]
        if number == 1 and name.lower() in ("area", "name", "ward", "district") and \
                value.lower() in ("postcode", "prefix", "postcode_or_prefix"):
            continue
        if not name or kind not in ("ward", "district"):
            problems.append(f"Row {number}: give an area name and a kind of ward or district.")
            continue
        is_prefix = value.endswith("*") or not postcodes.is_postcode(value)
        stored = postcodes.written_prefix(value) if is_prefix else postcodes.compact(value)
        if stored is None:
            problems.append(f"Row {number}: {value!r} is not a postcode or postcode prefix.")
            continue
        rows.append((name, kind, code, stored, is_prefix))
    if problems:
        raise GrantsError(_("Nothing was imported. Fix these lines and import the file again."),
                          "file", details=problems)
    added = areas_created = 0
    areas = {area.name: area for area in fund.areas}
    for name, kind, code, stored, is_prefix in rows:
        area = areas.get(name)
        if area is None:
            area = FundArea(fund_id=fund.id, name=name[:120], kind=kind, code=code[:12] or None)
            session.add(area)
            session.flush()
            areas[name] = area
            areas_created += 1
        exists = session.scalar(select(AreaPostcode.id).where(
            AreaPostcode.area_id == area.id, AreaPostcode.value == stored,
            AreaPostcode.is_prefix == is_prefix))
        if exists is None:
            session.add(AreaPostcode(area_id=area.id, value=stored, is_prefix=is_prefix))
            session.flush()
            added += 1
    record(session, actor, "grants.areas_imported", "fund", fund.id,
           {"areas_created": areas_created, "postcodes_added": added})
    return {"areas_created": areas_created, "postcodes_added": added}


def area_for_postcode(session: Session, fund_id: int, postcode: str) -> FundArea | None:
    compact = postcodes.compact(postcode)
    if not compact:
        return None
    rows = session.execute(
        select(AreaPostcode, FundArea).join(FundArea, AreaPostcode.area_id == FundArea.id)
        .where(FundArea.fund_id == fund_id)
        .order_by(AreaPostcode.is_prefix, func.length(AreaPostcode.value).desc())
    ).all()
    for entry, area in rows:
        if postcodes.matches(compact, entry.value, entry.is_prefix):
            return area
    return None


def fund_has_area(session: Session, fund_id: int) -> bool:
    return session.scalar(select(func.count(FundArea.id)).where(FundArea.fund_id == fund_id)) > 0


