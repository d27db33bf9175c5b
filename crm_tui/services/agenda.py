"""Provides `next_actions`: the agenda from tasks, renewals, invoices, quotes, deals and cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from crm_tui.domain import agenda as rules
from crm_tui.domain.agenda import NextAction, Party
from crm_tui.errors import InvalidInput
from crm_tui.services.session import Session
from crm_tui.storage import agenda as store


def next_actions(
    session: Session, days: int | None = None, suggest: int = 0, idle_days: int = 30
) -> list[NextAction]:
    """Everything due within `days` (default from the config), overdue first, with reasons;
    then up to `suggest` leads idle for `idle_days`, best score first."""
    items = _ordered(session, _due(session, days))
    if suggest:
        items += _reach_out(session, items, suggest, idle_days)
    return items


def _ordered(session: Session, items: list[NextAction]) -> list[NextAction]:
    # Scores only break ties, so only the parties of tied items are scored (a few queries).
    tied = rules.tied(items)
    if not tied:
        return rules.agenda(items)
    from crm_tui.services.scores import party_scores

    contacts = {item.contact_id for item in tied if item.contact_id}
    companies = {item.company_id for item in tied if not item.contact_id and item.company_id}
    return rules.agenda(items, party_scores(session, contacts, companies))


def _reach_out(
    session: Session, items: list[NextAction], limit: int, idle_days: int
) -> list[NextAction]:
    from crm_tui.services.scores import suggest

    on_agenda = {item.contact_id for item in items if item.contact_id}
    return [
        rules.reach_out_action(
            Party(s.lead.name, s.lead.id, s.lead.company, s.lead.company_id),
            s.lead.lifecycle,
            s.idle_days,
            s.tenths,
            session.today,
        )
        for s in suggest(session, limit, idle_days, skip=on_agenda)
    ]


def _due(session: Session, days: int | None) -> list[NextAction]:
    windows = session.config.windows
    days = windows.days if days is None else days
    if days < 0:
        raise InvalidInput("--days must be 0 or more.")
    today = session.today
    conn = session.store.conn
    horizon = (today + timedelta(days=days)).isoformat()
    with session.store.read():
        tasks = store.open_tasks_due_by(conn, horizon)
        renewal_window = timedelta(days=windows.renewal_days)
        contracts = store.renewals_by(
            conn, (today + renewal_window).isoformat(), (today - renewal_window).isoformat()
        )
        invoices = store.unpaid_invoices_before(conn, today.isoformat())
        quotes = store.sent_quotes_expiring_by(
            conn, (today + timedelta(days=windows.quote_expiry_days)).isoformat()
        )
        cutoff = _local_midnight_utc(session, today - timedelta(days=windows.stale_deal_days - 1))
        deals = store.stale_deals(conn, session.config.open_stages, cutoff)
        inquiries = store.open_inquiries(conn)
    holidays = _holidays(session) if inquiries else set()

    items: list[NextAction] = [rules.task_action(t, today, who) for t, who in tasks]
    items += [rules.renewal_action(c, today, who) for c, who in contracts]
    items += [rules.invoice_action(i, today, who) for i, who in invoices]
    items += [rules.quote_action(q, today, who) for q, who in quotes]
    items += [
        rules.stale_deal_action(
            deal, _local_day(session, touch), today, windows.stale_deal_days, who
        )
        for deal, who, touch in deals
    ]
    for inquiry, who in inquiries:
        since = _local_day(session, inquiry.status_since or inquiry.created_at)
        item = rules.inquiry_action(
            inquiry, since, today, windows.inquiry_business_days, holidays, who
        )
        if item is not None:
            items.append(item)
    return items


def _local_day(session: Session, instant: str) -> date:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(session.tz).date()


def _local_midnight_utc(session: Session, day: date) -> str:
    local = datetime.combine(day, time(0), tzinfo=session.tz)
    return local.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _holidays(session: Session) -> set[date]:
    from crm_tui.services.values import business_holidays

    return business_holidays(session)
