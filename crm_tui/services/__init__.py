"""Provides the use cases that the command line and the TUI share."""
