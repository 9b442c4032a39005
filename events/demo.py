"""Demo events: one running now with a check-in code to try, one last week with approved hours
and its activity record (summary, people served, photos); today's has a first photo."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import ExifTags, Image, ImageDraw

from events.activity import add_activity_photos, document_event
from events.models import (
    ActivityRecord,
    Event,
    EventStatus,
    Method,
    RecordStatus,
    ServiceCategory,
    ServiceRecord,
    SignupStatus,
)
from events.signals import hours_changed
from stations.models import PracticeUnit, UnitManager
from volunteers.models import Volunteer

# Colours of the generated demo photos: sky, ground, and a few figures.
SCENES = [("#9fd3f5", "#6ab04c"), ("#f6e58d", "#badc58"), ("#c7ecee", "#95afc0")]
FIGURES = ["#eb4d4b", "#4834d4", "#f0932b", "#22a6b3", "#be2edd"]


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
        records = ServiceRecord.objects.bulk_create(
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
        # bulk_create saves no signals: the statistics' rollups hear of these approvals here.
        hours_changed.send(sender=ServiceRecord, records=records, before=[])
    manager = UnitManager.objects.filter(unit=station).select_related("user").first()
    if manager is not None:
        _document_demo(last_week, manager.user, photos=3, summary=LAST_WEEK_SUMMARY, people_served=26)
        _document_demo(today, manager.user, photos=1, summary="", people_served=None)
    return [today, last_week]


LAST_WEEK_SUMMARY = (
    "志愿者分组陪伴敬老院老人聊天、读报，为行动不便的老人修剪指甲、整理床铺，"
    "并表演了两个文艺节目。老人们反映很开心，院方希望每月开展一次。"
)


def _document_demo(event: Event, manager, *, photos: int, summary: str, people_served: int | None) -> None:
    """An activity record with generated photos, once: a record that exists is left as it is."""
    if ActivityRecord.objects.filter(event=event).exists():
        return
    if summary or people_served is not None:
        document_event(event, summary=summary, people_served=people_served, by=manager)
    taken = [event.starts_at + datetime.timedelta(minutes=20 + 25 * n) for n in range(photos)]
    add_activity_photos(event, [_demo_photo(n, at) for n, at in enumerate(taken)], by=manager)


def _demo_photo(n: int, taken_at: datetime.datetime) -> SimpleUploadedFile:
    """A drawn scene with a camera's DateTimeOriginal, as a phone would upload it."""
    sky, ground = SCENES[n % len(SCENES)]
    image = Image.new("RGB", (1200, 900), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 560, 1200, 900], fill=ground)
    for i, colour in enumerate(FIGURES):
        x = 140 + i * 210 + 30 * n
        draw.ellipse([x, 380, x + 70, 450], fill="#f8c291")
        draw.rounded_rectangle([x - 15, 450, x + 85, 640], radius=25, fill=colour)
    exif = Image.Exif()
    local = timezone.localtime(taken_at)
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = f"{local:%Y:%m:%d %H:%M:%S}"
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, exif=exif)
    return SimpleUploadedFile(f"demo-{n + 1}.jpg", out.getvalue(), content_type="image/jpeg")
