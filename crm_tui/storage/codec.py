"""Provides the mapping between records and table rows (JSON lists, booleans as integers)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, TypeVar

from crm_tui.domain.records import Record, column_names

R = TypeVar("R", bound=Record)


def encode(record: Record) -> list[Any]:
    """The record's column values in `column_names` order."""
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
    values: dict[str, Any] = {}
    for name, value in zip(column_names(cls), row, strict=False):
        if name in cls.JSON_FIELDS:
            value = None if value is None else json.loads(value)
        elif name in cls.BOOL_FIELDS:
            value = bool(value)
        values[name] = value
    return cls(**values)


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
