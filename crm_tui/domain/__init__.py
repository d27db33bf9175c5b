"""Provides the pure core: records, rules and the merge algebra, with no I/O."""
