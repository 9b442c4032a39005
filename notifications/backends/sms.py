"""SMS through Aliyun's SMS service (Dysmsapi), one 通知 (notification) template per kind.

API: SendSms, https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms
Signature: RPC style, method V2 (HMAC-SHA1 over the sorted, percent-encoded parameters),
https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism
Error codes: https://help.aliyun.com/zh/sms/developer-reference/api-error-codes

Only templates approved as 通知短信 are configured (NOTIFY_SMS_TEMPLATES): the platform sends
no marketing. The per-number daily cap is the outbox's (NOTIFY_DAILY_CAP, notifications.delivery):
the number is the recipient's login, one per person.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import urllib.parse

from django.conf import settings

from notifications.backends.base import BaseBackend, DeliveryError, Skip
from notifications.backends.http import request_json

# Answers that will not change however often the same message is sent to the same number.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",  # not a valid number
        "isv.BLACK_KEY_CONTROL_LIMIT",  # the number refuses messages (blacklisted, unsubscribed)
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.SMS_CONTENT_ILLEGAL",  # this message's variables are refused
        "isv.PARAM_LENGTH_LIMIT",
        "isv.INVALID_JSON_PARAM",
    }
)
# The rest (flow control isv.BUSINESS_LIMIT_CONTROL, isv.DAY_LIMIT_CONTROL, isv.AMOUNT_NOT_ENOUGH,
# isp.SYSTEM_ERROR, and the configuration errors a manager can fix: keys, sign name, template)
# are retried with back-off, so the messages go out once the cause is gone.


# Aliyun refuses a variable longer than this (isv.PARAM_LENGTH_LIMIT): a long title is cut instead.
VARIABLE_LIMIT = 35


def _fit(value: str) -> str:
    return value if len(value) <= VARIABLE_LIMIT else value[: VARIABLE_LIMIT - 1] + "…"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature requires: a space is %20, '~' stays, '*' is %2A."""
    return urllib.parse.quote(value, safe="-_.~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(BaseBackend):
    def send(self, message) -> str:
        template = settings.NOTIFY_SMS_TEMPLATES.get(message.kind)
        if not template:
            raise Skip("no SMS template for this kind")
        phone = getattr(message.recipient, "phone", "")
        if not phone:
            raise Skip("no mobile number")
        params = {
            "AccessKeyId": settings.NOTIFY_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": settings.NOTIFY_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(
                {name: _fit(str(value)) for name, value in message.params.items()}, ensure_ascii=False
            ),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            # Our id travels with the message and comes back in the delivery receipts.
            "OutId": str(message.pk),
        }
        params["Signature"] = sign(params, settings.NOTIFY_SMS_ACCESS_KEY_SECRET)
        answer = request_json(
            settings.NOTIFY_SMS_ENDPOINT,
            data=urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode(),
            content_type="application/x-www-form-urlencoded",
        )
        code = str(answer.get("Code", ""))
        if code == "OK":
            return str(answer.get("BizId", ""))
        reason = f"{code}: {answer.get('Message', '')}" if code else f"unexpected answer: {answer}"
        raise DeliveryError(reason, permanent=code in PERMANENT_CODES)
