"""Provides the SQLite store: connection, migrations, the one write path and the queries."""
