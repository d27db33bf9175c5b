"""A page prepared off the writing thread leaves a replica exactly as applying it plainly does,
whatever of the page the replica already holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.domain.ids import new_id
from crm_tui.domain.materialise import LOGGED
from crm_tui.domain.ops import Op
from crm_tui.domain.records import Activity, Company, Contact, Quote, QuoteLine
from crm_tui.storage.db import Store, open_store
from crm_tui.storage.doctor import check_store
from crm_tui.storage.oplog import COLUMNS, op_from_row
from crm_tui.storage.replica import Pulled, apply_pulled, prepare_page

AT = "2026-11-26T00:00:00Z"
FIRST, SECOND = 18, 23
"""How many ops the author had made after its first writes, and after the next ones."""


@pytest.fixture
def author(tmp_path: Path) -> Iterator[Store]:
    """Alice's laptop: customers, visits, a quote (the first 18 ops); then a company's
    industry set and a new contact of it (5 ops); then the company renamed."""
    store = open_store(tmp_path / "alice.db", "alice")
    with store.write() as w:
        acme = w.create(Company, {"name": "株式会社アクメ", "reading": "アクメ"})
        ken = w.create(Contact, {"display_name": "佐藤 健一", "company_id": acme.id})
        w.create(Contact, {"display_name": "Mary Major"})
        quote = w.create(Quote, {"number": "Q-2026-AB-001", "title": "Retrofit"})
        w.create(QuoteLine, {"quote_id": quote.id, "position": 1, "description": "steel beams"})
        for n in range(3):
            visit = {
                "kind": "visit",
                "at": f"2026-11-2{n}T09:00:00Z",
                "summary": f"定例訪問 {n}",
                "contact_id": ken.id,
                "company_id": acme.id,
            }
            w.event(Activity, new_id(), LOGGED, {"fields": visit}, first=True)
    assert len(logged(store)) == FIRST
    with store.write() as w:
        w.update(Company, acme.id, {"industry": "製造"})
        w.create(Contact, {"display_name": "鈴木 一郎", "company_id": acme.id})
        w.update(Contact, ken.id, {"title": "部長"})
    assert len(logged(store)) == SECOND
    with store.write() as w:
        w.update(Company, acme.id, {"name": "アクメ工業株式会社"})
    yield store
    store.close()


def logged(store: Store) -> list[Op]:
    """Every op of a store, in the order it made them."""
    rows = store.conn.execute(f"SELECT {COLUMNS} FROM ops ORDER BY seq")
    return [op_from_row(row) for row in rows]


def contents(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table a pull writes (the log without its local seq), sorted."""
    tables = [
        name
        for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith(("search_", "sqlite_", "_sqlite")) and name != "meta"
    ]
    found = {}
    for table in tables:
        rows = store.conn.execute(f"SELECT * FROM {table}").fetchall()
        if table == "ops":
            rows = [row[1:] for row in rows]
        found[table] = sorted(rows, key=repr)
    return found


def pull_into(store: Store, ops: list[Op], page: int, prepared: bool) -> None:
    """Applies the ops in pages, each prepared beforehand or not."""
    for start in range(0, len(ops), page):
        pulled = [Pulled(op, start + n, AT) for n, op in enumerate(ops[start : start + page])]
        with store.write(refetchable=True):
            apply_pulled(store.conn, pulled, prepare_page(pulled) if prepared else None)


@pytest.mark.parametrize("page", [1, 3, 7, 1000])
def test_a_prepared_page_gives_the_store_the_plain_path_gives(
    author: Store, tmp_path: Path, page: int
) -> None:
    ops = logged(author)
    plain, prepared = (open_store(tmp_path / f"{name}.db", "bob") for name in ("a", "b"))
    try:
        pull_into(plain, ops, page, prepared=False)
        pull_into(prepared, ops, page, prepared=True)
        assert contents(prepared) == contents(plain)
        assert check_store(prepared.conn).healthy
    finally:
        plain.close()
        prepared.close()


def test_a_prepared_page_of_records_already_here_gives_the_plain_paths_store(
    author: Store, tmp_path: Path
) -> None:
    # The replica holds the first writes; the next page, prepared as if every record in it
    # were new, holds the company's new industry (and not its name) and a new contact of it,
    # whose search text must show the company's name as stored here.
    ops = logged(author)
    plain, prepared = (open_store(tmp_path / f"{name}.db", "bob") for name in ("a", "b"))
    try:
        for store in (plain, prepared):
            pull_into(store, ops[:FIRST], 1000, prepared=False)
        pull_into(plain, ops[FIRST:SECOND], 1000, prepared=False)
        pull_into(prepared, ops[FIRST:SECOND], 1000, prepared=True)
        assert contents(prepared) == contents(plain)
        rows = prepared.conn.execute("SELECT body FROM search WHERE kind = 'contact'")
        bodies = [body for (body,) in rows if body]  # Mary Major has no company
        assert len(bodies) == 2 and all("あく くめ" in body for body in bodies)
        pull_into(plain, ops, 1000, prepared=False)
        pull_into(prepared, ops, 1000, prepared=True)  # then the rest, and all again
        assert contents(prepared) == contents(plain)
    finally:
        plain.close()
        prepared.close()


def test_a_contact_prepared_without_its_company_reads_the_companys_name_here(
    author: Store, tmp_path: Path
) -> None:
    ops = logged(author)
    company_ops = [op for op in ops if op.entity == "company"]
    rest = [op for op in ops if op.entity != "company"]
    replica = open_store(tmp_path / "bob.db", "bob")
    try:
        pull_into(replica, company_ops, 1000, prepared=True)
        pull_into(replica, rest, 1000, prepared=True)
        rows = replica.conn.execute("SELECT body FROM search WHERE kind = 'contact'")
        bodies = [body for (body,) in rows if body]  # Mary Major has no company
        assert len(bodies) == 2 and all("工業" in body for body in bodies)  # bigrams: 工業 業株 …
    finally:
        replica.close()
