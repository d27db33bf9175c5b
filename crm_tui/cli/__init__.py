"""Provides the `crm` command line (Typer)."""
