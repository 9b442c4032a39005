"""WeChat consents reported by the mini program after wx.requestSubscribeMessage: one row per accepted
template, only templates the platform uses, and a cap so a client cannot pile them up."""

import pytest

from notifications.choices import MAX_UNUSED_CONSENTS
from notifications.models import WechatConsent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TEMPLATES = {
    "reminder": {"id": "tpl-reminder", "data": {"thing1": "title"}},
    "promoted": {"id": "tpl-promoted", "data": {"thing1": "title"}},
}


@pytest.fixture
def templates(settings):
    settings.NOTIFY_WECHAT_TEMPLATES = TEMPLATES


def test_each_accepted_template_becomes_one_unused_consent(volunteer, templates):
    response = client_for(volunteer.user).post(
        "/api/v1/me/wechat-consents/", {"template_ids": ["tpl-reminder", "tpl-promoted"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == [
        {"template_id": "tpl-reminder", "unused": 1},
        {"template_id": "tpl-promoted", "unused": 1},
    ]
    consents = WechatConsent.objects.filter(user=volunteer.user, used_at__isnull=True)
    assert sorted(consents.values_list("template_id", flat=True)) == ["tpl-promoted", "tpl-reminder"]


def test_a_template_the_platform_does_not_use_is_refused(volunteer, templates):
    response = client_for(volunteer.user).post(
        "/api/v1/me/wechat-consents/", {"template_ids": ["tpl-reminder", "tpl-advert"]}, format="json"
    )
    assert response.status_code == 400 and "template_ids" in response.json()
    assert not WechatConsent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"template_ids": []}, {"template_ids": "tpl-reminder"}, {"template_ids": ["x" * 65]}, {"template_ids": [""]}],
)
def test_malformed_reports_are_refused_without_a_consent(volunteer, body):
    response = client_for(volunteer.user).post("/api/v1/me/wechat-consents/", body, format="json")
    assert response.status_code == 400 and "template_ids" in response.json()
    assert not WechatConsent.objects.exists()


def test_more_templates_than_one_request_can_ask_for_are_refused(volunteer):
    body = {"template_ids": ["a", "b", "c", "d"]}
    assert client_for(volunteer.user).post("/api/v1/me/wechat-consents/", body, format="json").status_code == 400


def test_without_configured_templates_any_short_id_is_taken(volunteer, settings):
    settings.NOTIFY_WECHAT_TEMPLATES = {}
    response = client_for(volunteer.user).post("/api/v1/me/wechat-consents/", {"template_ids": ["t1"]}, format="json")
    assert response.status_code == 201


def test_unused_consents_are_capped_per_template_and_person(volunteer, other_volunteer, templates):
    api = client_for(volunteer.user)
    for _ in range(MAX_UNUSED_CONSENTS + 5):
        response = api.post("/api/v1/me/wechat-consents/", {"template_ids": ["tpl-reminder"]}, format="json")
    assert response.status_code == 201 and response.json() == [{"template_id": "tpl-reminder", "unused": 20}]
    assert WechatConsent.objects.filter(user=volunteer.user).count() == MAX_UNUSED_CONSENTS
    # Another person, or another template, has a cap of their own.
    other = client_for(other_volunteer.user)
    other.post("/api/v1/me/wechat-consents/", {"template_ids": ["tpl-reminder"]}, format="json")
    api.post("/api/v1/me/wechat-consents/", {"template_ids": ["tpl-promoted"]}, format="json")
    assert WechatConsent.objects.filter(user=other_volunteer.user).count() == 1
    assert WechatConsent.objects.filter(user=volunteer.user, template_id="tpl-promoted").count() == 1


def test_a_used_consent_makes_room_for_a_new_one(volunteer, templates):
    api = client_for(volunteer.user)
    for _ in range(MAX_UNUSED_CONSENTS):
        api.post("/api/v1/me/wechat-consents/", {"template_ids": ["tpl-reminder"]}, format="json")
    used = WechatConsent.objects.filter(user=volunteer.user).first()
    WechatConsent.objects.filter(pk=used.pk).update(used_at=used.granted_at)
    api.post("/api/v1/me/wechat-consents/", {"template_ids": ["tpl-reminder"]}, format="json")
    assert WechatConsent.objects.filter(user=volunteer.user).count() == MAX_UNUSED_CONSENTS + 1


def test_visitors_cannot_report_consents(anon_client):
    assert anon_client.post("/api/v1/me/wechat-consents/", {"template_ids": ["t"]}, format="json").status_code == 401
