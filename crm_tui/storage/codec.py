"""Provides the mapping between records and table rows (JSON lists, booleans as integers)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, TypeVar

from crm_tui.domain.records import Record, column_names

R = TypeVar("R", bound=Record)


_JSON = json.JSONEncoder(ensure_ascii=False)
"""`json.dumps(value, ensure_ascii=False)` without building an encoder per value."""
_PLANS: dict[type[Record], tuple[list[int], list[int]]] = {}
"""Per kind, the places of its JSON and of its boolean columns in `column_names` order."""


def _plan(cls: type[Record]) -> tuple[list[int], list[int]]:
    names = column_names(cls)
    plan = _PLANS[cls] = (
        [i for i, name in enumerate(names) if name in cls.JSON_FIELDS],
        [
            i
            for i, name in enumerate(names)
            if name in cls.BOOL_FIELDS and name not in cls.JSON_FIELDS
        ],
    )
    return plan


def encode(record: Record) -> list[Any]:
    """The record's column values in `column_names` order."""
    cls = type(record)
    plan = _PLANS.get(cls) or _plan(cls)
    # Records keep their fields in `__dict__`; reading them by name in one pass and then
    # converting only the few JSON and boolean columns is what a bulk write can afford.
    fields = record.__dict__
    out = [fields[name] for name in column_names(cls)]
    json_at, bool_at = plan
    for i in json_at:
        if out[i] is not None:
            out[i] = _JSON.encode(out[i])
    for i in bool_at:
        out[i] = int(bool(out[i]))
    return out


def decode(cls: type[R], row: sqlite3.Row | tuple[Any, ...]) -> R:
    """Builds a record from a row selected with `select_columns(cls)`."""
    values = dict(zip(cls.FIELDS, row, strict=True))
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
