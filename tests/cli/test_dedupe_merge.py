"""Tests `crm dedupe`, `crm merge` and `crm unmerge` as a rep runs them."""

from __future__ import annotations

from typing import Any

from tests.cli.support import add_yamada, fails, query
from tests.conftest import Crm


def _twin(crm: Crm) -> dict[str, Any]:
    """The same 山田 太郎 as `add_yamada`, typed again in English from the back of his card."""
    twin: dict[str, Any] = crm(
        "add",
        "contact",
        "Taro Yamada",
        "--email",
        "taro@example.jp",
        "--department",
        "Sales",
        "--json",
    ).json()
    crm("log", "visit", twin["id"], "Demo of the new model", "--next", "Send the brochure")
    return twin


def test_dedupe_lists_a_probable_pair_with_its_evidence(crm: Crm) -> None:
    yamada = add_yamada(crm)
    twin = _twin(crm)
    crm("add", "contact", "佐藤 花子", "--email", "hanako@example.jp")
    pairs = crm("dedupe", "--json").json()
    assert pairs == [
        {
            "first": min(yamada["id"], twin["id"]),
            "second": max(yamada["id"], twin["id"]),
            "score": 70,
            "certain": False,
            "evidence": ["same email taro@example.jp"],
            "merged": False,
        }
    ]
    text = crm("dedupe").out
    assert "山田 太郎" in text and "Taro Yamada" in text and "same email" in text


def test_merge_moves_the_history_and_unmerge_puts_it_back(crm: Crm) -> None:
    yamada = add_yamada(crm)
    twin = _twin(crm)
    merged = crm("merge", yamada["id"], twin["id"], "--json").json()
    assert merged["alt_names"] == ["Taro Yamada"]
    assert merged["department"] == "Sales"
    assert merged["title"] == "部長"
    shown = crm("show", yamada["id"], "--json").json()
    assert {item["summary"] for item in shown["timeline"]} == {
        "Demo of the new model",
        "Send the brochure",
    }
    assert query("SELECT archived, merged_into FROM contacts WHERE id = ?", twin["id"]) == [
        (1, yamada["id"])
    ]
    assert "merged from" in crm("history", yamada["id"]).out
    assert crm("dedupe", "--json").json() == []
    assert crm("doctor").code == 0

    crm("unmerge", twin["id"])
    restored = crm("show", twin["id"], "--json").json()
    assert restored["merged_into"] is None and restored["archived"] is False
    assert {item["summary"] for item in restored["timeline"]} == {
        "Demo of the new model",
        "Send the brochure",
    }
    survivor = crm("show", yamada["id"], "--json").json()
    assert survivor["alt_names"] == [] and survivor["department"] is None
    assert survivor["timeline"] == []
    assert crm("doctor").code == 0


def test_dedupe_auto_merges_only_the_certain_pairs(crm: Crm) -> None:
    add_yamada(crm)
    crm("add", "contact", "山田 太郎", "--email", "taro@example.jp")  # certain: name and email
    crm("add", "contact", "Taro Yamada", "--phone", "090-1234-5678")  # probable only
    merged = crm("dedupe", "--auto", "--json").json()
    assert len(merged) == 1 and merged[0]["certain"]
    standing = query("SELECT display_name FROM contacts WHERE NOT archived ORDER BY display_name")
    assert standing == [("Taro Yamada",), ("山田 太郎",)]
    assert len(crm("dedupe", "--json").json()) == 1


def test_merging_a_contact_with_itself_or_twice_is_refused(crm: Crm) -> None:
    yamada = add_yamada(crm)
    twin = _twin(crm)
    assert "itself" in fails(crm, 2, "merge", yamada["id"], yamada["id"])
    crm("merge", yamada["id"], twin["id"])
    assert "unmerge" in fails(crm, 6, "merge", yamada["id"], twin["id"])
    assert "not merged" in fails(crm, 2, "unmerge", yamada["id"])
