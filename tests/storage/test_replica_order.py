"""A replica ends the same whatever order, and in whatever pages, the team's ops reach it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.domain.ops import Op
from crm_tui.domain.records import Quote, QuoteLine
from crm_tui.storage.db import Store, open_store
from crm_tui.storage.doctor import check_store
from crm_tui.storage.oplog import COLUMNS, op_from_row
from crm_tui.storage.replica import Pulled, apply_pulled


@pytest.fixture
def author(tmp_path: Path) -> Iterator[Store]:
    """Alice's laptop, where a quote is written and its lines moved about."""
    store = open_store(tmp_path / "alice.db", "alice")
    with store.write() as w:
        quote = w.create(Quote, {"number": "Q-2026-AB-001", "title": "Retrofit"})
        lines = [
            w.create(QuoteLine, {"quote_id": quote.id, "position": n, "description": text})
            for n, text in enumerate(("steel beams", "bolts", "calibration visit"), start=1)
        ]
    with store.write() as w:
        w.update(QuoteLine, lines[0].id, {"archived": True})
    with store.write() as w:  # and then only a move: the last line to the top
        w.update(QuoteLine, lines[2].id, {"position": 0})
    yield store
    store.close()


def logged(store: Store) -> list[Op]:
    """Every op of a store, in the order it made them."""
    rows = store.conn.execute(f"SELECT {COLUMNS} FROM ops ORDER BY seq")
    return [op_from_row(row) for row in rows]


def search_rows(store: Store) -> list[tuple[str, str, str, str]]:
    """The search documents, by record id."""
    rows = store.conn.execute(
        "SELECT e.id, s.kind, s.name, s.body FROM search s JOIN entities e ON e.n = s.rowid "
        "ORDER BY e.id"
    )
    return [tuple(row) for row in rows]


ORDERS = ["as made", "reversed", *(f"shuffled {seed}" for seed in range(8))]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("page", [1, 2, 1000])
def test_a_quotes_search_text_lists_its_lines_in_order_however_they_arrive(
    author: Store, tmp_path: Path, order: str, page: int
) -> None:
    ops = logged(author)
    if order == "reversed":
        ops.reverse()
    elif order.startswith("shuffled"):
        random.Random(order).shuffle(ops)
    replica = open_store(tmp_path / "bob.db", "bob")
    try:
        for start in range(0, len(ops), page):
            with replica.write(refetchable=True):
                chunk = ops[start : start + page]
                apply_pulled(
                    replica.conn,
                    [Pulled(op, start + n, "2026-11-26T00:00:00Z") for n, op in enumerate(chunk)],
                )
        assert search_rows(replica) == search_rows(author)
        (quote_row,) = [row for row in search_rows(replica) if row[1] == "quote"]
        assert quote_row[3] == "calibration visit bolts"  # by position; the dropped line gone
        assert check_store(replica.conn).healthy
    finally:
        replica.close()
