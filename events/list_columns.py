"""Short cells for the admin's lists, so a list fits a 1366 px screen beside the menu and the filters.

Long titles are clipped to one line (the whole title in the tooltip), a stretch of time reads
``12-05 09:00–11:45``, and a status carries its flag beside it instead of in columns of their own.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

CLIP = (
    "display:inline-block;max-width:{}em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
    "vertical-align:bottom"
)
BADGE = "display:inline-block;padding:0 6px;border-radius:8px;white-space:nowrap;font-size:12px;background:{};color:{}"
# Quiet grey for the usual, amber for what waits, red for what needs a hand, green for done.
TONES = {
    "grey": ("#eceff1", "#37474f"),
    "amber": ("#fff3e0", "#8d4b00"),
    "red": ("#fdecea", "#a12622"),
    "green": ("#e8f5e9", "#1b5e20"),
}


def clipped(text: str, em: int = 14) -> SafeString:
    """``text`` on one line of at most ``em`` characters' width; all of it on hover."""
    return format_html('<span style="{}" title="{}">{}</span>', CLIP.format(em), text, text)


def nowrap(text: str) -> SafeString:
    return format_html('<span style="white-space:nowrap">{}</span>', text)


def badge(text: str, tone: str = "grey") -> SafeString:
    background, colour = TONES[tone]
    return format_html('<span style="{}">{}</span>', BADGE.format(background, colour), text)


def badges(items: list[tuple[str, str]]) -> SafeString:
    """(text, tone) pairs side by side, wrapping between badges, never inside one."""
    return format_html_join(" ", "{}", ((badge(text, tone),) for text, tone in items))


def time_span(start: datetime.datetime | None, end: datetime.datetime | None) -> SafeString:
    """``12-05 09:00–11:45`` in local time; the end's date only when it is another day; ``–?`` when open."""
    if start is None:
        return nowrap("—")
    local_start = timezone.localtime(start)
    text = date_format(local_start, "m-d H:i")
    if end is None:
        return nowrap(f"{text}–?")
    local_end = timezone.localtime(end)
    same_day = local_end.date() == local_start.date()
    return nowrap(f"{text}–{date_format(local_end, 'H:i' if same_day else 'm-d H:i')}")
