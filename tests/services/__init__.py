"""Tests of the use cases the front ends share."""
