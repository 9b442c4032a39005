"""Every kind of message renders in Chinese with the facts its reader needs (no database: plain objects).

Times are fixed datetimes in Asia/Shanghai (tests/events/conftest.py's DAY, 2026-12-05); no clock is read.
"""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from notifications.kinds import KINDS
from notifications.services import render
from tests.events.conftest import at

EVENT = SimpleNamespace(title="社区环境清洁", starts_at=at(9), ends_at=at(11), address="东门社区广场")
ORDER = SimpleNamespace(
    item=SimpleNamespace(name="上门理发"),
    get_state_display=lambda: "已接单",
    starts_at=at(15),
    place="东门社区服务站",
)
BOOKING = SimpleNamespace(
    venue=SimpleNamespace(name="东门农家书屋"),
    starts_at=at(9),
    ends_at=at(11),
    purpose="读书会",
    attendees=12,
    refuse_reason="场地维修",
)


def step(action: str, reason: str = ""):
    return SimpleNamespace(action=action, reason=reason)


# kind → (context, facts the text must contain)
CASES = {
    "venue_booking_requested": ({"booking": BOOKING}, ["东门农家书屋", "2026-12-05 09:00", "读书会"]),
    "venue_booking_answered": ({"booking": BOOKING, "change": "refused"}, ["东门农家书屋", "原因：场地维修"]),
    "signup_confirmed": ({"event": EVENT}, ["社区环境清洁", "2026-12-05 09:00", "东门社区广场", "报名成功"]),
    "signup_waitlisted": ({"event": EVENT}, ["社区环境清洁", "2026-12-05 09:00", "候补"]),
    "promoted": (
        {
            "event": EVENT,
            "signup": SimpleNamespace(confirm_by=at(20)),
            "url": "http://127.0.0.1:8000/events/7/",
        },
        ["社区环境清洁", "东门社区广场", "2026-12-05 20:00", "退还名额", "http://127.0.0.1:8000/events/7/"],
    ),
    "event_changed": (
        {"event": EVENT, "changes": [{"label": "开始时间", "old": "2026-12-05 09:00", "new": "2026-12-05 10:00"}]},
        ["活动变更", "社区环境清洁", "2026-12-05 09:00 → 2026-12-05 10:00"],
    ),
    "event_cancelled": ({"event": EVENT}, ["活动取消", "社区环境清洁", "2026-12-05 09:00", "东门社区广场"]),
    "event_cancelled_urgent": ({"event": EVENT}, ["临时取消", "社区环境清洁", "请勿前往"]),
    "reminder": (
        {"event": EVENT, "url": "http://127.0.0.1:8000/events/7/"},
        ["活动提醒", "社区环境清洁", "12-05 09:00", "东门社区广场", "退还名额", "http://127.0.0.1:8000/events/7/"],
    ),
    "hours_approved": (
        {"event": EVENT, "record": SimpleNamespace(credited_hours=Decimal("2.00"))},
        ["审核通过", "社区环境清洁", "2026-12-05", "2.00"],
    ),
    "hours_rejected": (
        {"event": EVENT, "record": SimpleNamespace(reject_reason="未到岗")},
        ["未通过", "社区环境清洁", "原因：未到岗", "申请更正"],
    ),
    "certificate_issued": (
        {
            "certificate": SimpleNamespace(
                number="C-2026-000001", unit_name="S1 单位", hours=Decimal("3.50"), effective_at=at(9)
            )
        },
        ["C-2026-000001", "S1 单位", "3.50", "公示", "2026-12-05"],
    ),
    "certificate_request_answered": (
        {
            "issued": False,
            "request": SimpleNamespace(unit=SimpleNamespace(name="S1 单位"), decline_reason="时段内没有服务时长"),
        },
        ["未获通过", "S1 单位", "时段内没有服务时长"],
    ),
    "points_expiring": (
        {"points": Decimal("120"), "expires_on": datetime.date(2026, 12, 31)},
        ["120", "积分", "2026-12-31", "过期"],
    ),
    "new_events_digest": (
        {"events": [EVENT, SimpleNamespace(**{**vars(EVENT), "title": "敬老院探访"})], "more": 3, "count": 5},
        ["5个新活动", "社区环境清洁", "敬老院探访", "另有3个"],
    ),
    "order_update": (
        {"order": ORDER, "step": step("accept")},
        ["上门理发", "已接单", "2026-12-05 15:00", "东门社区服务站"],
    ),
    "order_rating_request": ({"order": ORDER, "closes_at": at(9)}, ["请评价", "上门理发", "2026-12-05"]),
    "manager_digest": (
        {"reviews": 2, "evaluations": 0, "orders": 1, "requests": 4},
        ["今日待办", "服务记录：2条", "服务订单：1个", "证明申请：4个"],
    ),
}

# An English msgid left untranslated shows as a run of Latin words.
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _text(kind_code: str, context: dict) -> tuple[str, str]:
    title, body = render(kind_code, context)
    return title, re.sub(r"https?://\S+", "", body)


def test_every_kind_has_a_case():
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind_code", sorted(CASES))
def test_each_kind_renders_in_chinese_with_its_facts(kind_code):
    context, facts = CASES[kind_code]
    title, body = render(kind_code, context)
    assert title and len(title) <= 100 and body
    for fact in facts:
        assert fact in f"{title}\n{body}", fact
    shown_title, shown_body = _text(kind_code, context)
    assert not ENGLISH.search(shown_title + shown_body.replace("C-2026-000001", "")), (title, body)


ORDER_STEPS = {
    "accept_review": "通过审核",
    "refuse": "原因：不在服务范围",
    "dispatch": "派给",
    "open": "附近",
    "claim": "已接单",
    "reschedule": "新时间：2026-12-05 15:00",
    "decline": "另行安排",
    "start": "开始服务",
    "complete": "服务已完成",
    "close_unrated": "办结",
    "cancel": "代为撤销",
}


@pytest.mark.parametrize("action", sorted(ORDER_STEPS))
def test_each_step_of_an_order_says_what_happened(action):
    title, body = render("order_update", {"order": ORDER, "step": step(action, "不在服务范围")})
    assert ORDER_STEPS[action] in body
    assert not ENGLISH.search(title + body)


def test_an_accepted_request_names_the_certificate():
    request = SimpleNamespace(unit=SimpleNamespace(name="S1 单位"), certificate=SimpleNamespace(number="C-2026-000009"))
    title, body = render("certificate_request_answered", {"issued": True, "request": request})
    assert "已受理" in title and "C-2026-000009" in body


def test_text_is_not_html_escaped():
    event = SimpleNamespace(**{**vars(EVENT), "title": '"敬老" & 助残'})
    title, _body = render("signup_confirmed", {"event": event})
    assert title == '报名成功："敬老" & 助残'
