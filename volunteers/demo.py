"""Demo data: a small county network with managers and volunteers to click through."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from stations.models import Level, PracticeUnit, UnitManager
from volunteers.id_numbers import check_character, gb11643_facts
from volunteers.models import Gender, PoliticalStatus, Skill, Team, Volunteer
from volunteers.services import register_volunteer

ADMIN_PHONE, ADMIN_PASSWORD = "13800000000", "admin12345"
MANAGER_PASSWORD = "manager12345"
VOLUNTEER_PASSWORD = "volunteer12345"
# Region code of the demo county's ID numbers (a real county code of GB/T 2260).
REGION_CODE = "330782"

SUFFIX = {Level.CENTER: "新时代文明实践中心", Level.INSTITUTE: "新时代文明实践所", Level.STATION: "新时代文明实践站"}
UNITS = [
    # code, place, level, parent code, manager phone
    ("DEMO-C", "示范县", Level.CENTER, None, "13900000001"),
    ("DEMO-I1", "城关街道", Level.INSTITUTE, "DEMO-C", "13900000011"),
    ("DEMO-I2", "青山镇", Level.INSTITUTE, "DEMO-C", "13900000012"),
    ("DEMO-S1", "东门社区", Level.STATION, "DEMO-I1", "13900000101"),
    ("DEMO-S2", "西湖社区", Level.STATION, "DEMO-I1", "13900000102"),
    ("DEMO-S3", "青山村", Level.STATION, "DEMO-I2", "13900000103"),
    ("DEMO-S4", "石桥村", Level.STATION, "DEMO-I2", "13900000104"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
# Given names by the gender the ID number states (its 17th digit: odd for men, even for women).
GIVEN: dict[str, list[str]] = {
    Gender.MALE: ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "建国", "志强"],
    Gender.FEMALE: ["芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "霞", "桂兰", "婷", "慧"],
}
SKILLS = ["理论宣讲", "文艺演出", "医疗护理", "法律咨询", "摄影", "驾驶", "心理疏导", "垃圾分类"]
VOLUNTEERS_PER_STATION = 10


@dataclass
class Login:
    role: str
    phone: str
    password: str
    name: str


def demo_id_number(index: int) -> str:
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=397 * index)
    first17 = f"{REGION_CODE}{birth:%Y%m%d}{100 + index:03d}"
    return first17 + check_character(first17)


def demo_name(index: int) -> str:
    """A name whose given name fits the gender of demo_id_number(index)."""
    names = GIVEN[gb11643_facts(demo_id_number(index)).gender]
    return SURNAMES[index % len(SURNAMES)] + names[(index * 7 + index // len(SURNAMES)) % len(names)]


@transaction.atomic
def load_demo_data() -> list[Login]:
    """Create the demo network if missing (safe to run again) and return its logins."""
    users = get_user_model().objects
    # Hashing is slow on purpose; demo accounts share one hash per password.
    password_hash = make_password(MANAGER_PASSWORD)
    volunteer_hash = make_password(VOLUNTEER_PASSWORD)
    logins = []
    admin = users.filter(phone=ADMIN_PHONE).first()
    if admin is None:
        admin = users.create_superuser(ADMIN_PHONE, ADMIN_PASSWORD, name="平台管理员")
    logins.append(Login("admin", ADMIN_PHONE, ADMIN_PASSWORD, admin.name))

    units: dict[str | None, PracticeUnit] = {}
    for code, place, level, parent_code, manager_phone in UNITS:
        unit = PracticeUnit.objects.filter(code=code).first()
        if unit is None:
            unit = PracticeUnit.objects.create(
                code=code,
                name=place + SUFFIX[level],
                level=level,
                parent=units.get(parent_code),
                address=f"浙江省示范县{place}",
                contact_name="联络员",
                contact_phone="0579-88000000",
                person_in_charge="负责人",
            )
        units[code] = unit
        manager = users.filter(phone=manager_phone).first()
        if manager is None:
            manager = users.create(phone=manager_phone, password=password_hash, name=f"{place}管理员", is_staff=True)
        UnitManager.objects.get_or_create(user=manager, unit=unit)
        logins.append(Login(f"manager of {code}", manager_phone, MANAGER_PASSWORD, manager.name))

    rng = random.Random(2026)
    # The skill list volunteers choose from (managers add to it).
    skills = [Skill.objects.get_or_create(name=name)[0] for name in SKILLS]
    stations = [units[code] for code, _name, level, _parent, _phone in UNITS if level == Level.STATION]
    for index in range(len(stations) * VOLUNTEERS_PER_STATION):
        phone = f"137000{index:05d}"
        station = stations[index // VOLUNTEERS_PER_STATION]
        volunteer = Volunteer.objects.filter(user__phone=phone).first()
        if volunteer is None:
            volunteer = register_volunteer(
                real_name=demo_name(index),
                id_number=demo_id_number(index),
                phone=phone,
                password=None,
                home_station=station,
                skills=rng.sample(skills, 2),
                political_status=rng.choice(PoliticalStatus.values),
            )
            users.filter(pk=volunteer.user_id).update(password=volunteer_hash)
        if index % VOLUNTEERS_PER_STATION == 0:
            logins.append(Login(f"volunteer at {station.code}", phone, VOLUNTEER_PASSWORD, volunteer.real_name))

    for station in stations:
        team, created = Team.objects.get_or_create(
            unit=station, name=station.name.replace(SUFFIX[Level.STATION], "志愿服务队")
        )
        if created:
            members = list(Volunteer.objects.filter(home_station=station)[:5])
            team.members.set(members)
            team.leader = members[0]
            team.save(update_fields=["leader"])
    return logins
