import pytest

from accounts.models import User
from accounts.throttles import ScopedThrottle
from tests.conftest import make_id_number
from volunteers.models import Skill, Volunteer

URL = "/api/v1/volunteers/register/"


@pytest.fixture
def form(tree) -> dict:
    Skill.objects.bulk_create([Skill(name="摄影"), Skill(name="驾驶")])
    return {
        "real_name": "买买提·艾力",
        "id_number": make_id_number(),
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "skills": ["摄影", "驾驶"],
        "consent": True,
    }


def assert_nothing_written():
    assert Volunteer.objects.count() == 0
    assert User.objects.count() == 0


def test_a_person_registers_and_sees_their_own_data_in_full(anon_client, form):
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["real_name"] == "买买提·艾力"
    assert body["id_number"] == form["id_number"] and body["phone"] == "13912345678"
    assert body["number"] and sorted(body["skills"]) == ["摄影", "驾驶"]
    volunteer = Volunteer.objects.get()
    assert volunteer.consented_at is not None
    assert volunteer.birth_date.isoformat().replace("-", "") == form["id_number"][6:14]
    assert volunteer.user.check_password("a-long-secret-77")


def test_the_new_volunteer_can_log_in_for_a_token(anon_client, form):
    anon_client.post(URL, form, format="json")
    response = anon_client.post("/api/v1/auth/token/", {"phone": "139 1234 5678", "password": "a-long-secret-77"})
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize("name", ["𠮷野家", "欧阳娜娜", "阿卜杜热依木·买买提", "王", "Anna·王"])
def test_rare_characters_and_the_middle_dot_are_accepted(anon_client, form, name):
    form["real_name"] = name
    assert anon_client.post(URL, form, format="json").status_code == 201


def test_look_alike_dots_are_stored_as_the_middle_dot(anon_client, form):
    form["real_name"] = "买买提•艾力"
    anon_client.post(URL, form, format="json")
    assert Volunteer.objects.get().real_name == "买买提·艾力"


def test_a_lowercase_x_in_the_id_number_is_stored_uppercase(anon_client, form):
    form["id_number"] = "11010519491231002x"
    assert anon_client.post(URL, form, format="json").status_code == 201
    assert Volunteer.objects.get().id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "11010519491231002"),  # too short
        ("id_number", "110105194912310021"),  # wrong check digit
        ("id_number", "110105209912310028"),  # birth in the future
        ("phone", "12345678901"),
        ("phone", "1391234567"),
        ("real_name", ""),
        ("real_name", "王" * 31),
        ("real_name", "王<script>"),
        ("real_name", "·王"),
        ("password", "123"),
        ("consent", False),
        ("skills", ["x" * 31]),
    ],
)
def test_bad_input_is_a_400_on_the_field_and_writes_nothing(anon_client, form, field, value):
    form[field] = value
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert_nothing_written()


def test_messages_are_in_chinese(anon_client, form):
    form["id_number"] = "110105194912310021"
    form["phone"] = "123"
    body = anon_client.post(URL, form, format="json").json()
    assert "校验" in body["id_number"][0]
    assert "手机号" in body["phone"][0]


@pytest.mark.parametrize("missing", ["real_name", "id_number", "phone", "password", "home_station", "consent"])
def test_missing_fields_are_named(anon_client, form, missing):
    del form[missing]
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 400
    assert response.json()[missing] == ["该字段是必填项。"]
    assert_nothing_written()


def test_a_duplicate_phone_is_refused(anon_client, form, volunteer):
    form["phone"] = volunteer.phone
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 400 and "phone" in response.json()
    assert Volunteer.objects.count() == 1 and User.objects.count() == 1


def test_a_duplicate_id_number_is_refused(anon_client, form, volunteer):
    form["id_number"] = volunteer.id_number
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    assert Volunteer.objects.count() == 1 and User.objects.count() == 1


@pytest.mark.parametrize("unit", ["C", "I1"])
def test_home_station_must_be_a_station(anon_client, form, tree, unit):
    form["home_station"] = tree[unit].pk
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 400 and "home_station" in response.json()
    assert_nothing_written()


def test_an_unknown_home_station_is_a_400(anon_client, form):
    form["home_station"] = 999999
    assert anon_client.post(URL, form, format="json").status_code == 400


def test_malformed_json_is_a_400(anon_client, tree):
    response = anon_client.post(URL, '{"real_name": "王', content_type="application/json")
    assert response.status_code == 400
    assert_nothing_written()


def test_registration_is_throttled_per_address(anon_client, form, monkeypatch):
    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "register": "2/hour"})
    statuses = [anon_client.post(URL, {}, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_full_width_digits_are_stored_as_ascii_and_cannot_dodge_uniqueness(anon_client, form, volunteer):
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    form["phone"] = volunteer.phone.translate(full_width)
    form["id_number"] = volunteer.id_number.translate(full_width)
    body = anon_client.post(URL, form, format="json").json()
    assert "phone" in body and "id_number" in body
    assert Volunteer.objects.count() == 1 and User.objects.count() == 1


def test_a_full_width_phone_registers_as_ascii(anon_client, form):
    form["phone"] = "１３９１２３４５６７８"
    assert anon_client.post(URL, form, format="json").status_code == 201
    assert User.objects.get().phone == "13912345678"


@pytest.mark.parametrize("station", ["²", "abc", -1, 1.5, None, [], {}])
def test_odd_home_station_values_are_a_400(anon_client, form, station):
    form["home_station"] = station
    assert anon_client.post(URL, form, format="json").status_code == 400
    assert_nothing_written()


def test_deeply_nested_json_is_a_400(anon_client, db):
    body = "[" * 100_000 + "]" * 100_000
    assert anon_client.post(URL, body, content_type="application/json").status_code == 400


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(anon_client, db, monkeypatch):
    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "register": "2/hour"})
    statuses = [
        anon_client.post(URL, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)
    ]
    assert statuses == [400, 400, 429]
