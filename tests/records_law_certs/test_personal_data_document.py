"""The personal-data PDF reads like a document (issue 21 item 14): local times in Chinese words,
booleans and choices in words, lists joined, a start and its end in one cell, no column so narrow
that it wraps one character a line.

PERSONAL_DATA_PDF=/some/file.pdf keeps the rendered file to look at.
"""

import datetime
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from certificates.services import Coverage, issue_certificate
from events.models import CorrectionRequest, Evaluation, RefusedScan
from reports.legal.personal_data import (
    Span,
    cell_class,
    document_section,
    in_words,
    labels,
    parts,
    personal_data,
)
from tests.events.conftest import at
from tests.reports.test_ledger_layout import overlapping_words
from volunteers.models import Award, AwardLevel, Skill, Training

from .conftest import approved, event_on, pdf_text

PDF = "/api/v1/me/data/pdf/"


@pytest.fixture
def a_year_of_service(tree, volunteer, admin_user):
    """Records, a correction request, a refused scan, a training, an award, an evaluation and a certificate."""
    volunteer.skills.set([Skill.objects.create(name="摄影"), Skill.objects.create(name="医疗护理")])
    first = approved(event_on(tree["S1"], 1, "社区环境清洁"), volunteer, "2.00")
    approved(event_on(tree["S2"], 3, "西湖社区义诊", category="health"), volunteer, "1.50")
    CorrectionRequest.objects.create(
        volunteer=volunteer,
        kind="correct",
        event=first.event,
        record=first,
        checked_in_at=first.checked_in_at,
        checked_out_at=first.checked_out_at,
        reason="签退时手机没电",
    )
    RefusedScan.objects.create(
        volunteer=volunteer,
        event=first.event,
        action="in",
        code="token_expired",
        at=at(8, 40),
        ip="10.0.0.7",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0",
    )
    training = Training.objects.create(
        unit=tree["S1"],
        name="应急救护培训",
        content="心肺复苏与止血包扎",
        hours=Decimal("3.0"),
        organiser="县红十字会",
        held_on=datetime.date(2026, 11, 20),
    )
    training.attendees.add(volunteer)
    Award.objects.create(
        volunteer=volunteer,
        name="优秀志愿者",
        awarded_on=datetime.date(2026, 10, 1),
        awarding_body="示范县文明办",
        level=AwardLevel.COUNTY,
    )
    Evaluation.objects.create(
        volunteer=volunteer,
        unit=tree["S1"],
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        evaluated_on=datetime.date(2026, 7, 5),
        grade=5,
        comment="服务认真，群众满意",
    )
    issue_certificate(
        volunteer,
        tree["S1"],
        Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 4)),
        by=admin_user,
    )
    return volunteer


def text_of(cell: dict) -> str:
    return "".join(part["text"] for part in cell["parts"])


def test_values_read_as_words():
    assert in_words(datetime.datetime(2026, 12, 5, 0, 0, tzinfo=datetime.UTC)) == "2026年12月5日 08:00"
    assert in_words(datetime.date(2026, 1, 9)) == "2026年1月9日"
    assert (in_words(True), in_words(False), in_words(None), in_words("")) == ("是", "否", "—", "—")
    assert in_words(["摄影", "医疗护理"]) == "摄影、医疗护理"
    assert in_words(Span(at(9), at(11, 30))) == "2026年12月5日 09:00–11:30"
    assert in_words(Span(at(22), at(9) + datetime.timedelta(days=1))) == "2026年12月5日 22:00 – 2026年12月6日 09:00"
    assert in_words(Span(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))) == "2026年1月1日 – 2026年6月30日"


def test_columns_are_as_wide_as_what_they_hold():
    assert cell_class([at(9), None]) == "when"
    assert cell_class([Decimal("2.00"), 3]) == "num"
    assert cell_class(["已通过", "待审核"]) == "short"
    assert cell_class(["社区环境清洁活动的一段很长的说明文字"]) == ""
    # Times break between the day and the hour only; in free text dates stay whole.
    assert [part["text"] for part in parts("2026年12月4日 09:00–11:00", "when") if part["whole"]] == [
        "2026年12月4日",
        "09:00–11:00",
    ]
    assert {"text": "2026年12月4日", "whole": True} in parts("社区环境清洁（2026年12月4日）", "")


def test_the_pdf_sections_are_laid_out_in_words(a_year_of_service):
    data = personal_data(a_year_of_service.user, shown=lambda value: value)
    profile = dict(document_section("profile", "基本信息", data["profile"], labels("profile"))["facts"])
    assert profile["技能"] in ("摄影、医疗护理", "医疗护理、摄影") and profile["性别"] in ("男", "女")
    assert "监护人姓名" not in profile  # an adult names no guardian: no empty lines about one
    assert profile["注册时间"].startswith("2026年12月5日 ")
    records = document_section("service_records", "服务记录", data["service_records"], labels("service_records"))
    labels_shown = [column["label"] for column in records["columns"]]
    assert "服务时间" in labels_shown and "签到时间" not in labels_shown
    times = [text_of(row["cells"][labels_shown.index("服务时间")]) for row in records["rows"]]
    assert "2026年12月4日 09:00–11:00" in times
    scans = document_section("refused_scans", "被拒绝的扫码", data["refused_scans"], labels("refused_scans"))
    cells = [text_of(cell) for cell in scans["rows"][0]["cells"]]
    assert any("已过期" in cell for cell in cells) and "token_expired" not in cells
    assert "MicroMessenger" in scans["rows"][0]["wide"][0][1]


def test_the_pdf_reads_like_a_document(tree, a_year_of_service, volunteer_client):
    response = volunteer_client.get(PDF)
    assert response.status_code == 200
    if os.environ.get("PERSONAL_DATA_PDF"):
        Path(os.environ["PERSONAL_DATA_PDF"]).write_bytes(response.content)
    if os.environ.get("SCREENSHOTS") == "1":
        # The README's picture: the first page at 60 dpi.
        target = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "personal-data-pdf"
        command = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "-", str(target)]
        subprocess.run(command, input=response.content, check=True)
    text = pdf_text(response.content)
    flat = "".join(text.split())
    for words in ["2026年12月4日", "09:00–11:00", "应急救护培训", "2026年11月20日", "优秀志愿者", "县（区）级"]:
        assert words in flat, words
    assert "医疗护理、摄影" in flat or "摄影、医疗护理" in flat
    # No dump left: no ISO times, no Python values, no stored codes.
    for dump in ["T09:00", "+08:00", "True", "False", "None", "['", "token_expired", "2026-12-04"]:
        assert dump not in text, dump
    # No column one character wide: every line of the service records' table keeps its words whole.
    assert "社区环境清洁" in flat and "西湖社区义诊" in flat
    assert overlapping_words(response.content) == []
    lonely = [line.strip() for line in text.splitlines() if len(line.strip()) == 1 and line.strip() not in "无–—"]
    assert not lonely, lonely
