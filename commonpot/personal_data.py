"""Which columns hold personal data, declared once on the model.

A column that holds something about a person (a name, an email or postal address, a date of
birth, an IP address, a message they wrote to us) is declared with
`mapped_column(..., info=personal())`. Subject access exports and erasure read these
declarations, so a column declared here is exported and erased without further code. A
column whose name looks personal but is not (a fund's name) says so with `not_personal()`;
tests/foundation/test_personal_data.py fails when a new personal-looking column says neither.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Column, MetaData, Table

PERSONAL_KEY = "personal"


def personal(*, identifies: bool = False) -> dict:
    """Column info for personal data. `identifies`: the value finds the person (an email
    address), so export and erasure match rows on it."""
    return {PERSONAL_KEY: True, "identifies": identifies}


def not_personal(reason: str) -> dict:
    """Column info for a column that looks personal but is not; the reason is for reviewers."""
    return {PERSONAL_KEY: False, "reason": reason}


def is_personal(column: Column) -> bool:
    return bool(column.info.get(PERSONAL_KEY))


def identifies_person(column: Column) -> bool:
    return bool(column.info.get("identifies"))


def personal_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if is_personal(column)]


def tables_with_personal_data(metadata: MetaData) -> Iterator[Table]:
    for table in metadata.sorted_tables:
        if personal_columns(table):
            yield table


def owner() -> dict:
    """Column info for a foreign key to the account whose personal data the row holds (a
    resident's own details), as opposed to one naming who acted (invited_by_id)."""
    return {PERSONAL_KEY: False, "owner": True}
