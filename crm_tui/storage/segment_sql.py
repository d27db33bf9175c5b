"""Provides segment filters compiled to a parameterised SQL condition on contacts or companies.

No text from a filter reaches SQL as code: a field name selects one of the fragments written
below, and every value is a `?` parameter. Text is compared folded (`crm_fold`: width, case and
kana script ignored, as search does) and `~` looks for it with `instr`, so `%` and `_` are plain
characters. Each comparison compiles to a condition that is 0 or 1, never NULL, so `not` and
`!=` include records where the field has no value.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple

from crm_tui.domain.segment_fields import (
    ACTIVITY,
    BOOL,
    CHOICE,
    COMPANY,
    DEAL,
    DERIVED,
    FIELDS,
    INSTANT,
    LIST,
    MONEY,
    PERSON,
    TEXT,
    Field,
)
from crm_tui.domain.segments import And, Comparison, Node, Not, Or, Value
from crm_tui.domain.text import fold

Sql = tuple[str, list[Any]]

SUBJECTS = {"contact": "contacts", "company": "companies"}
"""The kinds a segment selects, with their tables."""

# Where each field's value is, as a template on the row it belongs to (`{r}`).
_COLUMNS = {
    "name": "{r}.display_name",
    "reading": "nullif(trim(coalesce({r}.family_reading, '') || ' ' "
    "|| coalesce({r}.given_reading, '')), '')",
    "title": "{r}.title",
    "department": "{r}.department",
    "lifecycle": "{r}.lifecycle",
    "source": "{r}.source",
    "email": "{r}.emails",
    "phone": "{r}.phones",
    "tag": "{r}.tags",
    "consent": "{r}.consent",
    "opted_out": "{r}.opted_out",
    "note": "{r}.note",
    "company": "{r}.name",
    "company_reading": "{r}.reading",
    "industry": "{r}.industry",
    "size": "{r}.size",
    "revenue": "{r}.annual_revenue",
    "region": "{r}.region",
    "prefecture": "{r}.prefecture",
    "company_tag": "{r}.tags",
    "owner": "{r}.owner",
    "created": "{r}.created_at",
    "archived": "{r}.archived",
    "last_activity": "{r}.last_activity_at",
    "deal.title": "{r}.title",
    "deal.stage": "{r}.stage",
    "deal.amount": "{r}.amount",
    "deal.currency": "{r}.currency",
    "deal.probability": "{r}.probability",
    "deal.expected_close": "{r}.expected_close",
    "deal.closed": "{r}.closed_on",
    "deal.created": "{r}.created_at",
    "deal.owner": "{r}.owner",
    "activity.type": "{r}.type",
    "activity.at": "{r}.at",
    "activity.direction": "{r}.direction",
    "activity.summary": "{r}.summary",
    "activity.outcome": "{r}.outcome",
    "activity.owner": "{r}.owner",
}
# The currency an amount is in, for MONEY fields.
_CURRENCIES = {"revenue": "{r}.revenue_currency", "deal.amount": "{r}.currency"}

# "Some deal (activity) of theirs": linked to the contact or to its company; for a company,
# linked to it or to one of its contacts. `{p}` is the condition on the related row `s_x`. The
# related rows that pass are found in one pass (`s_hit`, used twice so SQLite keeps it), and the
# `IN (…)` set does not depend on the outer row, so SQLite builds it once per query, not once
# per contact. The sets never hold NULL, so each test is 0 or 1.
_HIT = (
    "WITH s_hit AS (SELECT s_x.contact_id, s_x.company_id FROM {table} s_x WHERE {live} AND {p}) "
)
_RELATED = {
    "contact": (
        "contacts.id IN (" + _HIT + "SELECT contact_id FROM s_hit WHERE contact_id IS NOT NULL "
        "UNION SELECT s_ct.id FROM contacts s_ct "
        "WHERE s_ct.company_id IN (SELECT company_id FROM s_hit))"
    ),
    "company": (
        "companies.id IN (" + _HIT + "SELECT company_id FROM s_hit WHERE company_id IS NOT NULL "
        "UNION SELECT s_ct.company_id FROM contacts s_ct WHERE s_ct.company_id IS NOT NULL "
        "AND s_ct.id IN (SELECT contact_id FROM s_hit))"
    ),
}
_LIVE = {
    "deals": "NOT s_x.archived",
    "activities": "NOT s_x.archived AND NOT s_x.retracted",
}
_VIA = {
    # A company field of a contact: through the contact's company.
    ("contact", COMPANY): (
        "coalesce(contacts.company_id IN (SELECT s_co.id FROM companies s_co WHERE {p}), 0)"
    ),
    # A person field of a company: some live contact of the company.
    ("company", PERSON): (
        "coalesce(companies.id IN (SELECT s_ct.company_id FROM contacts s_ct "
        "WHERE s_ct.company_id IS NOT NULL AND NOT s_ct.archived "
        "AND s_ct.merged_into IS NULL AND {p}), 0)"
    ),
}
_ROW_OF_VIA = {("contact", COMPANY): "s_co", ("company", PERSON): "s_ct"}
# Purchases: won deals plus paid invoices, theirs as in _RELATED, each record counted once (a deal
# linked to a contact and to the contact's company is one purchase). Counted per company and per
# contact in one pass over the won deals and paid invoices, not once per member.
_WON = (
    "s_won AS (SELECT id, contact_id, company_id FROM deals WHERE stage = ? AND NOT archived "
    "UNION ALL SELECT id, contact_id, company_id FROM invoices "
    "WHERE paid_on IS NOT NULL AND NOT archived)"
)
_PURCHASES = {
    "contact": (
        f"WITH {_WON}, "
        "s_by_company AS (SELECT company_id, count(*) AS n FROM s_won "
        "WHERE company_id IS NOT NULL GROUP BY company_id), "
        # Linked to the contact but not (also) to the contact's company, which counted it.
        "s_by_contact AS (SELECT s_w.contact_id, sum(CASE WHEN s_p.company_id IS NOT NULL "
        "AND s_w.company_id = s_p.company_id THEN 0 ELSE 1 END) AS n FROM s_won s_w "
        "JOIN contacts s_p ON s_p.id = s_w.contact_id GROUP BY s_w.contact_id) "
        "SELECT s_p.id FROM contacts s_p WHERE {test}",
        "(coalesce((SELECT n FROM s_by_company WHERE company_id = s_p.company_id), 0) "
        "+ coalesce((SELECT n FROM s_by_contact WHERE contact_id = s_p.id), 0))",
    ),
    "company": (
        f"WITH {_WON}, "
        "s_pairs AS (SELECT company_id AS co, id FROM s_won WHERE company_id IS NOT NULL "
        "UNION SELECT s_ct.company_id, s_w.id FROM s_won s_w JOIN contacts s_ct "
        "ON s_ct.id = s_w.contact_id WHERE s_ct.company_id IS NOT NULL), "
        "s_by_company AS (SELECT co, count(*) AS n FROM s_pairs GROUP BY co) "
        "SELECT s_p.id FROM companies s_p WHERE {test}",
        "coalesce((SELECT n FROM s_by_company WHERE co = s_p.id), 0)",
    ),
}
_ORDERING = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Context(NamedTuple):
    """What a compiled filter depends on besides the tree."""

    subject: str
    """contact or company: the records the filter selects."""
    won_stage: str
    """The deal stage that counts as a purchase."""
    tz: tzinfo | None
    """The zone whose days `last_activity < -90d` counts (None: the system's)."""
    phone_region: str
    """How a phone number written without a country code is read."""


def compile_filter(node: Node, context: Context) -> Sql:
    """The condition (on the subject's table, by its own name) and its parameters."""
    if isinstance(node, Comparison):
        return _comparison(node, context)
    if isinstance(node, Not):
        sql, params = compile_filter(node.part, context)
        return f"NOT {sql}", params
    parts = [compile_filter(part, context) for part in node.parts]
    joiner = " AND " if isinstance(node, And) else " OR "
    assert isinstance(node, And | Or)
    return "(" + joiner.join(sql for sql, _ in parts) + ")", [p for _, ps in parts for p in ps]


def _comparison(node: Comparison, context: Context) -> Sql:
    field = FIELDS[node.field]
    empties = [v for v in node.values if v.kind == "none"]
    values = [v for v in node.values if v.kind != "none"]
    if field.family == DERIVED:
        return _purchases(node.op, values, context)
    pieces: list[Sql] = []
    if empties:
        sql, params = _placed(field, context, _has_value(field))
        pieces.append((f"NOT {sql}", params))
    if values:
        pieces.append(_placed(field, context, _test(field, node.op, values, context)))
    if len(pieces) == 1:
        return pieces[0]
    return "(" + " OR ".join(s for s, _ in pieces) + ")", [p for _, ps in pieces for p in ps]


Test = tuple[str, list[Any]]
"""A condition on one row, with `{r}` standing for the row's name."""


def _placed(field: Field, context: Context, test: Test) -> Sql:
    """Puts a test on the row the field belongs to, as a condition on the subject (0 or 1)."""
    template, params = test
    subject = context.subject
    if field.family in (DEAL, ACTIVITY):
        table = "deals" if field.family == DEAL else "activities"
        condition = template.replace("{r}", "s_x")
        outer = _RELATED[subject].replace("{table}", table).replace("{live}", _LIVE[table])
        return outer.replace("{p}", condition), params
    via = _VIA.get((subject, field.family))
    if via is not None:
        return via.replace(
            "{p}", template.replace("{r}", _ROW_OF_VIA[(subject, field.family)])
        ), params
    return f"coalesce({template.replace('{r}', SUBJECTS[subject])}, 0)", params


def _purchases(op: str, values: Sequence[Value], context: Context) -> Sql:
    """`purchases OP n`: membership of the set (made once per query) of those whose count of
    purchases passes the test; those who bought nothing count 0."""
    query, expression = _PURCHASES[context.subject]
    test, params = _ordered_test(expression, op, [_plain(v) for v in values])
    table = SUBJECTS[context.subject]
    return f"{table}.id IN ({query.replace('{test}', test)})", [context.won_stage, *params]


def _has_value(field: Field) -> Test:
    column = _COLUMNS[field.name]
    if field.type == LIST:
        return f"coalesce(json_array_length({column}), 0) > 0", []
    if field.type == TEXT:
        # Empty text is no text: `industry = ""` and `industry = none` mean the same.
        return f"coalesce({column}, '') <> ''", []
    return f"{column} IS NOT NULL", []


def _test(field: Field, op: str, values: Sequence[Value], context: Context) -> Test:
    column = _COLUMNS[field.name]
    if field.type == LIST:
        return _list_test(field, op, values, context)
    if field.type == TEXT:
        return _text_test(f"crm_fold({column})", op, values)
    if field.type in (CHOICE, BOOL):
        return _equal_test(column, op, [_plain(v) for v in values])
    if field.type == INSTANT:
        return _instant_test(column, op, [v.value for v in values], context.tz)
    if field.type == MONEY:
        scale = f" * crm_scale({_CURRENCIES[field.name]})"
        return _ordered_test(column, op, [_plain(v) for v in values], scale)
    return _ordered_test(column, op, [_plain(v) for v in values])


def _plain(value: Value) -> Any:
    """A value as an SQL parameter: dates as ISO text, true/false as 1/0."""
    if isinstance(value.value, date):
        return value.value.isoformat()
    if isinstance(value.value, bool):
        return int(value.value)
    return value.value


def _text_test(expression: str, op: str, values: Sequence[Value]) -> Test:
    folded = [fold(str(v.value)) for v in values]
    if op == "~":
        return f"instr({expression}, ?) > 0", folded
    return _equal_test(expression, op, folded)


def _equal_test(expression: str, op: str, params: list[Any], scale: str = "") -> Test:
    if op == "in" and len(params) > 1:
        marks = ", ".join(f"?{scale}" for _ in params)
        return f"{expression} IN ({marks})", params
    return f"{expression} = ?{scale}", params[:1]


def _ordered_test(expression: str, op: str, params: list[Any], scale: str = "") -> Test:
    if op in _ORDERING:
        return f"{expression} {op} ?{scale}", params
    return _equal_test(expression, op, params, scale)


def _instant_test(column: str, op: str, days: Sequence[Any], tz: tzinfo | None) -> Test:
    """Compares a stored instant with local days: `< D` is before D began, `<= D` before it
    ended, `= D` during it."""
    if op in ("=", "in"):
        parts = [_instant_test(column, "day", [day], tz) for day in days]
        return "(" + " OR ".join(s for s, _ in parts) + ")", [p for _, ps in parts for p in ps]
    start, end = _day_bounds(days[0], tz)
    if op == "day":
        return f"({column} >= ? AND {column} < ?)", [start, end]
    bound = start if op in ("<", ">=") else end
    comparison = "<" if op in ("<", "<=") else ">="
    return f"{column} {comparison} ?", [bound]


def _day_bounds(day: date, tz: tzinfo | None) -> tuple[str, str]:
    """The stored forms of the instants a local day begins and ends."""
    from crm_tui.domain.dates import utc_iso

    def start_of(d: date) -> str:
        moment = datetime.combine(d, time(), tzinfo=tz)
        return utc_iso(moment if tz is not None else moment.astimezone())

    return start_of(day), start_of(day + timedelta(days=1))


def _list_test(field: Field, op: str, values: Sequence[Value], context: Context) -> Test:
    """Some item of the list passes: `tag = x` means the list holds x."""
    column = _COLUMNS[field.name]
    if field.name == "phone":
        item = "json_extract(s_j.value, '$.number')"
        if op == "~":
            digits = ["".join(c for c in str(v.value) if c.isdigit()) for v in values]
            if all(digits):
                test: Test = (f"instr(crm_digits({item}), ?) > 0", digits)
            else:
                test = _text_test(f"crm_fold({item})", op, values)
        else:
            test = _equal_test(item, op, [_phone(v, context.phone_region) for v in values])
    else:
        test = _text_test("crm_fold(s_j.value)", op, values)
    sql, params = test
    return f"EXISTS (SELECT 1 FROM json_each({column}) s_j WHERE {sql})", params


def _phone(value: Value, region: str) -> str:
    """A phone as stored: E.164 when the text is a valid number, else the text as written."""
    from crm_tui.domain.phones import e164_of

    text = str(value.value)
    return e164_of(text, region) or text.strip()


def prepare(conn: sqlite3.Connection, currency: str) -> None:
    """Gives the connection the functions compiled filters call (amounts given in whole units
    of `currency` when a record names none)."""
    from crm_tui.domain.money import exponent

    def fold_or_empty(text: object) -> str:
        return "" if text is None else fold(str(text))

    def scale(code: object) -> int:
        return int(10 ** exponent(str(code) if code else currency))

    def digits(text: object) -> str:
        return "" if text is None else "".join(c for c in str(text) if c.isdigit())

    conn.create_function("crm_fold", 1, fold_or_empty, deterministic=True)
    conn.create_function("crm_scale", 1, scale, deterministic=True)
    conn.create_function("crm_digits", 1, digits, deterministic=True)
