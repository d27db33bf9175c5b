"""Tests of segment filters run on a small hand-made store: every operator and field family, the
meaning of `none`, `not` and `!=`, and injection attempts that must stay plain values."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from crm_tui.domain.records import Company, Contact, Deal, Invoice
from crm_tui.domain.segment_fields import BOOL, COUNT, FIELDS, LIST, ORDERED
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.services import segments
from crm_tui.services.activities import record_activity
from crm_tui.services.session import Session
from crm_tui.storage.segment_sql import Context, compile_filter
from crm_tui.storage.segments import count_members

People = dict[str, str]


@pytest.fixture
def people(session: Session) -> People:
    """Four companies and five live contacts (plus an archived and a merged-away one), with
    deals, invoices and activities; names of the records to their ids."""
    ids: People = {}
    with session.store.write() as w:

        def company(key: str, **values: Any) -> str:
            ids[key] = w.create(Company, values).id
            return ids[key]

        def person(key: str, **values: Any) -> str:
            ids[key] = w.create(Contact, values).id
            return ids[key]

        minato = company(
            "minato",
            name="株式会社ミナト精機",
            reading="ミナトセイキ",
            industry="IT",
            size="large",
            annual_revenue=2_000_000_000,
            revenue_currency="JPY",
            region="関東",
            prefecture="東京都",
            tags=["partner"],
        )
        naniwa = company(
            "naniwa",
            name="浪速商事",
            industry="manufacturing",
            annual_revenue=500_000_000,
            revenue_currency="JPY",
            prefecture="大阪府",
        )
        company("kita", name="北海食品", prefecture="北海道")
        # $1,500,000.00 in cents: `revenue` compares whole dollars.
        usco = company(
            "usco",
            name="US Corp",
            industry="it",
            annual_revenue=150_000_000,
            revenue_currency="USD",
        )
        sato = person(
            "sato",
            display_name="佐藤 健一",
            family_reading="サトウ",
            given_reading="ケンイチ",
            company_id=minato,
            title="営業部長",
            department="営業部",
            lifecycle="customer",
            source="expo",
            tags=["trade-show-2026"],
            emails=["ken@example.jp"],
            phones=[{"number": "+819012345678", "label": "mobile", "valid": True}],
            consent=True,
        )
        suzuki = person(
            "suzuki",
            display_name="鈴木 一郎",
            company_id=minato,
            title="課長",
            lifecycle="prospect",
            tags=["ＶＩＰ"],
            opted_out=True,
        )
        tanaka = person(
            "tanaka",
            display_name="田中 花子",
            company_id=naniwa,
            title="部長代理",
            lifecycle="customer",
            emails=["hanako@naniwa.example.jp"],
        )
        yamada = person("yamada", display_name="山田 太郎", lifecycle="lead")
        clarke = person(
            "clarke",
            display_name="Emma Clarke",
            company_id=usco,
            title="Purchasing Manager",
            lifecycle="customer",
            tags=["100%_sure"],
            note="met at 50% off sale",
        )
        person("furukawa", display_name="古川 進", company_id=minato, title="部長", archived=True)
        person("merged", display_name="佐藤 健一", title="部長", merged_into=sato, archived=True)
        for values in (
            {"contact_id": sato, "company_id": minato, "stage": "won", "amount": 3_000_000,
             "currency": "JPY", "closed_on": "2026-10-01"},
            {"company_id": minato, "stage": "won", "closed_on": "2025-05-01", "amount": 10,
             "currency": "JPY"},
            {"contact_id": tanaka, "company_id": naniwa, "stage": "lost", "amount": 800_000,
             "currency": "JPY", "closed_on": "2026-06-01"},
            {"contact_id": yamada, "stage": "proposal", "title": "Pumps"},
            {"contact_id": clarke, "company_id": usco, "stage": "won", "amount": 1250,
             "currency": "USD"},
            {"contact_id": suzuki, "stage": "lost", "archived": True},
        ):  # fmt: skip
            w.create(Deal, values)
        w.create(Invoice, {"number": "I-1", "company_id": minato, "paid_on": "2026-02-01"})
        w.create(Invoice, {"number": "I-2", "contact_id": tanaka})
        w.create(Invoice, {"number": "I-3", "contact_id": yamada, "paid_on": "2026-03-01"})
        for values in (
            # 00:30 in Tokyo on the 20th is still the 19th in UTC.
            {"contact_id": sato, "company_id": minato, "type": "visit",
             "at": "2026-11-19T15:30:00.000Z"},
            {"contact_id": suzuki, "company_id": minato, "type": "call", "direction": "inbound",
             "at": "2026-06-01T01:00:00.000Z"},
            {"company_id": naniwa, "type": "email", "at": "2026-11-25T01:00:00.000Z"},
        ):  # fmt: skip
            record_activity(w, {"summary": "Talked", "direction": "outbound", **values})
    return ids


def members(session: Session, people: People, where: str, kind: str = "contact") -> set[str]:
    """The keys (`sato`, `minato`, …) of the records a filter selects."""
    names = {record_id: key for key, record_id in people.items()}
    return {names[i] for i in segments.members(session, where=where, kind=kind)}


LIVE = {"sato", "suzuki", "tanaka", "yamada", "clarke"}

EXAMPLES = [
    # = and != (not equal includes no value: yamada has no company)
    ('industry = "IT"', {"sato", "suzuki", "clarke"}),
    ('industry = "ｉｔ"', {"sato", "suzuki", "clarke"}),
    ('industry != "IT"', {"tanaka", "yamada"}),
    ("lifecycle = customer", {"sato", "tanaka", "clarke"}),
    ("lifecycle != customer", {"suzuki", "yamada"}),
    # < <= > >= on counts, money (in whole units of each record's currency), dates
    ("purchases >= 3", {"sato", "suzuki"}),
    ("purchases > 1", {"sato", "suzuki"}),
    ("purchases <= 1", {"tanaka", "yamada", "clarke"}),
    ("purchases < 1", {"tanaka"}),
    ("purchases = 1", {"yamada", "clarke"}),
    ("purchases in (0, 3)", {"tanaka", "sato", "suzuki"}),
    ("revenue >= 1_000_000_000", {"sato", "suzuki"}),
    ("revenue > 1_400_000 and revenue < 1_600_000", {"clarke"}),
    ("revenue <= 500_000_000", {"tanaka", "clarke"}),
    ("deal.amount = 12.5", {"clarke"}),
    # in, and not in (which includes no value)
    ('prefecture in ("東京都", "大阪府")', {"sato", "suzuki", "tanaka"}),
    ('prefecture not in ("東京都", "大阪府")', {"yamada", "clarke"}),
    ("lifecycle in (lead, prospect)", {"suzuki", "yamada"}),
    # ~ contains, folding case, width and kana; % and _ are plain characters
    ('title ~ "部長"', {"sato", "tanaka"}),
    ('title ~ "PURCHASING"', {"clarke"}),
    ('reading ~ "さとう"', {"sato"}),
    ('reading ~ "ｹﾝｲﾁ"', {"sato"}),
    ('tag ~ "%"', {"clarke"}),
    ('tag ~ "_"', {"clarke"}),
    ('note ~ "50%"', {"clarke"}),
    ('company ~ "ミナト"', {"sato", "suzuki"}),
    ('company_reading ~ "みなと"', {"sato", "suzuki"}),
    # lists: = holds, != does not hold, none is empty
    ('tag = "trade-show-2026"', {"sato"}),
    ("tag = vip", {"suzuki"}),
    ("tag != vip", LIVE - {"suzuki"}),
    ("tag = none", {"tanaka", "yamada"}),
    ("tag != none", {"sato", "suzuki", "clarke"}),
    ("company_tag = partner", {"sato", "suzuki"}),
    ('email ~ "@naniwa"', {"tanaka"}),
    ("email = KEN@example.jp", {"sato"}),
    ("email = none", {"suzuki", "yamada", "clarke"}),
    ('phone = "090-1234-5678"', {"sato"}),
    ('phone ~ "1234-5678"', {"sato"}),
    # true/false, and a yes/no field alone
    ("consent", {"sato"}),
    ("consent = false", LIVE - {"sato"}),
    ("not consent", LIVE - {"sato"}),
    ("opted_out = true", {"suzuki"}),
    # text fields with no value
    ("title = none", {"yamada"}),
    ("industry = none", {"yamada"}),
    ('industry = ""', {"yamada"}),
    ('industry in (none, "manufacturing")', {"yamada", "tanaka"}),
    ("company = none", {"yamada"}),
    ("size != none", {"sato", "suzuki"}),
    ('source = "EXPO"', {"sato"}),
    ('department ~ "営業"', {"sato"}),
    ('name ~ "clarke"', {"clarke"}),
    # instants compare by local day (Asia/Tokyo); relative dates from 2026-11-26
    ("last_activity = 2026-11-20", {"sato"}),
    ("last_activity >= 2026-11-20", {"sato"}),
    ("last_activity > 2026-11-20", set()),
    ("last_activity <= 2026-11-20", {"sato", "suzuki"}),
    ("last_activity < 2026-11-20", {"suzuki"}),
    ("last_activity < -90d", {"suzuki"}),
    ("not last_activity >= -90d", {"suzuki", "tanaka", "yamada", "clarke"}),
    ("last_activity = none", {"tanaka", "yamada", "clarke"}),
    ("created = today", LIVE),
    ("created < today", set()),
    ("owner = alice", LIVE),
    # deals and activities: some of theirs (the contact's or the company's), never archived
    ("deal.stage = lost", {"tanaka"}),
    ("deal.stage = won", {"sato", "suzuki", "clarke"}),
    ("deal.stage != won", {"tanaka", "yamada"}),
    ("deal.amount >= 1_000_000", {"sato", "suzuki"}),
    ("deal.amount = none", {"yamada"}),
    ("deal.closed >= 2026-09-01", {"sato", "suzuki"}),
    ("deal.closed = 2026-06-01", {"tanaka"}),
    ('deal.title ~ "pump"', {"yamada"}),
    ('deal.currency = "USD"', {"clarke"}),
    ("deal.created = today", LIVE),
    ("activity.type = email", {"tanaka"}),
    # (sato's visit and suzuki's call were logged with their company, minato)
    ("activity.direction = inbound", {"sato", "suzuki"}),
    ("activity.at >= -7d", {"sato", "suzuki", "tanaka"}),
    ("activity.at = 2026-11-20", {"sato", "suzuki"}),
    ("activity.at = 2026-11-19", set()),
    ("activity.type = none", {"yamada", "clarke"}),
    ("last_activity < -90d and deal.stage = lost", set()),
    # and, or, not, parentheses
    ("lifecycle = customer or lifecycle = prospect and consent", {"sato", "tanaka", "clarke"}),
    ("(lifecycle = customer or lifecycle = prospect) and consent", {"sato"}),
    ('not lifecycle = customer and title ~ "課長"', {"suzuki"}),
    ("not (lifecycle = customer or lifecycle = lead)", {"suzuki"}),
    ("not not consent", {"sato"}),
    # archived records only when the filter asks; merged-away contacts never
    ("archived = true", {"furukawa"}),
    ('title ~ "部長" and (archived = true or archived = false)', {"sato", "tanaka", "furukawa"}),
]


@pytest.mark.parametrize(("where", "expected"), EXAMPLES)
def test_a_filter_selects_exactly_these_contacts(
    session: Session, people: People, where: str, expected: set[str]
) -> None:
    assert members(session, people, where) == expected


COMPANY_EXAMPLES = [
    ('industry = "IT"', {"minato", "usco"}),
    ('industry != "IT"', {"naniwa", "kita"}),
    # person fields: some live contact of the company (furukawa is archived)
    ('title ~ "部長"', {"minato", "naniwa"}),
    ("title = 部長", set()),
    ("opted_out", {"minato"}),
    ("tag = none", {"naniwa", "kita"}),
    ("purchases >= 3", {"minato"}),
    ("purchases = 0", {"naniwa", "kita"}),
    ("purchases = 1", {"usco"}),
    ("deal.stage = lost", {"naniwa"}),
    ("activity.type = email", {"naniwa"}),
    ("last_activity >= -7d", {"minato", "naniwa"}),
    ("last_activity = none", {"kita", "usco"}),
    ("company_tag = partner", {"minato"}),
    ('company ~ "商事"', {"naniwa"}),
]


@pytest.mark.parametrize(("where", "expected"), COMPANY_EXAMPLES)
def test_a_filter_selects_exactly_these_companies(
    session: Session, people: People, where: str, expected: set[str]
) -> None:
    assert members(session, people, where, kind="company") == expected


def test_not_and_not_equal_always_complement_equal(session: Session, people: People) -> None:
    for where in ("industry = IT", "tag = vip", "deal.stage = won", "last_activity >= -90d"):
        field, _, value = where.partition(" = ") if " = " in where else (where, "", "")
        selected = members(session, people, where)
        assert members(session, people, f"not {where}") == LIVE - selected
        if value:
            assert members(session, people, f"{field} != {value}") == LIVE - selected


def test_members_come_in_listing_order_and_counts_agree(session: Session, people: People) -> None:
    ids = segments.members(session, where="lifecycle = customer")
    # by reading when there is one, else the name: Clarke, サトウ (sato), 田中
    assert ids == [people["clarke"], people["sato"], people["tanaka"]]
    assert segments.count(session, where="lifecycle = customer") == 3
    assert segments.count(session, where="lifecycle = customer", kind="companies") == 3


def test_members_of_a_saved_segment(session: Session, people: People) -> None:
    segments.save(session, "bucho", 'title ~ "部長"')
    assert set(segments.members(session, segment="bucho")) == {people["sato"], people["tanaka"]}
    with pytest.raises(NotFound) as missing:
        segments.members(session, segment="bocho")
    assert str(missing.value) == 'No segment is named "bocho". Did you mean "bucho"?'
    with pytest.raises(InvalidInput, match="not both"):
        segments.members(session, segment="bucho", where="consent")
    with pytest.raises(InvalidInput, match="Give a segment name"):
        segments.members(session)
    with pytest.raises(InvalidInput, match="not deals"):
        segments.members(session, where="consent", kind="deals")


def test_members_can_be_read_inside_a_write(session: Session, people: People) -> None:
    with session.store.write():
        assert segments.members(session, where="consent") == [people["sato"]]
        assert segments.count(session, where="consent", kind="company") == 1


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master ORDER BY name")]


INJECTIONS = [
    'name = "x\' OR 1=1 --"',
    'name = \'x" OR "1"="1\'',
    'title ~ "\'; DROP TABLE contacts; --"',
    'title ~ "\\"); DELETE FROM contacts; --"',
    'industry in ("IT\') OR (1=1", "x")',
    "tag = \"trade-show-2026' OR '1'='1\"",
    'email ~ "%"',
    'name ~ "_"',
    'name = "\x00"',
    'title ~ "部長\x00; DROP TABLE contacts"',
    'deal.title = "\') UNION SELECT id FROM contacts --"',
    'phone = "\') OR 1=1 --"',
]


@pytest.mark.parametrize("where", INJECTIONS)
def test_values_never_act_as_sql(session: Session, people: People, where: str) -> None:
    conn = session.store.conn
    tables, contacts = _tables(conn), conn.execute("SELECT count(*) FROM contacts").fetchone()
    assert members(session, people, where) == set()
    context = Context("contact", "won", None, "JP")
    sql, params = compile_filter(segments.parse(session, where), context)
    for fragment in ("OR 1=1", "DROP", "DELETE", "UNION SELECT id FROM contacts", "%", "\x00"):
        if fragment in where:
            assert fragment not in sql
    assert params
    assert _tables(conn) == tables
    assert conn.execute("SELECT count(*) FROM contacts").fetchone() == contacts


@pytest.mark.parametrize(
    "where",
    [
        "1=1",
        "name; DROP TABLE contacts",
        "contacts.id = x",
        "name = x) OR (1 = 1",
        "deal.stage = lost OR 1",
        "`name` = x",
        "name = x --",
        "name = x /* y */",
    ],
)
def test_sql_outside_a_value_is_a_filter_error(session: Session, where: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        segments.members(session, where=where)
    assert str(caught.value).startswith("filter: ")


def test_very_long_and_deeply_nested_filters_run_or_fail_cleanly(
    session: Session, people: People
) -> None:
    long_value = 'name ~ "' + "あ" * 9_000 + '"'
    assert members(session, people, long_value) == set()
    many = " or ".join(f'name = "{n}"' for n in range(199)) + " or consent"
    assert members(session, people, many) == {"sato"}
    nested = "(" * 31 + "consent" + ")" * 31
    assert members(session, people, nested) == {"sato"}
    listed = "tag in (" + ", ".join(f'"t{n}"' for n in range(499)) + ', "vip")'
    assert members(session, people, listed) == {"suzuki"}
    for bad in ("(" * 40 + "consent" + ")" * 40, "x" * 20_000, "not " * 5_000 + "consent"):
        with pytest.raises(InvalidInput):
            segments.members(session, where=bad)


def _a_value_for(name: str) -> str:
    field = FIELDS[name]
    if field.type == BOOL:
        return f"{name} = true"
    if field.type == COUNT:
        return f"{name} >= 1"
    if field.type in ORDERED:
        return (
            f"{name} < today" if "date" in field.type or field.type == "instant" else f"{name} > 1"
        )
    if field.type == LIST:
        return f'{name} ~ "a"'
    if field.choices or name == "deal.stage":
        return f"{name} = {(field.choices or ('won',))[0]}"
    return f'{name} ~ "a"'


@pytest.mark.parametrize("subject", ["contact", "company"])
@pytest.mark.parametrize("name", list(FIELDS))
def test_every_field_compiles_and_runs_for_both_subjects(
    session: Session, people: People, name: str, subject: str
) -> None:
    """Every field, with a value, with none where it may have none, and negated, runs: each
    template in storage/segment_sql.py is valid SQL on the real schema."""
    filters = [_a_value_for(name), f"not {_a_value_for(name)}"]
    if FIELDS[name].type not in (BOOL, COUNT):
        filters += [f"{name} = none", f"{name} != none"]
    counts = [segments.count(session, where=f, kind=subject) for f in filters]
    total = count_members(session.store.conn, ("1", []), subject, "archived" in name)
    assert counts[0] + counts[1] == total
    if len(counts) == 4:
        assert counts[2] + counts[3] == total
