"""The Quotes screen and the quote editor: lines, live totals per tax rate, status (issue 5)."""

from __future__ import annotations

from textual.widgets import Input, Static

from crm_tui.domain.money import format_money
from crm_tui.screens.quote_editor import QuoteEditorScreen
from crm_tui.services.quotes import QuoteView, view_quote
from crm_tui.services.session import Session
from tests.screens.conftest import Driver


def shown(tui: Driver, widget_id: str) -> str:
    """What a Static on the current screen shows."""
    return str(tui.app.screen.query_one(f"#{widget_id}", Static).render())


def totals_match(tui: Driver, view: QuoteView) -> None:
    """Every rate's subtotal and tax, and the grand total, are shown as the store has them."""
    lines = shown(tui, "quote-totals").splitlines()
    for rate in view.totals.by_rate:
        row = next(line for line in lines if line.strip().startswith(f"{rate.rate}%"))
        assert format_money(rate.subtotal, "JPY") in row
        assert f"tax {format_money(rate.tax, 'JPY')}".replace(" ", "") in row.replace(" ", "")
    assert f"Total {format_money(view.totals.total, 'JPY')}" in lines[-1]


async def fill_line(tui: Driver, *values: str) -> None:
    """Types a line into the form, field by field (description, qty, price, discount, tax)."""
    tui.app.screen.query_one("#line-description", Input).focus()
    for index, value in enumerate(values):
        if index:
            await tui.press("tab")
        await tui.type(value)


async def new_quote_for_emma(tui: Driver) -> str:
    """Makes a quote from the Quotes screen and returns its id, with the editor open."""
    await tui.press("u", "n", "ctrl+a", "ctrl+k")
    await tui.type("Emma Clarke")
    await tui.press("enter")
    editor = tui.app.screen
    assert isinstance(editor, QuoteEditorScreen)
    return editor.quote_id


async def test_quotes_are_listed_newest_first_with_customer_status_and_total(
    tui: Driver,
) -> None:
    await tui.press("u")
    [row] = tui.rows("quotes")
    number, customer, status, total, valid = row
    assert number.startswith("Q-2026-") and customer.startswith("山田 太郎")
    assert (status, total, valid) == ("sent", "¥335,400", "2026-12-01")
    await tui.press("enter")
    assert isinstance(tui.app.screen, QuoteEditorScreen)
    header = shown(tui, "quote-header")
    assert number in header and "山田 太郎" in header and "JPY" in header and "sent" in header
    assert "valid until 2026-12-01" in header
    assert "only while it is a draft" in shown(tui, "line-error")


async def test_editing_a_quote_adds_lines_at_two_rates_removes_one_and_sends_it(
    tui: Driver, check_store: Session
) -> None:
    quote_id = await new_quote_for_emma(tui)
    assert "Emma Clarke (Harbor Logistics)" in shown(tui, "quote-header")
    assert "draft" in shown(tui, "quote-header")

    await fill_line(tui, "Scanner", "3", "12000", "", "10")
    preview = shown(tui, "quote-totals")
    assert "being typed (¥36,000 at 10%)" in preview and "Total ¥39,600" in preview
    assert view_quote(check_store, quote_id).totals.total == 0  # nothing saved yet
    await tui.press("enter")
    assert [line.description for line in view_quote(check_store, quote_id).lines] == ["Scanner"]

    await fill_line(tui, "Lunch", "2", "2500", "10%", "8")
    assert "Total ¥44,460" in shown(tui, "quote-totals")  # 39,600 + 4,500 + 360 tax
    await tui.press("ctrl+s")
    view = view_quote(check_store, quote_id)
    assert [(rate.rate, rate.subtotal, rate.tax) for rate in view.totals.by_rate] == [
        ("10", 36000, 3600),
        ("8", 4500, 360),
    ]
    assert "being typed" not in shown(tui, "quote-totals")
    totals_match(tui, view)
    assert [row[1] for row in tui.rows("quote-lines")] == ["Scanner", "Lunch"]

    await tui.press("shift+tab", "down", "delete")  # from the form to the lines, then line 2
    view = view_quote(check_store, quote_id)
    assert [line.description for line in view.lines] == ["Scanner"]
    assert [row[1] for row in tui.rows("quote-lines")] == ["Scanner"]
    totals_match(tui, view)

    await tui.press("ctrl+t", "enter")  # the likely next status of a draft: sent
    assert view_quote(check_store, quote_id).quote.status == "sent"
    assert "sent" in shown(tui, "quote-header")
    assert tui.app.screen.query_one("#line-description", Input).disabled


async def test_a_mistake_in_the_form_shows_under_it_and_saves_nothing(
    tui: Driver, check_store: Session
) -> None:
    quote_id = await new_quote_for_emma(tui)
    await fill_line(tui, "Scanner", "two")
    assert "not a number for quantity" in shown(tui, "line-error")
    assert "Total ¥0" in shown(tui, "quote-totals")
    await tui.press("enter")
    assert view_quote(check_store, quote_id).lines == []
    assert isinstance(tui.app.screen, QuoteEditorScreen)
    await tui.press("backspace", "backspace", "backspace")  # still in the quantity
    await tui.type("2")
    assert shown(tui, "line-error").strip() == ""


async def test_markup_in_a_line_description_is_shown_literally(
    tui: Driver, check_store: Session
) -> None:
    quote_id = await new_quote_for_emma(tui)
    description = "[bold]x[/] [@click=app.quit]q"
    await fill_line(tui, description, "1", "100")
    await tui.press("enter")
    assert tui.app.is_running
    assert [line.description for line in view_quote(check_store, quote_id).lines] == [description]
    assert tui.rows("quote-lines")[0][1] == description
    assert any(description in n.message for n in tui.app._notifications)


async def test_escape_goes_back_to_the_list_which_shows_the_new_quote(
    tui: Driver, check_store: Session
) -> None:
    quote_id = await new_quote_for_emma(tui)
    await tui.press("escape")
    number = view_quote(check_store, quote_id).quote.number
    first = tui.rows("quotes")[0]
    assert (first[0], first[2], first[3]) == (number, "draft", "¥0")
    assert "Emma Clarke (Harbor Logistics)".startswith(first[1].rstrip("…"))
