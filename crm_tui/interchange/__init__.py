"""Provides reading and writing contacts in other tools' formats: vCard, CSV, iCalendar."""
