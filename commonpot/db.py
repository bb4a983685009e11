"""The one declarative base: constraint naming convention, UTC timestamps, money in pence."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry

# Named constraints make Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(kind, length: int = 20, name: str | None = None) -> Enum:
    """A StrEnum stored as its values in a plain string column, the same on SQLite and
    PostgreSQL: adding a member needs no ALTER TYPE, only a new CHECK.

    The type creates a named CHECK constraint (`ck_<table>_<name>`, name defaulting to the
    enum's class name in lower case) that admits only the members' values, so the database
    refuses a state the code does not know. Adding a member therefore needs a migration
    that replaces that constraint."""
    return Enum(kind, native_enum=False, length=length, create_constraint=True,
                name=name or kind.__name__.lower(),
                values_callable=lambda members: [m.value for m in members])


class UTCDateTime(TypeDecorator):
    """Store UTC, always hand back an aware UTC datetime (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is needed")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # One registry holds both settings: Flask-SQLAlchemy subclasses this base, and
    # SQLAlchemy only honours a type map given to the registry itself.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def insert_rows(session, table, rows, chunk: int = 1000) -> int:
    """Insert many rows (dicts keyed by column name) quickly, in the session's transaction:
    COPY on PostgreSQL (an executemany there costs a round trip per row, and a multi-row
    VALUES statement is slow to compile), the driver's executemany on SQLite. Values go
    through the columns' own bind processing, as an ordinary insert's do. Returns the
    number of rows written."""
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        written = 0
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                connection.execute(table.insert(), batch)
                written += len(batch)
                batch = []
        if batch:
            connection.execute(table.insert(), batch)
            written += len(batch)
        return written
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    # The columns the rows name (the others take the database's defaults, such as a serial id).
    columns = [column for column in table.columns if column.name in first]
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    names = ", ".join(dialect.identifier_preparer.quote(column.name) for column in columns)
    written = 0
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) "
                     f"FROM STDIN") as copy:
        for row in itertools.chain([first], rows):
            copy.write_row([process(row[column.name]) if process else row[column.name]
                            for column, process in zip(columns, processors, strict=True)])
            written += 1
    return written
