"""WeChat subscription messages (订阅消息) of the mini program: one send per stored one-time consent.

Access token: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html
Send: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html

Each accepted wx.requestSubscribeMessage is a WechatConsent row allowing one message of that
template; a send claims one (used_at, used_by) before calling WeChat and gives it back when the
send failed for a reason of ours or WeChat's, so a retry can use it. 43101 means the person refused
(or no longer accepts) the template: their remaining consents for it are void.
"""

from __future__ import annotations

import json
import urllib.parse

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from notifications.backends.base import BaseBackend, DeliveryError, Skip
from notifications.backends.http import request_json
from notifications.models import Address, WechatConsent

TOKEN_CACHE_KEY = "notifications:wechat:access-token"  # noqa: S105 (a cache key)
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid, malformed, expired access token
REFUSED = 43101
# Answers that will not change for this message and person: invalid openid, data the template refuses.
PERMANENT_ERRORS = frozenset({40003, 47003})
# WeChat's limits per field type (characters); a longer value is refused with 47003.
FIELD_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "letter": 32, "number": 32}


class WechatError(DeliveryError):
    """An error answer of the send API, with WeChat's errcode."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason, permanent=code == REFUSED or code in PERMANENT_ERRORS)
        self.code = code


def template_for(kind_code: str) -> dict:
    """The configured template of a kind ({"id": ..., "data": {field: variable}}), or {} if none."""
    template = settings.NOTIFY_WECHAT_TEMPLATES.get(kind_code) or {}
    return template if template.get("id") else {}


def _fit(field: str, value: str) -> str:
    field_type = field.rstrip("0123456789")
    limit = FIELD_LIMITS.get(field_type)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def access_token(*, refresh: bool = False) -> str:
    """The mini program's access token, cached until shortly before WeChat lets it expire."""
    if not refresh:
        token = cache.get(TOKEN_CACHE_KEY)
        if token:
            return token
    query = urllib.parse.urlencode(
        {
            "grant_type": "client_credential",
            "appid": settings.NOTIFY_WECHAT_APPID,
            "secret": settings.NOTIFY_WECHAT_SECRET,
        }
    )
    answer = request_json(f"{settings.NOTIFY_WECHAT_API_BASE}/cgi-bin/token?{query}")
    token = answer.get("access_token")
    if not token:
        raise DeliveryError(f"access token: {answer.get('errcode')} {answer.get('errmsg', '')}".strip())
    expires_in = int(answer.get("expires_in") or 7200)
    cache.set(TOKEN_CACHE_KEY, token, max(expires_in - 300, 60))
    return token


def _unused_consent(user_id: int, template_id: str) -> WechatConsent | None:
    """Lock the person's oldest unused consent for the template; one a concurrent send holds is not theirs."""
    return (
        WechatConsent.objects.select_for_update(skip_locked=True)
        .filter(user_id=user_id, template_id=template_id, used_at__isnull=True)
        .order_by("granted_at", "id")
        .first()
    )


def _claim_consent(message, template_id: str, now) -> WechatConsent | None:
    with transaction.atomic():
        # A retry of the same message (after a crash) keeps the consent it already took.
        held = WechatConsent.objects.filter(used_by=message).first()
        if held is not None:
            return held
        consent = _unused_consent(message.recipient_id, template_id)
        if consent is None:
            return None
        consent.used_at, consent.used_by = now, message
        consent.save(update_fields=["used_at", "used_by"])
        return consent


class WechatBackend(BaseBackend):
    def send(self, message) -> str:
        template = template_for(message.kind)
        if not template:
            raise Skip("no WeChat template for this kind")
        openid = Address.objects.filter(user_id=message.recipient_id).values_list("wechat_openid", flat=True).first()
        if not openid:
            raise Skip("no WeChat openid")
        consent = _claim_consent(message, template["id"], timezone.now())
        if consent is None:
            raise Skip("no consent")
        try:
            return self._post(message, template, openid)
        except WechatError as error:
            if error.code == REFUSED:
                # The person no longer accepts the template: the consents they gave before are void.
                WechatConsent.objects.filter(
                    user_id=message.recipient_id, template_id=template["id"], used_at__isnull=True
                ).delete()
            else:
                # WeChat sent nothing, so the consent still allows a message (the retry's).
                WechatConsent.objects.filter(pk=consent.pk).update(used_at=None, used_by=None)
            raise
        except DeliveryError:
            WechatConsent.objects.filter(pk=consent.pk).update(used_at=None, used_by=None)
            raise

    def _post(self, message, template: dict, openid: str) -> str:
        fields = template.get("data") or {name: name for name in message.params}
        body = {
            "touser": openid,
            "template_id": template["id"],
            "data": {
                field: {"value": _fit(field, str(message.params.get(name, "")))} for field, name in fields.items()
            },
            "miniprogram_state": settings.NOTIFY_WECHAT_MINIPROGRAM_STATE,
            "lang": "zh_CN",
        }
        if settings.NOTIFY_WECHAT_PAGE and message.link:
            body["page"] = settings.NOTIFY_WECHAT_PAGE.format(link=urllib.parse.quote(message.link, safe=""))
        data = json.dumps(body, ensure_ascii=False).encode()
        answer = self._call(data, access_token())
        if answer.get("errcode") in TOKEN_ERRORS:
            answer = self._call(data, access_token(refresh=True))
        code = answer.get("errcode", 0)
        if code == 0:
            return str(answer.get("msgid", ""))
        raise WechatError(code, f"{code}: {answer.get('errmsg', '')}")

    def _call(self, data: bytes, token: str) -> dict:
        query = urllib.parse.urlencode({"access_token": token})
        return request_json(f"{settings.NOTIFY_WECHAT_API_BASE}/cgi-bin/message/subscribe/send?{query}", data=data)
