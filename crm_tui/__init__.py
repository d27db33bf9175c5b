"""crm: an offline-first CRM for field sales reps, in the terminal."""

__version__ = "0.1.0"
