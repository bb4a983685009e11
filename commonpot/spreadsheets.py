"""Cells for CSV and XLSX files that people open in a spreadsheet."""

from __future__ import annotations

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that would start a formula gets a leading apostrophe; other values pass as they are
    (numbers stay numbers in XLSX)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
