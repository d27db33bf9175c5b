"""Provides the team server: an ASGI app over an SQLite or PostgreSQL store."""
