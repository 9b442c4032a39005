"""Exports the law asks for: the national system's import, the annual report, a person's own data (PIPL)."""
