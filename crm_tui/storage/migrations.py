"""Provides the numbered, idempotent schema migrations (sqlite-utils `Migrations`).

A migration's DDL is frozen once released: later changes are new migrations. Replicated tables
declare no foreign keys because ops may arrive in any order (a contact before its company);
`crm doctor` reports dangling references instead.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from crm_tui.domain.ids import new_id
from crm_tui.errors import StoreError
from crm_tui.storage.version import APPLICATION_ID, SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

_RECORD = (
    "id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, owner TEXT, "
    "archived INTEGER NOT NULL DEFAULT 0"
)

INITIAL = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS ops (
        seq INTEGER PRIMARY KEY,
        op_id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        hlc INTEGER NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('set', 'event')),
        payload TEXT NOT NULL,
        rep TEXT,
        server_seq INTEGER)""",
    "CREATE INDEX IF NOT EXISTS ops_entity ON ops (entity_id)",
    # The leaves of each editable field: the ops a new write must list in `pred`. Kept beside
    # the log so a local edit reads its field's leaves instead of folding the record's history.
    """CREATE TABLE IF NOT EXISTS field_heads (
        entity_id TEXT NOT NULL, field TEXT NOT NULL, op_id TEXT NOT NULL,
        PRIMARY KEY (entity_id, field, op_id)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS entities (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        name_key TEXT NOT NULL DEFAULT '',
        archived INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS entities_kind ON entities (kind)",
    """CREATE TABLE IF NOT EXISTS record_keys (
        key TEXT NOT NULL,
        record_id TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
        PRIMARY KEY (key, record_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS record_keys_record ON record_keys (record_id)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5 (
        kind UNINDEXED, name, body, tokenize = 'unicode61 remove_diacritics 2')""",
    f"""CREATE TABLE IF NOT EXISTS companies ({_RECORD},
        name TEXT NOT NULL DEFAULT '', reading TEXT, industry TEXT, size TEXT,
        annual_revenue INTEGER, revenue_currency TEXT, region TEXT, prefecture TEXT,
        website TEXT, phone TEXT, tags TEXT NOT NULL DEFAULT '[]', note TEXT,
        last_activity_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS companies_touch ON companies (id, last_activity_at)",
    "CREATE INDEX IF NOT EXISTS companies_names ON companies (id, name)",
    f"""CREATE TABLE IF NOT EXISTS contacts ({_RECORD},
        display_name TEXT NOT NULL DEFAULT '', family_name TEXT, given_name TEXT,
        family_reading TEXT, given_reading TEXT, company_id TEXT, department TEXT, title TEXT,
        emails TEXT NOT NULL DEFAULT '[]', phones TEXT NOT NULL DEFAULT '[]', address TEXT,
        tags TEXT NOT NULL DEFAULT '[]', lifecycle TEXT, source TEXT,
        consent INTEGER NOT NULL DEFAULT 0, opted_out INTEGER NOT NULL DEFAULT 0, note TEXT,
        last_activity_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS contacts_company ON contacts (company_id)",
    "CREATE INDEX IF NOT EXISTS contacts_touch ON contacts (id, last_activity_at)",
    # Covers looking up the names an agenda or a listing shows, without reading whole rows.
    "CREATE INDEX IF NOT EXISTS contacts_names ON contacts (id, display_name, company_id)",
    f"""CREATE TABLE IF NOT EXISTS deals ({_RECORD},
        title TEXT NOT NULL DEFAULT '', company_id TEXT, contact_id TEXT,
        stage TEXT NOT NULL DEFAULT 'lead', amount INTEGER, currency TEXT, probability INTEGER,
        expected_close TEXT, closed_on TEXT, lost_reason TEXT, note TEXT,
        last_activity_at TEXT)""",
    # Covers finding idle open deals without reading their rows (next-actions).
    """CREATE INDEX IF NOT EXISTS deals_open ON deals
        (stage, archived, last_activity_at, created_at, contact_id, company_id)""",
    "CREATE INDEX IF NOT EXISTS deals_company ON deals (company_id)",
    "CREATE INDEX IF NOT EXISTS deals_contact ON deals (contact_id)",
    f"""CREATE TABLE IF NOT EXISTS tasks ({_RECORD},
        title TEXT NOT NULL DEFAULT '', due TEXT, priority TEXT NOT NULL DEFAULT 'normal',
        status TEXT NOT NULL DEFAULT 'open', done_at TEXT, contact_id TEXT, company_id TEXT,
        deal_id TEXT, activity_id TEXT, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS tasks_open_due ON tasks (status, due)",
    # Open tasks, whole: next-actions reads them from this small index, never from the table.
    """CREATE INDEX IF NOT EXISTS tasks_agenda ON tasks (due, id, created_at, updated_at, owner,
        archived, title, priority, status, done_at, contact_id, company_id, deal_id,
        activity_id, note) WHERE status = 'open'""",
    "CREATE INDEX IF NOT EXISTS tasks_contact ON tasks (contact_id)",
    "CREATE INDEX IF NOT EXISTS tasks_company ON tasks (company_id)",
    "CREATE INDEX IF NOT EXISTS tasks_deal ON tasks (deal_id)",
    f"""CREATE TABLE IF NOT EXISTS inquiries ({_RECORD},
        subject TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'open', status_since TEXT,
        priority TEXT NOT NULL DEFAULT 'normal', channel TEXT, contact_id TEXT, company_id TEXT)""",
    "CREATE INDEX IF NOT EXISTS inquiries_status ON inquiries (status)",
    "CREATE INDEX IF NOT EXISTS inquiries_contact ON inquiries (contact_id)",
    "CREATE INDEX IF NOT EXISTS inquiries_company ON inquiries (company_id)",
    f"""CREATE TABLE IF NOT EXISTS quotes ({_RECORD},
        number TEXT NOT NULL DEFAULT '', title TEXT, status TEXT NOT NULL DEFAULT 'draft',
        currency TEXT NOT NULL DEFAULT 'JPY', valid_until TEXT, contact_id TEXT, company_id TEXT,
        deal_id TEXT, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS quotes_status ON quotes (status, valid_until)",
    "CREATE INDEX IF NOT EXISTS quotes_contact ON quotes (contact_id)",
    "CREATE INDEX IF NOT EXISTS quotes_company ON quotes (company_id)",
    "CREATE INDEX IF NOT EXISTS quotes_deal ON quotes (deal_id)",
    f"""CREATE TABLE IF NOT EXISTS quote_lines ({_RECORD},
        quote_id TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL DEFAULT 0,
        description TEXT NOT NULL DEFAULT '', quantity TEXT NOT NULL DEFAULT '1',
        unit_price INTEGER NOT NULL DEFAULT 0, discount TEXT,
        tax_rate TEXT NOT NULL DEFAULT '10')""",
    "CREATE INDEX IF NOT EXISTS quote_lines_quote ON quote_lines (quote_id, position)",
    f"""CREATE TABLE IF NOT EXISTS contracts ({_RECORD},
        product TEXT NOT NULL DEFAULT '', company_id TEXT, contact_id TEXT, start_on TEXT,
        end_on TEXT, renewal_on TEXT, value INTEGER, currency TEXT,
        auto_renew INTEGER NOT NULL DEFAULT 0, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS contracts_renewal ON contracts (renewal_on)",
    "CREATE INDEX IF NOT EXISTS contracts_company ON contracts (company_id)",
    "CREATE INDEX IF NOT EXISTS contracts_contact ON contracts (contact_id)",
    """CREATE TABLE IF NOT EXISTS contract_renewals (
        id TEXT PRIMARY KEY, contract_id TEXT NOT NULL, renewed_on TEXT NOT NULL,
        previous_end TEXT, end_on TEXT, renewal_on TEXT, value INTEGER)""",
    "CREATE INDEX IF NOT EXISTS contract_renewals_contract ON contract_renewals (contract_id)",
    f"""CREATE TABLE IF NOT EXISTS invoices ({_RECORD},
        number TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL DEFAULT 0,
        currency TEXT NOT NULL DEFAULT 'JPY', issued_on TEXT, due_on TEXT, paid_on TEXT,
        company_id TEXT, contact_id TEXT, contract_id TEXT, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS invoices_unpaid ON invoices (paid_on, due_on)",
    "CREATE INDEX IF NOT EXISTS invoices_company ON invoices (company_id)",
    "CREATE INDEX IF NOT EXISTS invoices_contact ON invoices (contact_id)",
    f"""CREATE TABLE IF NOT EXISTS activities ({_RECORD},
        type TEXT NOT NULL DEFAULT 'note', direction TEXT NOT NULL DEFAULT 'outbound',
        at TEXT NOT NULL DEFAULT '', location TEXT, summary TEXT NOT NULL DEFAULT '', body TEXT,
        outcome TEXT, contact_id TEXT, company_id TEXT, deal_id TEXT, inquiry_id TEXT,
        versions INTEGER NOT NULL DEFAULT 1, retracted INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS activities_contact ON activities (contact_id, at)",
    "CREATE INDEX IF NOT EXISTS activities_company ON activities (company_id, at)",
    "CREATE INDEX IF NOT EXISTS activities_deal ON activities (deal_id, at)",
    "CREATE INDEX IF NOT EXISTS activities_inquiry ON activities (inquiry_id, at)",
    "CREATE INDEX IF NOT EXISTS activities_at ON activities (at)",
    f"""CREATE TABLE IF NOT EXISTS surveys ({_RECORD},
        contact_id TEXT NOT NULL DEFAULT '', at TEXT NOT NULL DEFAULT '', nps INTEGER,
        csat INTEGER, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS surveys_contact ON surveys (contact_id, at)",
    """CREATE TABLE IF NOT EXISTS holidays (
        country TEXT NOT NULL, day TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (country, day)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS holiday_years (
        country TEXT NOT NULL, year INTEGER NOT NULL, PRIMARY KEY (country, year)) WITHOUT ROWID""",
]


def _migrations() -> Migrations:
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("crm")

    @migrations(name="0001_initial")
    def initial(db: Database) -> None:
        for statement in INITIAL:
            db.execute(statement)

    @migrations(name="0002_sync")
    def sync(db: Database) -> None:
        # What the team server said of each op, and the erased records no op may bring back.
        ops = db.table("ops")
        for column, kind in (("pushed", int), ("rejected", str), ("received_at", str)):
            if column not in ops.columns_dict:
                ops.add_column(column, kind, not_null_default=0 if kind is int else None)
        if "flags" not in ops.columns_dict:
            ops.add_column("flags", str)
        if "flags" not in db.table("activities").columns_dict:
            db.table("activities").add_column("flags", str, not_null_default="[]")
        db.execute(
            "CREATE INDEX IF NOT EXISTS ops_pending ON ops (seq) "
            "WHERE pushed = 0 AND rejected IS NULL"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS purged (entity_id TEXT PRIMARY KEY, purged_at TEXT) "
            "WITHOUT ROWID"
        )

    @migrations(name="0003_contacts_in_out")
    def contacts_in_out(db: Database) -> None:
        # The UIDs of the cards a contact came from (so a re-import matches), the names a merge
        # kept as alternates, and the record a merged-away contact now lives in.
        contacts = db.table("contacts")
        for column, default in (("uids", "[]"), ("alt_names", "[]"), ("merged_into", None)):
            if column not in contacts.columns_dict:
                contacts.add_column(column, str, not_null_default=default)
        db.execute("CREATE INDEX IF NOT EXISTS contacts_merged ON contacts (merged_into)")

    @migrations(name="0004_refused_ops")
    def refused_ops(db: Database) -> None:
        # `crm status` and the app's status line list refused ops on every call; without this a
        # store of a few hundred thousand ops is read whole each time.
        db.execute("CREATE INDEX IF NOT EXISTS ops_refused ON ops (seq) WHERE rejected IS NOT NULL")

    @migrations(name="0005_initiatives")
    def initiatives(db: Database) -> None:
        # Saved segments are the rep's own named filters (like the config file, not replicated);
        # cadences and enrolments are records like any other; a task may be a cadence's step.
        db.execute(
            """CREATE TABLE IF NOT EXISTS segments (
                name TEXT PRIMARY KEY, filter TEXT NOT NULL, created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL)"""
        )
        db.execute(
            f"""CREATE TABLE IF NOT EXISTS cadences ({_RECORD},
                name TEXT NOT NULL DEFAULT '', steps TEXT NOT NULL DEFAULT '[]',
                fallback TEXT NOT NULL DEFAULT 'skip', note TEXT)"""
        )
        db.execute("CREATE INDEX IF NOT EXISTS cadences_name ON cadences (name)")
        db.execute(
            f"""CREATE TABLE IF NOT EXISTS enrolments ({_RECORD},
                cadence_id TEXT NOT NULL DEFAULT '', contact_id TEXT NOT NULL DEFAULT '',
                enrolled_on TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'active',
                step INTEGER NOT NULL DEFAULT 0, left_on TEXT, reason TEXT,
                skipped TEXT NOT NULL DEFAULT '[]')"""
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS enrolments_cadence ON enrolments (cadence_id, status)"
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS enrolments_contact ON enrolments (contact_id, status)"
        )
        tasks = db.table("tasks")
        for column, kind in (("enrolment_id", str), ("step", int), ("channel", str)):
            if column not in tasks.columns_dict:
                tasks.add_column(column, kind)
        db.execute("CREATE INDEX IF NOT EXISTS tasks_enrolment ON tasks (enrolment_id, step)")
        # next-actions reads open tasks whole from this index: it must cover the new columns.
        db.execute("DROP INDEX IF EXISTS tasks_agenda")
        db.execute(
            """CREATE INDEX tasks_agenda ON tasks (due, id, created_at, updated_at, owner,
            archived, title, priority, status, done_at, contact_id, company_id, deal_id,
            activity_id, note, enrolment_id, step, channel) WHERE status = 'open'"""
        )
        # Segment filters on tags and the report's periods read these without scanning.
        db.execute("CREATE INDEX IF NOT EXISTS deals_closed ON deals (closed_on, stage)")
        db.execute("CREATE INDEX IF NOT EXISTS surveys_at ON surveys (at)")
        db.execute("CREATE INDEX IF NOT EXISTS invoices_issued ON invoices (issued_on)")
        # Lead scores read a person's or a company's activities from these indexes alone (the
        # next-actions tie-break scores hundreds of them); same leading columns as before.
        for name, columns in (
            (
                "activities_contact",
                "contact_id, at, type, direction, archived, retracted, company_id",
            ),
            (
                "activities_company",
                "company_id, at, type, direction, archived, retracted, contact_id",
            ),
        ):
            db.execute(f"DROP INDEX IF EXISTS {name}")
            db.execute(f"CREATE INDEX {name} ON activities ({columns})")

    return migrations


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Brings the store's schema up to date in one immediate transaction."""
    from sqlite_utils import Database

    existing = conn.execute("PRAGMA user_version").fetchone()[0] > 0
    if existing:
        # A long write: make sure the file is sound before changing its shape.
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise StoreError(
                f"{path} fails its integrity check ({problems[0]}); restore a backup first."
            )
    elif foreign_tables(conn):
        raise StoreError(f"{path} is an SQLite database of something else, not a crm store.")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            db = Database(conn, recursive_triggers=False, execute_plugins=False)
            _migrations().apply(db)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('site_id', ?), ('hlc', '0')",
                (new_id(),),
            )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def foreign_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of a database that has no crm schema yet (none for an empty file)."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [name for (name,) in rows if name not in ("_sqlite_migrations",)]
