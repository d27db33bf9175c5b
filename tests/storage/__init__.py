"""Tests of the store's guarantees on a real SQLite file."""
