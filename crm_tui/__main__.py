"""Runs the `crm` command line with `python -m crm_tui`."""

from crm_tui.cli.main import main

main()
