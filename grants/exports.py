"""CSV and XLSX downloads for fund managers, safe to open in a spreadsheet: any text cell
that a spreadsheet would read as a formula is prefixed with an apostrophe."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from commonpot.spreadsheets import safe_cell
from grants.models import Application, Round
from grants.timefmt import london


def application_rows(round_: Round, applications: list[Application]) -> list[list]:
    questions = list(round_.questions)
    # Column names stay English: they are the file's field names, which scripts read.
    header = ["Reference", "Status", "Group", "Organisation type", "Org ID", "Project",
              "Postcode", "Area", "Theme", "Requested (£)", "Submitted (UK time)"]
    header += [q.label for q in questions]
    rows = [header]
    for a in applications:
        row = [a.reference or "", str(a.status.label), a.group.name, str(a.group.org_type.label),
               a.group.org_id or "", a.title, a.project_postcode or "",
               a.area.name if a.area else "", a.theme or "",
               (a.requested_amount_pence or 0) / 100, london(a.submitted_at, with_zone=False)]
        for q in questions:
            value = (a.answers or {}).get(q.key, "")
            row.append(", ".join(value) if isinstance(value, list) else str(value or ""))
        rows.append(row)
    return rows


def budget_rows(applications: list[Application]) -> list[list]:
    rows = [["Reference", "Group", "Line", "Description", "Category", "Amount (£)"]]
    for a in applications:
        for number, line in enumerate(a.budget_lines, start=1):
            rows.append([a.reference or "", a.group.name, number, line.description,
                         line.category, line.amount_pence / 100])
    return rows


def to_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    # A byte-order mark so Excel reads the £ sign and accents correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list], title: str) -> bytes:
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
