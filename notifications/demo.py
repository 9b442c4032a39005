"""Demo notices for `make run`: a weekly series at 东门社区 that the first demo volunteer joined,
so their bell, inbox, reminder and calendar show something on the first visit (run after load_demo)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from events.models import EventSeries, ServiceCategory
from events.series import create_series, sign_up_for_series
from notifications.models import Message
from notifications.reminders import send_reminders
from stations.models import PracticeUnit, UnitManager
from volunteers.models import Volunteer

SERIES_TITLE = "每周助老探访"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
VOLUNTEER_PHONE = "13700000000"


@transaction.atomic
def load_demo_notifications() -> dict[str, int]:
    """Create the series if missing, sign the volunteer up for it and queue the reminders due (safe to run again)."""
    now = timezone.now()
    station = PracticeUnit.objects.get(code="DEMO-S1")
    volunteer = Volunteer.objects.select_related("user").get(user__phone=VOLUNTEER_PHONE)
    series = EventSeries.objects.filter(unit=station, title=SERIES_TITLE).first()
    if series is None:
        manager = UnitManager.objects.filter(unit=station).select_related("user").first()
        # Weekly on tomorrow's weekday from tomorrow: its first occurrence is near whatever the day,
        # so the reminder (24 hours ahead) comes on the first visit after 09:00.
        tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
        series, _generated = create_series(
            now=now,
            unit=station,
            title=SERIES_TITLE,
            description="陪伴社区独居老人聊天、读报，帮忙打扫卫生。",
            category=ServiceCategory.ELDERLY_DISABLED,
            address="东门社区居委会集合",
            capacity=8,
            starts_on=tomorrow,
            start_time=datetime.time(9),
            duration_minutes=120,
            rule=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[tomorrow.weekday()]}",
            skip_official_holidays=True,
            created_by=manager.user if manager else None,
        )
    sign_up_for_series(series, volunteer, now=now)
    send_reminders(now=now)
    return {
        "occurrences": series.occurrences.count(),
        "messages": Message.objects.filter(recipient=volunteer.user).count(),
    }
