"""The SMS (Aliyun), WeChat and email backends against local fake providers, through delivery.

The clock is frozen on DAY (2026-12-05, 08:00 Shanghai) by the ``clock`` fixture; messages are due at 10:00.
"""

import json

import pytest
from django.core import mail

from notifications import backends, delivery
from notifications.backends import wechat as wechat_backend
from notifications.kinds import Channel
from notifications.models import Address, Message, MessageStatus, WechatConsent
from tests.concurrency import run_together, without_lock
from tests.events.conftest import at
from tests.notifications.fake_providers import FakeAliyunSms, FakeWechat, Server

pytestmark = pytest.mark.django_db
SECRET = "fake-secret"
TEMPLATE = "TPL-reminder"


@pytest.fixture(scope="module")
def sms_server():
    with Server(FakeAliyunSms(SECRET)) as server:
        yield server


@pytest.fixture(scope="module")
def wechat_server():
    with Server(FakeWechat()) as server:
        yield server


@pytest.fixture
def aliyun(settings, sms_server, clock):
    settings.NOTIFY_BACKENDS = {**settings.NOTIFY_BACKENDS, "sms": "notifications.backends.sms.AliyunSmsBackend"}
    settings.NOTIFY_SMS_ENDPOINT = f"{sms_server.url}/"
    settings.NOTIFY_SMS_ACCESS_KEY_ID = "key-id"
    settings.NOTIFY_SMS_ACCESS_KEY_SECRET = SECRET
    settings.NOTIFY_SMS_SIGN_NAME = "文明实践"
    settings.NOTIFY_SMS_TEMPLATES = {"reminder": "SMS_100"}
    backends.reset()
    sms_server.provider.reset()
    return sms_server.provider


@pytest.fixture
def wechat(settings, wechat_server, clock):
    settings.NOTIFY_BACKENDS = {**settings.NOTIFY_BACKENDS, "wechat": "notifications.backends.wechat.WechatBackend"}
    settings.NOTIFY_WECHAT_API_BASE = wechat_server.url
    settings.NOTIFY_WECHAT_APPID = "wx-app"
    settings.NOTIFY_WECHAT_SECRET = "wx-secret"
    settings.NOTIFY_WECHAT_TEMPLATES = {"reminder": {"id": TEMPLATE, "data": {"thing1": "title", "time2": "time"}}}
    settings.NOTIFY_WECHAT_PAGE = "pages/web/index?link={link}"
    backends.reset()
    wechat_server.provider.reset()
    return wechat_server.provider


def queue(user, channel, *, key="k", kind="reminder", **fields) -> Message:
    values = {
        "title": "明天的活动",
        "body": "社区环境清洁 12月5日 09:00",
        "link": "/events/1/",
        "params": {"title": "社区环境清洁", "time": "12月5日 09:00"},
        "not_before": at(10),
        "next_attempt_at": at(10),
    }
    return Message.objects.create(recipient=user, channel=channel, kind=kind, key=key, **(values | fields))


def deliver(message: Message) -> Message:
    delivery.deliver_due(now=at(10))
    message.refresh_from_db()
    return message


# SMS -----------------------------------------------------------------------------------------


def test_an_sms_goes_to_aliyun_signed_with_the_template_and_its_variables(volunteer, aliyun):
    message = deliver(queue(volunteer.user, Channel.SMS))
    assert (message.status, message.provider_id) == (MessageStatus.SENT, "biz-1")
    [call] = aliyun.calls
    form = call.form()
    assert (call.method, form["Action"], form["Version"]) == ("POST", "SendSms", "2017-05-25")
    assert (form["PhoneNumbers"], form["SignName"], form["TemplateCode"]) == (
        volunteer.user.phone,
        "文明实践",
        "SMS_100",
    )
    assert json.loads(form["TemplateParam"]) == {"title": "社区环境清洁", "time": "12月5日 09:00"}
    assert form["OutId"] == str(message.pk)


def test_a_refused_number_fails_at_once_with_the_providers_reason_shown_in_the_admin(
    volunteer, aliyun, client, admin_user
):
    aliyun.fail_next(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r"})
    message = deliver(queue(volunteer.user, Channel.SMS))
    assert (message.status, message.reason) == (MessageStatus.FAILED, "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号")
    assert delivery.deliver_due(now=at(12)) == {}
    assert len(aliyun.calls) == 1
    client.force_login(admin_user)
    assert "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号" in client.get("/admin/notifications/message/").content.decode()


def test_flow_control_is_retried_later(volunteer, aliyun):
    aliyun.fail_next(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"})
    message = deliver(queue(volunteer.user, Channel.SMS))
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.reason == "isv.BUSINESS_LIMIT_CONTROL: 触发分钟级流控Permits:1"
    assert delivery.deliver_due(now=message.next_attempt_at) == {"sent": 1}


def test_a_wrong_secret_is_refused_by_the_signature_check_and_retried(volunteer, aliyun, settings):
    settings.NOTIFY_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    message = deliver(queue(volunteer.user, Channel.SMS))
    assert message.status == MessageStatus.PENDING
    assert message.reason == "SignatureDoesNotMatch: Specified signature is not matched."


def test_a_kind_without_an_sms_template_is_skipped(volunteer, aliyun):
    message = deliver(queue(volunteer.user, Channel.SMS, kind="hours_approved"))
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "no SMS template for this kind")
    assert aliyun.calls == []


def test_a_provider_that_does_not_answer_is_a_temporary_failure(volunteer, aliyun, settings):
    with Server(FakeAliyunSms(SECRET)) as gone:
        url = f"{gone.url}/"
    settings.NOTIFY_SMS_ENDPOINT = url
    message = deliver(queue(volunteer.user, Channel.SMS))
    assert message.status == MessageStatus.PENDING
    assert message.reason.startswith("no answer")


def test_the_sms_daily_cap_holds_per_number(volunteer, aliyun, settings):
    settings.NOTIFY_DAILY_CAP = 1
    first = queue(volunteer.user, Channel.SMS, key="a")
    second = queue(volunteer.user, Channel.SMS, key="b")
    delivery.deliver_due(now=at(10))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.reason) == (MessageStatus.SENT, MessageStatus.SKIPPED, "daily cap")
    assert len(aliyun.calls) == 1


# WeChat --------------------------------------------------------------------------------------


def consent(user, count=1, template=TEMPLATE) -> None:
    for _ in range(count):
        WechatConsent.objects.create(user=user, template_id=template, granted_at=at(7))


@pytest.fixture
def linked(volunteer):
    Address.objects.create(user=volunteer.user, wechat_openid="openid-li")
    return volunteer


def test_a_wechat_message_uses_one_consent_and_a_second_without_one_is_skipped(linked, wechat):
    consent(linked.user)
    first = deliver(queue(linked.user, Channel.WECHAT, key="a"))
    assert first.status == MessageStatus.SENT
    used = WechatConsent.objects.get()
    assert (used.used_at, used.used_by_id) == (at(8), first.pk)
    [send] = wechat.sends()
    body = send.json()
    assert (body["touser"], body["template_id"]) == ("openid-li", TEMPLATE)
    assert body["data"] == {"thing1": {"value": "社区环境清洁"}, "time2": {"value": "12月5日 09:00"}}
    assert body["page"] == "pages/web/index?link=%2Fevents%2F1%2F"
    second = deliver(queue(linked.user, Channel.WECHAT, key="b"))
    assert (second.status, second.reason) == (MessageStatus.SKIPPED, "no consent")
    assert len(wechat.sends()) == 1


def test_the_access_token_is_fetched_once_and_cached(linked, wechat):
    consent(linked.user, 2)
    queue(linked.user, Channel.WECHAT, key="a")
    queue(linked.user, Channel.WECHAT, key="b")
    assert delivery.deliver_due(now=at(10)) == {"sent": 2}
    assert [call.path for call in wechat.calls].count("/cgi-bin/token") == 1


def test_an_expired_token_is_refreshed_once_and_the_send_retried(linked, wechat):
    consent(linked.user, 2)
    deliver(queue(linked.user, Channel.WECHAT, key="a"))
    wechat.expire_tokens()
    message = deliver(queue(linked.user, Channel.WECHAT, key="b"))
    assert message.status == MessageStatus.SENT
    assert [call.path.rsplit("/", 1)[-1] for call in wechat.calls] == ["token", "send", "send", "token", "send"]


def test_a_refusal_43101_fails_the_message_and_clears_the_persons_consents(linked, wechat, other_volunteer):
    consent(linked.user, 3)
    consent(linked.user, 1, template="TPL-other")
    consent(other_volunteer.user, 1)
    wechat.fail_next(200, {"errcode": 43101, "errmsg": "user refuse to accept the msg rid: 1"})
    message = deliver(queue(linked.user, Channel.WECHAT))
    assert (message.status, message.reason) == (MessageStatus.FAILED, "43101: user refuse to accept the msg rid: 1")
    left = WechatConsent.objects.filter(used_at__isnull=True)
    assert sorted(left.values_list("user_id", "template_id")) == sorted(
        [(linked.user.pk, "TPL-other"), (other_volunteer.user.pk, TEMPLATE)]
    )


def test_a_temporary_wechat_error_gives_the_consent_back_for_the_retry(linked, wechat):
    consent(linked.user)
    wechat.fail_next(200, {"errcode": -1, "errmsg": "system error"})
    message = deliver(queue(linked.user, Channel.WECHAT))
    assert (message.status, message.reason) == (MessageStatus.PENDING, "-1: system error")
    assert WechatConsent.objects.get().used_at is None
    assert delivery.deliver_due(now=message.next_attempt_at) == {"sent": 1}
    assert WechatConsent.objects.get().used_by_id == message.pk


def test_a_retry_after_a_crash_keeps_the_consent_it_took(linked, wechat):
    consent(linked.user, 2)
    message = queue(linked.user, Channel.WECHAT, status=MessageStatus.SENDING, claimed_at=at(9), attempts=1)
    WechatConsent.objects.filter(pk=WechatConsent.objects.first().pk).update(used_at=at(9), used_by=message)
    assert deliver(message).status == MessageStatus.SENT
    assert WechatConsent.objects.filter(used_at__isnull=True).count() == 1


def test_without_an_openid_a_wechat_message_is_skipped(volunteer, wechat):
    consent(volunteer.user)
    message = deliver(queue(volunteer.user, Channel.WECHAT))
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "no WeChat openid")
    assert WechatConsent.objects.get().used_at is None


def test_long_values_are_cut_to_the_fields_limits(linked, wechat):
    consent(linked.user)
    deliver(queue(linked.user, Channel.WECHAT, params={"title": "长" * 30, "time": "12月5日 09:00"}))
    value = wechat.sends()[0].json()["data"]["thing1"]["value"]
    assert len(value) == 20 and value.endswith("…")


# Email ---------------------------------------------------------------------------------------


@pytest.fixture
def email_backend(settings, clock):
    settings.NOTIFY_BACKENDS = {**settings.NOTIFY_BACKENDS, "email": "notifications.backends.email.EmailBackend"}
    settings.SITE_URL = "https://volunteers.example.cn"
    backends.reset()


def test_an_email_goes_to_the_persons_address_with_the_link(volunteer, email_backend):
    Address.objects.create(user=volunteer.user, email="li@example.cn")
    message = deliver(queue(volunteer.user, Channel.EMAIL))
    assert message.status == MessageStatus.SENT
    [email] = mail.outbox
    assert (email.to, email.subject) == (["li@example.cn"], "明天的活动")
    assert email.body.endswith("https://volunteers.example.cn/events/1/")


def test_without_an_email_address_the_email_is_skipped(volunteer, email_backend):
    message = deliver(queue(volunteer.user, Channel.EMAIL))
    assert (message.status, message.reason) == (MessageStatus.SKIPPED, "no email address")
    assert mail.outbox == []


def test_nothing_leaves_the_machine_by_default():
    from backend import settings as project_settings

    assert set(project_settings.NOTIFY_BACKENDS.values()) == {"notifications.backends.console.ConsoleBackend"}


# One consent, two deliveries at once on PostgreSQL -------------------------------------------


def _unused_consent_unlocked(user_id, template_id):
    return WechatConsent.objects.filter(user_id=user_id, template_id=template_id, used_at__isnull=True).first()


def _two_messages_one_consent(user) -> list:
    consent(user)
    queue(user, Channel.WECHAT, key="a")
    queue(user, Channel.WECHAT, key="b")
    return run_together([lambda: delivery.deliver_due(now=at(10), batch=1) for _ in range(2)])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_consent_allows_one_message_even_to_two_deliveries_at_once(linked, wechat):
    _two_messages_one_consent(linked.user)
    assert len(wechat.sends()) == 1
    statuses = sorted(Message.objects.values_list("status", "reason"))
    assert statuses == [(MessageStatus.SENT, ""), (MessageStatus.SKIPPED, "no consent")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_consent_lock_one_consent_sends_twice(linked, wechat, monkeypatch):
    without_lock(monkeypatch, wechat_backend, "_unused_consent", _unused_consent_unlocked, parties=2)
    _two_messages_one_consent(linked.user)
    assert len(wechat.sends()) == 2


def test_a_long_sms_variable_is_cut_to_aliyuns_limit(volunteer, aliyun):
    deliver(queue(volunteer.user, Channel.SMS, params={"title": "长" * 50}))
    title = json.loads(aliyun.calls[0].form()["TemplateParam"])["title"]
    assert len(title) == 35 and title.endswith("…")
