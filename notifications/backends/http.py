"""The providers' HTTP APIs, through the standard library: JSON answers, failures as DeliveryError."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

from notifications.backends.base import DeliveryError


def request_json(url: str, *, data: bytes | None = None, content_type: str = "application/json") -> dict:
    """GET (or POST ``data``) ``url`` and return its JSON answer, also for an HTTP error status.

    The providers answer errors with a JSON body that names them (Aliyun with a 4xx status,
    WeChat with 200), so the body decides; no answer or no JSON is a temporary failure.
    """
    if not url.startswith(("https://", "http://")):
        raise DeliveryError(f"not an HTTP URL: {url[:60]}", permanent=True)
    headers = {"Content-Type": content_type, "Accept": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
        if not body:
            raise DeliveryError(f"HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise DeliveryError(f"no answer: {getattr(error, 'reason', error)}") from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise DeliveryError(f"not JSON: {body[:80]!r}") from None
    if not isinstance(answer, dict):
        raise DeliveryError(f"unexpected answer: {body[:80]!r}")
    return answer
