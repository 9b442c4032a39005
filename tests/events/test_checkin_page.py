from django.utils import timezone

from events.checkin_codes import make_event_code
from events.models import ServiceRecord
from tests.events.conftest import make_event


def test_the_scan_page_shares_the_check_in_throttle(client, tree, volunteer, monkeypatch):
    import datetime

    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"checkin": "2/minute"})
    now = timezone.now()
    event = make_event(tree["S1"], starts_at=now, ends_at=now + datetime.timedelta(hours=1))
    client.force_login(volunteer.user)
    url = f"/c/{make_event_code(event.pk, 'in', now)}"
    statuses = [client.post(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "扫码过于频繁" in client.post(url).content.decode()
    assert ServiceRecord.objects.count() == 1


def test_the_scan_page_shows_an_expired_code_in_chinese(client, tree, volunteer):
    import datetime

    now = timezone.now()
    event = make_event(tree["S1"], starts_at=now, ends_at=now + datetime.timedelta(hours=1))
    client.force_login(volunteer.user)
    response = client.get(f"/c/{make_event_code(event.pk, 'in', now - datetime.timedelta(minutes=5))}")
    assert response.status_code == 400 and "二维码已过期" in response.content.decode()
