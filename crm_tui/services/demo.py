"""Provides `crm demo`: a store of a few believable customers, made through the real services."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from crm_tui.errors import InvalidInput, Refused
from crm_tui.services.activities import LogInput, log_activity
from crm_tui.services.contracts import ContractInput, add_contract
from crm_tui.services.inquiries import InquiryInput, open_inquiry
from crm_tui.services.invoices import InvoiceInput, add_invoice
from crm_tui.services.quotes import LineInput, QuoteInput, add_line, new_quote, set_quote_status
from crm_tui.services.records import (
    CompanyInput,
    ContactInput,
    DealInput,
    add_company,
    add_contact,
    add_deal,
)
from crm_tui.services.session import Session, open_session
from crm_tui.services.surveys import record_survey
from crm_tui.services.tasks import TaskInput, add_task
from crm_tui.storage.oplog import get_meta, set_meta


def seed_demo(db: str | Path | None, *, reset: bool = False) -> Session:
    """Opens (and on first use fills) a demo store; never touches the default store."""
    chosen = db or os.environ.get("CRM_DB")
    if not chosen:
        raise InvalidInput(
            "crm demo needs --db FILE (or CRM_DB) so that it never fills your own store."
        )
    path = Path(chosen).expanduser()
    if reset and path.exists():
        _remove_demo_store(path)
    session = open_session(path)
    conn = session.store.conn
    has_ops = conn.execute("SELECT 1 FROM ops LIMIT 1").fetchone() is not None
    if has_ops and get_meta(conn, "demo") != "1":
        session.close()
        raise Refused(f"{path} holds real data; crm demo only fills a new or a demo store.")
    if not has_ops:
        _fill(session)
        with session.store.write():
            set_meta(conn, "demo", "1")
    return session


def _remove_demo_store(path: Path) -> None:
    session = open_session(path)
    try:
        conn = session.store.conn
        empty = conn.execute("SELECT 1 FROM ops LIMIT 1").fetchone() is None
        if not empty and get_meta(conn, "demo") != "1":
            raise Refused(f"{path} holds real data; --reset only replaces a demo store.")
    finally:
        session.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _fill(s: Session) -> None:
    today = s.today

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    add_company(
        s,
        CompanyInput(
            "株式会社ミナト精機",
            reading="ミナトセイキ",
            industry="manufacturing",
            size="100-299",
            revenue="2400000000",
            prefecture="東京都",
            phone="03-3456-7890",
            tags=["key-account"],
        ),
    )
    add_company(
        s,
        CompanyInput(
            "Harbor Logistics",
            industry="logistics",
            region="Osaka",
            prefecture="大阪府",
            size="30-99",
        ),
    )
    add_contact(
        s,
        ContactInput(
            "山田 太郎",
            reading="ヤマダ タロウ",
            company="株式会社ミナト精機",
            department="購買部",
            title="部長",
            emails=["Taro@Example.jp"],
            phones=["090-1234-5678"],
            lifecycle="customer",
            consent=True,
        ),
    )
    add_contact(
        s,
        ContactInput(
            "佐藤 花子",
            reading="サトウ ハナコ",
            company="株式会社ミナト精機",
            title="課長",
            emails=["hanako.sato@example.jp"],
            lifecycle="customer",
        ),
    )
    add_contact(
        s,
        ContactInput(
            "Emma Clarke",
            company="Harbor Logistics",
            title="Operations Manager",
            emails=["emma@harbor.example"],
            phones=["+81 6-6123-4567"],
            lifecycle="prospect",
            source="trade show",
        ),
    )
    log_activity(
        s,
        LogInput(
            "visit",
            "taro@example.jp",
            "Demo of the new model X",
            at=f"{day(-2)} 14:00",
            location="Ōta-ku plant",
            outcome="Interested in 2 units",
            next="Send the brochure",
            due="tomorrow",
        ),
    )
    log_activity(
        s,
        LogInput(
            "call",
            "Emma Clarke",
            "Intro call about warehouse scanners",
            at=f"{day(-9)} 10:30",
            next="Prepare a pilot proposal",
            due=day(-1),
        ),
    )
    add_deal(
        s,
        DealInput(
            "Model X ×2",
            company="株式会社ミナト精機",
            contact="山田",
            amount="300000",
            stage="proposal",
            close="30d",
            probability=60,
        ),
    )
    add_deal(
        s,
        DealInput(
            "Scanner pilot",
            company="Harbor Logistics",
            contact="Emma",
            amount="1200000",
            stage="qualified",
            close="60d",
        ),
    )
    quote = new_quote(s, QuoteInput("山田", valid_until=day(5), title="Model X"))
    add_line(s, quote.number, LineInput("Model X", "2", "150000", "10"))
    add_line(s, quote.number, LineInput("Catering for the launch", "1", "5000", "8"))
    set_quote_status(s, quote.number, "sent")
    open_inquiry(
        s,
        InquiryInput(
            "佐藤",
            "Spare parts price list",
            body="Could you send the 2027 list?",
            at=f"{day(-6)} 09:15",
            channel="email",
        ),
    )
    add_contract(
        s,
        ContractInput(
            "株式会社ミナト精機",
            "Maintenance plan",
            start=day(-320),
            end=day(45),
            value="600000",
            auto_renew=True,
        ),
    )
    add_invoice(
        s,
        InvoiceInput("株式会社ミナト精機", "INV-DEMO-001", "335400", due=day(-3), issued=day(-33)),
    )
    add_task(s, TaskInput("Book the showroom for December", due="5d", priority="high"))
    record_survey(s, "山田", nps=9, csat=5, note="Quick support")
