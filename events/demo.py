"""Demo events: one running now with a check-in code to try, one last week with approved hours."""

import datetime

from django.db import transaction
from django.utils import timezone

from events.models import Event, EventStatus, Method, RecordStatus, ServiceCategory, ServiceRecord, SignupStatus
from stations.models import PracticeUnit
from volunteers.models import Volunteer


@transaction.atomic
def load_demo_events(now: datetime.datetime | None = None) -> list[Event]:
    """Create the demo events if missing (safe to run again)."""
    now = now or timezone.now()
    station = PracticeUnit.objects.get(code="DEMO-S1")
    volunteers = list(Volunteer.objects.filter(home_station=station).order_by("pk"))
    start_today = now.replace(minute=0, second=0, microsecond=0)
    today, _ = Event.objects.get_or_create(
        unit=station,
        title="东门社区环境清洁（演示）",
        defaults={
            "category": ServiceCategory.ENVIRONMENT,
            "description": "清理社区广场和绿化带的垃圾。",
            "recipients": "社区居民",
            "address": "东门社区中心广场",
            "starts_at": start_today,
            "ends_at": start_today + datetime.timedelta(hours=3),
            "capacity": 20,
            "risk_notice": "请穿防滑鞋，注意来往车辆。",
            "status": EventStatus.PUBLISHED,
        },
    )
    last_week_start = start_today - datetime.timedelta(days=7)
    last_week, created = Event.objects.get_or_create(
        unit=station,
        title="敬老院探访（演示）",
        defaults={
            "category": ServiceCategory.ELDERLY_DISABLED,
            "address": "示范县敬老院",
            "starts_at": last_week_start,
            "ends_at": last_week_start + datetime.timedelta(hours=2),
            "status": EventStatus.FINISHED,
        },
    )
    for volunteer in volunteers:
        today.signups.get_or_create(volunteer=volunteer, defaults={"status": SignupStatus.CONFIRMED, "queued_at": now})
    if created:
        ServiceRecord.objects.bulk_create(
            ServiceRecord(
                event=last_week,
                volunteer=volunteer,
                checked_in_at=last_week.starts_at,
                checked_out_at=last_week.ends_at,
                method=Method.EVENT_QR,
                status=RecordStatus.APPROVED,
                credited_hours=last_week.credited_hours(last_week.starts_at, last_week.ends_at),
                reviewed_at=last_week.ends_at,
            )
            for volunteer in volunteers[:5]
        )
    return [today, last_week]
