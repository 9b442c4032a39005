"""Demo places for `make run`, at the events' level: the venues and bookings of ``venues.demo``,
then two brand projects (小板凳宣讲 of the center, 邻里守望 of 东门社区) with events attached,
the theme days the demo center marks, and an upcoming 小板凳宣讲 lecture held in 东门社区's
多功能厅, which books the hall (run after load_demo, load_demo_orders and load_demo_notifications).

It lives in events/ because it writes events and projects; ``venues.demo`` itself reads
nothing above venues.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from events.models import Event, EventStatus, MarkedTheme, Project, ServiceCategory
from events.themes import THEMES
from stations.models import PracticeUnit, UnitManager
from stations.scoping import under
from venues import services as venue_services
from venues.demo import HALL, booking_counts, demo_venues, load_demo_venues, open_slot
from volunteers.models import Team

# Theme days the demo center marks (keys of events.themes): the festivals and anniversaries its
# stations hold activities on, among them 国家宪法日 for the lecture below.
MARKED_THEMES = [
    "spring_festival",
    "lei_feng_day",
    "qingming",
    "reading_day",
    "dragon_boat",
    "party_day",
    "mid_autumn",
    "national_day",
    "double_ninth",
    "constitution_day",
    "volunteer_day",
]
LECTURE_TITLE = "小板凳宣讲：民法典与百姓生活"
VISIT_TITLE = "敬老院探访（演示）"


@transaction.atomic
def load_demo_places(now: datetime.datetime | None = None) -> dict[str, int]:
    """Create the demo venues and bookings, projects, theme marks and the lecture at the hall if missing.

    Safe to run again: what exists is left as it is.
    """
    now = now or timezone.now()
    load_demo_venues(now)
    center = PracticeUnit.objects.get(code="DEMO-C")
    station = PracticeUnit.objects.get(code="DEMO-S1")
    station_manager = UnitManager.objects.filter(unit=station).select_related("user").first()
    center_manager = UnitManager.objects.filter(unit=center).select_related("user").first()
    today = timezone.localdate(now)

    lectures, created = Project.objects.get_or_create(
        lead_unit=center,
        name="小板凳宣讲",
        defaults={
            "summary": "宣讲员带着小板凳走进院落、田间，用身边事讲政策、讲法律、讲文明新风。",
            "goals": "每个村（社区）每月至少一场宣讲；宣讲员队伍覆盖全部实践所；群众满意率 90% 以上。",
            "starts_on": today.replace(month=1, day=1) - datetime.timedelta(days=365),
            "is_public": True,
            "created_by": center_manager.user if center_manager else None,
        },
    )
    if created:
        lectures.teams.set(Team.objects.filter(under(center, "unit__path")).order_by("pk")[:2])
    neighbours, created = Project.objects.get_or_create(
        lead_unit=station,
        name="邻里守望",
        defaults={
            "summary": "志愿者结对社区独居、高龄老人，定期探访、代办小事、守望相助。",
            "goals": "结对老人每周至少探访一次；每季度开展一次集中助老活动。",
            "starts_on": today - datetime.timedelta(days=200),
            "is_public": True,
            "created_by": station_manager.user if station_manager else None,
        },
    )
    if created:
        neighbours.teams.set(Team.objects.filter(unit=station))
    # The last week's visit of load_demo (hours, photos, people served) is 邻里守望's.
    Event.objects.filter(unit=station, title=VISIT_TITLE, project=None).update(project=neighbours)

    for key in MARKED_THEMES:
        if key in THEMES:
            MarkedTheme.objects.get_or_create(center=center, theme=key)

    lecture = Event.objects.filter(unit=station, title=LECTURE_TITLE).first()
    if lecture is None:
        hall = demo_venues()[HALL]
        # The evening the resident's rehearsal was refused for (venues.demo): the hall is free again.
        starts_at, ends_at = open_slot(hall, now, 3, datetime.time(19), 2)
        ends_at -= datetime.timedelta(minutes=30)
        lecture = Event.objects.create(
            unit=station,
            title=LECTURE_TITLE,
            description="宣讲员用身边的案例讲解民法典中婚姻家庭、继承、相邻关系的规定，现场答疑。",
            category=ServiceCategory.THEORY,
            recipients="社区居民",
            address=f"{hall.address}（{hall.name}）",
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=6,
            status=EventStatus.PUBLISHED,
            venue=hall,
            project=lectures,
            theme="constitution_day" if "constitution_day" in THEMES else "",
            created_by=station_manager.user if station_manager else None,
        )
        lecture.refresh_from_db()
        if lecture.venue_booking_id is None and station_manager is not None:
            booking = venue_services.hold_for_event(
                hall,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=LECTURE_TITLE,
                attendees=hall.capacity,
                by=station_manager.user,
                at=now,
            )
            Event.objects.filter(pk=lecture.pk).update(venue_booking=booking)
    return {
        **booking_counts(demo_venues().values()),
        "projects": Project.objects.filter(under(center, "lead_unit__path")).count(),
        "themes": MarkedTheme.objects.filter(center=center).count(),
        "events at venues": Event.objects.filter(unit=station, venue_booking__isnull=False).count(),
    }
