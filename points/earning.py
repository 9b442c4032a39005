"""Points follow approved hours (events.signals.hours_changed)."""

from __future__ import annotations


def on_hours_changed(sender, records, before, **kwargs) -> None:
    """Credit or reverse each changed record's points so they equal what its rule gives now."""
