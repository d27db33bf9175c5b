"""Tests of the pure domain layer: rules, parsing and the merge algebra, with no I/O."""
