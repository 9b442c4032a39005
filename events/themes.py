"""The traditional and commemorative days (节日, 纪念日) a center can mark as themes of its events.

Each theme has a stable key (stored on events and on a center's marked themes) and a
Chinese name. Events carry at most one theme; the activity calendar filters by it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# key -> name. Filled with the 52 days by the activity-calendar work.
THEMES: dict[str, str] = {}


def validate_theme(key: str) -> None:
    if key and key not in THEMES:
        raise ValidationError(_("There is no such theme day."), code="unknown_theme")
