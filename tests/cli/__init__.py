"""Tests of the `crm` commands as a user runs them."""
