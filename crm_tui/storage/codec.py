"""Provides the mapping between records and table rows (JSON lists, booleans as integers)."""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

from crm_tui.domain.records import Record, column_names

R = TypeVar("R", bound=Record)


def encode(record: Record) -> list[Any]:
    """The record's column values in `column_names` order."""
    import json  # here, not at the top: most kinds have no JSON fields to read

    cls = type(record)
    out: list[Any] = []
    for name in column_names(cls):
        value = getattr(record, name)
        if name in cls.JSON_FIELDS:
            value = None if value is None else json.dumps(value, ensure_ascii=False)
        elif name in cls.BOOL_FIELDS:
            value = int(bool(value))
        out.append(value)
    return out


def decode(cls: type[R], row: sqlite3.Row | tuple[Any, ...]) -> R:
    """Builds a record from a row selected with `select_columns(cls)`."""
    values = dict(zip(cls.FIELDS, row, strict=True))
    if cls.JSON_FIELDS:
        import json
    for name in cls.JSON_FIELDS:
        text = values[name]
        values[name] = None if text is None else json.loads(text)
    for name in cls.BOOL_FIELDS:
        values[name] = bool(values[name])
    return cls.from_stored(values)


def select_columns(cls: type[Record], alias: str = "") -> str:
    """The column list to select for `decode`, optionally qualified by a table alias."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in column_names(cls))


_UPSERTS: dict[str, str] = {}


def upsert_sql(cls: type[Record]) -> str:
    """An INSERT that replaces every column of an existing row with the same id."""
    sql = _UPSERTS.get(cls.TABLE)
    if sql is None:
        names = column_names(cls)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "id")
        sql = _UPSERTS[cls.TABLE] = (
            f"INSERT INTO {cls.TABLE} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))}) ON CONFLICT (id) DO UPDATE SET {updates}"
        )
    return sql
