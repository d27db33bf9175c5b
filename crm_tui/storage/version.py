"""Provides the schema version this code writes, read without importing the migration machinery."""

from __future__ import annotations

SCHEMA_VERSION = 5
"""The number of migrations; kept in `PRAGMA user_version` so a current store opens fast."""

APPLICATION_ID = 0x43524D31
"""`PRAGMA application_id` of a crm store ("CRM1"), so other SQLite files are refused."""
