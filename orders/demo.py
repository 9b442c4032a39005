"""Demo service orders: the center's menu, a resident, and orders at each step (one waiting
for review, one in a team leader's inbox, one served, reported and rated on the public board)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orders import services
from orders.models import MenuCategory, MenuItem, Order
from stations.models import PracticeUnit, UnitManager
from volunteers.demo import Login
from volunteers.models import Team, Volunteer

RESIDENT_PHONE = "13600000001"
RESIDENT_PASSWORD = "resident12345"
# Category → items (name, service category of the event, description).
MENU = {
    "理论宣讲": [("政策解读进社区", "theory", "宣讲员到社区、村讲解惠民政策。")],
    "助老助残": [
        ("上门理发", "elderly_disabled", "为行动不便的老人、残疾人上门理发。"),
        ("代购代办", "elderly_disabled", "代买生活用品、代办社保医保等事项。"),
    ],
    "法律服务": [("法律咨询", "legal", "律师志愿者解答婚姻家庭、邻里纠纷、劳动合同等问题。")],
}


@transaction.atomic
def load_demo_orders(now: datetime.datetime | None = None) -> list[Login]:
    """Create the demo menu, resident and orders if missing (safe to run again); returns the resident's login."""
    now = now or timezone.now()
    center = PracticeUnit.objects.get(code="DEMO-C")
    station = PracticeUnit.objects.get(code="DEMO-S1")
    items = {}
    for position, (category_name, entries) in enumerate(MENU.items(), start=1):
        category, _ = MenuCategory.objects.get_or_create(
            center=center, name=category_name, defaults={"position": position}
        )
        for name, kind, description in entries:
            items[name], _ = MenuItem.objects.get_or_create(
                unit=center,
                name=name,
                defaults={"category": category, "event_category": kind, "description": description},
            )
    MenuItem.objects.get_or_create(
        unit=station,
        name="代取快递",
        defaults={
            "category": MenuCategory.objects.get(center=center, name="助老助残"),
            "description": "本社区独居老人代取快递。",
        },
    )
    resident = get_user_model().objects.filter(phone=RESIDENT_PHONE).first()
    if resident is None:
        resident = services.register_resident(name="李红", phone=RESIDENT_PHONE, password=RESIDENT_PASSWORD)
    login = Login("resident", RESIDENT_PHONE, RESIDENT_PASSWORD, resident.name)
    if Order.objects.filter(resident=resident).exists():
        return [login]
    manager = UnitManager.objects.filter(unit=station).select_related("user")[0].user
    team = _second_team(station)
    leader = Volunteer.objects.select_related("user").get(pk=team.leader_id).user

    def order(name: str, at: datetime.datetime, contact: str, honorific: str) -> Order:
        return services.place_order(
            item=items[name],
            station=station,
            contact_name=contact,
            honorific=honorific,
            contact_phone="13600000009",
            address="东门社区幸福里3栋2单元101",
            description="老人腿脚不便，请上门。",
            by=resident,
            at=at,
        )

    order("上门理发", now - datetime.timedelta(hours=2), "张桂兰", "ms")
    waiting = order("代购代办", now - datetime.timedelta(days=1), "张桂兰", "ms")
    services.review_order(waiting, by=manager, accept=True, at=now - datetime.timedelta(hours=20))
    services.dispatch_order(waiting, by=manager, team=team, at=now - datetime.timedelta(hours=19))

    ordered = now - datetime.timedelta(days=8)
    served = order("上门理发", ordered, "王建国", "mr")
    services.review_order(served, by=manager, accept=True, at=ordered + datetime.timedelta(hours=1))
    services.dispatch_order(served, by=manager, team=team, at=ordered + datetime.timedelta(hours=2))
    start = (ordered + datetime.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    appointment = services.Appointment(
        starts_at=start, ends_at=start + datetime.timedelta(hours=1), place="东门社区服务站"
    )
    services.accept_order(served, appointment, by=leader, at=ordered + datetime.timedelta(hours=3))
    services.start_service(served, by=leader, at=start)
    services.complete_order(
        served,
        by=leader,
        summary="为王大爷上门理发，顺便检查了家中用电安全。",
        people_served=1,
        at=start + datetime.timedelta(hours=1),
    )
    services.rate_order(
        served,
        by=resident,
        response=5,
        attitude=5,
        result=4,
        comment="很及时，谢谢！",
        at=start + datetime.timedelta(days=1),
    )
    return [login]


def _second_team(station: PracticeUnit) -> Team:
    """A 助老 team of the station, led by one of its volunteers, beside the demo's first team."""
    team, created = Team.objects.get_or_create(unit=station, name="东门社区助老服务队")
    if created:
        members = list(Volunteer.objects.filter(home_station=station).order_by("pk")[5:9])
        team.members.set(members)
        team.leader = members[0]
        team.save(update_fields=["leader"])
    return team
