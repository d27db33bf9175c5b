"""Provides the full-screen Textual app (`crm` with no arguments) and its screens."""
