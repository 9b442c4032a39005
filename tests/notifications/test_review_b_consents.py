"""Review b: without configured templates any short id is taken, but a client reporting ever new ids cannot
pile up consents: a person holds unused consents of at most as many templates as there are kinds of message."""

import pytest
from django.utils import timezone

from notifications.choices import MAX_UNUSED_CONSENTS
from notifications.kinds import KINDS
from notifications.models import WechatConsent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_ever_new_template_ids_cannot_inflate_consents(volunteer, other_volunteer, settings):
    settings.NOTIFY_WECHAT_TEMPLATES = {}
    api = client_for(volunteer.user)
    for n in range(len(KINDS) + 5):
        response = api.post("/api/v1/me/wechat-consents/", {"template_ids": [f"t{n}"]}, format="json")
        assert response.status_code == 201
    # Beyond the cap the report is dropped, not refused: the answer says none is held.
    assert response.json() == [{"template_id": f"t{len(KINDS) + 4}", "unused": 0}]
    held = WechatConsent.objects.filter(user=volunteer.user)
    assert held.values("template_id").distinct().count() == len(KINDS)
    # A template already held still takes more consents, up to its own cap; another person has their own room.
    for _ in range(MAX_UNUSED_CONSENTS + 2):
        api.post("/api/v1/me/wechat-consents/", {"template_ids": ["t0"]}, format="json")
    assert held.filter(template_id="t0").count() == MAX_UNUSED_CONSENTS
    client_for(other_volunteer.user).post("/api/v1/me/wechat-consents/", {"template_ids": ["t99"]}, format="json")
    assert WechatConsent.objects.filter(user=other_volunteer.user).count() == 1


def test_a_used_consent_frees_its_templates_room(volunteer, settings):
    settings.NOTIFY_WECHAT_TEMPLATES = {}
    api = client_for(volunteer.user)
    for n in range(len(KINDS)):
        api.post("/api/v1/me/wechat-consents/", {"template_ids": [f"t{n}"]}, format="json")
    WechatConsent.objects.filter(user=volunteer.user, template_id="t0").update(used_at=timezone.now())
    response = api.post("/api/v1/me/wechat-consents/", {"template_ids": ["new"]}, format="json")
    assert response.json() == [{"template_id": "new", "unused": 1}]


def test_a_huge_choices_matrix_is_one_short_400(volunteer):
    body = {"choices": {f"kind{n}": {"sms": True} for n in range(5000)}}
    response = client_for(volunteer.user).put("/api/v1/me/notification-choices/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["choices"] and len(response.content) < 500
    assert "消息类型" in str(response.json()["choices"])
