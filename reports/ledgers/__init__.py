"""Ledgers (台账): what a ledger holds (``contents``), its files, the jobs that make them, the API and the pages."""
