"""CSV and XLSX downloads for fund managers, safe to open in a spreadsheet: any text cell
that a spreadsheet would read as a formula is prefixed with an apostrophe.

Rows come from a fixed number of queries however many applications a round has (one
query for the budgets, two for the applications), read in chunks and written out as they
come, so a download of thousands of applications starts at once and stays within memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from commonpot.spreadsheets import safe_cell
from grants.models import Application, BudgetLine, Group, Round
from grants.states import RECEIVED_STATUSES
from grants.timefmt import london

CHUNK = 500  # rows fetched per round trip while streaming


def _received(round_id: int):
    return (Application.round_id == round_id,
            Application.status.in_([s.value for s in RECEIVED_STATUSES]))


def application_rows(session: Session, round_: Round) -> Iterator[list]:
    """The round's received applications, one row each, with every question's answer."""
    # Read now, not when the stream reaches them (after the request's commit).
    questions = [(q.label, q.key) for q in round_.questions]
    return _application_rows(session, round_.id, questions)


def _application_rows(session: Session, round_id: int,
                      questions: list[tuple[str, str]]) -> Iterator[list]:
    # Column names stay English: they are the file's field names, which scripts read.
    header = ["Reference", "Status", "Group", "Organisation type", "Org ID", "Project",
              "Postcode", "Area", "Theme", "Requested (£)", "Submitted (UK time)"]
    yield header + [label for label, _ in questions]
    query = (select(Application).where(*_received(round_id))
             .options(joinedload(Application.group), joinedload(Application.area))
             .order_by(Application.submitted_at, Application.id)
             .execution_options(yield_per=CHUNK))
    for a in session.scalars(query):
        row = [a.reference or "", str(a.status.label), a.group.name, str(a.group.org_type.label),
               a.group.org_id or "", a.title, a.project_postcode or "",
               a.area.name if a.area else "", a.theme or "",
               (a.requested_amount_pence or 0) / 100, london(a.submitted_at, with_zone=False)]
        for _, key in questions:
            value = (a.answers or {}).get(key, "")
            row.append(", ".join(value) if isinstance(value, list) else str(value or ""))
        yield row


def budget_rows(session: Session, round_id: int) -> Iterator[list]:
    """Every budget line of the round's received applications: one query."""
    yield ["Reference", "Group", "Line", "Description", "Category", "Amount (£)"]
    query = (select(Application.id, Application.reference, Group.name, BudgetLine.description,
                    BudgetLine.category, BudgetLine.amount_pence)
             .select_from(Application).join(Group, Group.id == Application.group_id)
             .join(BudgetLine, BudgetLine.application_id == Application.id)
             .where(*_received(round_id))
             .order_by(Application.submitted_at, Application.id, BudgetLine.position, BudgetLine.id)
             .execution_options(yield_per=CHUNK))
    current, number = None, 0
    for app_id, reference, group, description, category, amount in session.execute(query):
        number = number + 1 if app_id == current else 1
        current = app_id
        yield [reference or "", group, number, description, category, amount / 100]


def stream_csv(rows: Iterable[list]) -> Iterator[bytes]:
    """CSV text a chunk of rows at a time, starting with a byte-order mark so Excel reads
    the £ sign and accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if n % CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(rows: Iterable[list]) -> bytes:
    return b"".join(stream_csv(rows))


def to_xlsx(rows: Iterable[list], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
