"""The volunteer's page shows the whole record and takes correction requests (办法 art. 8-10, 13)."""

import datetime
from decimal import Decimal

from django.test import Client

from events.choices import RecordFlag
from events.models import CorrectionRequest, Evaluation, RecordStatus
from events.services import decline_correction, record_training
from tests.records_law.conftest import attended, past_event
from volunteers.models import Award

DAY = datetime.date(2026, 11, 20)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_page_shows_trainings_awards_and_evaluations(tree, volunteer, station_manager):
    record = attended(past_event(tree["S1"], DAY, title="敬老服务"), volunteer, status=RecordStatus.APPROVED)
    record_training(
        unit=tree["S1"],
        name="应急救护培训",
        content="心肺复苏",
        hours=Decimal("3"),
        organiser="区红十字会",
        held_on=DAY,
        by=station_manager,
        volunteers=[volunteer],
    )
    Award.objects.create(
        volunteer=volunteer, name="优秀志愿者", awarded_on=DAY, awarding_body="区文明办", level="county"
    )
    Evaluation.objects.create(
        volunteer=volunteer, unit=tree["S1"], record=record, evaluated_on=DAY, grade=4, comment="耐心细致"
    )
    html = page_client(volunteer.user).get("/me/").content.decode()
    for text in (
        "应急救护培训",
        "区红十字会",
        "优秀志愿者",
        "县（区）级",
        "区文明办",
        "耐心细致",
        "★★★★",
        "培训时长不计入志愿服务时长",
    ):
        assert text in html, text


def test_a_volunteer_asks_from_their_page_and_reads_the_units_answer(tree, volunteer, station_manager):
    event = past_event(tree["S1"], DAY, title="河道清洁")
    record = attended(event, volunteer, out=False)
    record.flag, record.credited_hours = RecordFlag.MISSING_CHECKOUT, Decimal("0.00")
    record.save()
    client = page_client(volunteer.user)
    response = client.post(
        "/me/correction-requests/",
        {"record": record.pk, "checked_out_at": "2026-11-20T11:00", "reason": "忘记签退"},
    )
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get()
    assert correction.checked_out_at == event.ends_at
    again = client.post(
        "/me/correction-requests/",
        {"record": record.pk, "checked_out_at": "2026-11-20T11:00", "reason": "再次"},
        follow=True,
    )
    assert "您关于此活动的申请正在等待单位核实。" in again.content.decode()
    decline_correction(correction, by=station_manager, reason="签到表上没有您的签名")
    html = client.get("/me/").content.decode()
    assert "河道清洁" in html and "已拒绝" in html and "签到表上没有您的签名" in html


def test_the_page_form_refuses_another_volunteers_record(tree, volunteer, other_volunteer):
    record = attended(past_event(tree["S2"], DAY), other_volunteer)
    response = page_client(volunteer.user).post(
        "/me/correction-requests/",
        {"record": record.pk, "checked_out_at": "2026-11-20T11:00", "reason": "x"},
        follow=True,
    )
    assert response.status_code == 200 and not CorrectionRequest.objects.exists()
