"""The examples of the foundation issue, run exactly as written."""

from __future__ import annotations

from tests.conftest import Crm


def test_the_issue_examples_work_as_written(crm: Crm) -> None:
    crm(
        "add",
        "company",
        "株式会社ミナト精機",
        "--industry",
        "manufacturing",
        "--prefecture",
        "東京都",
    )
    crm(
        "add",
        "contact",
        "山田 太郎",
        "--reading",
        "ヤマダ タロウ",
        "--company",
        "株式会社ミナト精機",
        "--title",
        "部長",
        "--email",
        "Taro@Example.jp",
        "--phone",
        "090-1234-5678",
    )
    crm(
        "log",
        "visit",
        "taro@example.jp",
        "Demo of the new model",
        "--next",
        "Send the brochure",
        "--due",
        "3d",
    )

    agenda = crm("next-actions", "--json").json()
    assert [(a["title"], a["due"], a["contact"]) for a in agenda] == [
        ("Send the brochure", "2026-11-29", "山田 太郎")
    ]

    for query in ("やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "090-1234-5678", "+81 90 1234 5678"):
        hits = crm("search", query, "--json").json()
        assert [h["label"] for h in hits] == ["山田 太郎"], query

    shown = crm("show", "山田", "--json").json()
    assert shown["phones"][0]["number"] == "+819012345678"
    assert shown["emails"] == ["taro@example.jp"]
    assert any(
        e["kind"] == "visit" and e["summary"] == "Demo of the new model" for e in shown["timeline"]
    )

    created = crm("quote", "new", "山田", "--currency", "JPY", "--json").json()
    assert set(created) == {"id", "number"}
    number = crm("quote", "new", "山田", "--currency", "JPY").out.strip()
    crm("quote", "line", number, "Model X", "--qty", "2", "--price", "150000", "--tax", "10")
    crm("quote", "line", number, "Catering", "--qty", "1", "--price", "5000", "--tax", "8")
    totals = crm("quote", "show", number, "--json").json()
    assert (totals["subtotal"], totals["tax"], totals["total"], totals["currency"]) == (
        305000,
        30400,
        335400,
        "JPY",
    )
