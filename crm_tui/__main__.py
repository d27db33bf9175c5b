"""Runs `crm` with `python -m crm_tui`."""

from crm_tui.launch import main

main()
