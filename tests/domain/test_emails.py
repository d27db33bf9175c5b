"""Tests email address normalisation: lower case, display-name and mailto forms, junk refused."""

from __future__ import annotations

import pytest

from crm_tui.domain.emails import normalize_email
from crm_tui.errors import InvalidInput


@pytest.mark.parametrize(
    "typed",
    [
        "taro@example.jp",
        "Taro@Example.JP",
        "  taro@example.jp  ",
        '"Taro Yamada" <Taro@Example.jp>',
        "Taro Yamada <taro@example.jp>",
        "山田 太郎 <taro@example.jp>",
        "<taro@example.jp>",
        "mailto:taro@example.jp",
        "MAILTO:Taro@Example.jp",
        "mailto:taro@example.jp?subject=Hello",
        "<mailto:taro@example.jp>",
    ],
)
def test_every_form_of_an_address_normalises_to_the_same_lower_case_address(typed: str) -> None:
    assert normalize_email(typed) == "taro@example.jp"


def test_plus_tags_and_subdomains_are_kept() -> None:
    assert normalize_email("Taro+CRM@Mail.Example.co.jp") == "taro+crm@mail.example.co.jp"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "junk",
        "taro",
        "taro@",
        "@example.jp",
        "taro@example",
        "taro@example.j",
        "taro@example.jp.",
        "taro@@example.jp",
        "taro yamada@example.jp",
        '"Taro" <>',
        "mailto:",
    ],
)
def test_junk_is_refused_with_an_example_of_an_address(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_email(typed)
    assert repr(typed) in str(refused.value)
    assert "taro@example.jp" in str(refused.value)
