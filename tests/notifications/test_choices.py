"""A person's choices per kind and channel: the page and the API, and that ``notify`` follows them."""

import pytest

from notifications.kinds import KINDS, Channel
from notifications.models import Address, Message, Preference
from notifications.services import channels_for, notify
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_page_shows_a_volunteer_only_volunteer_kinds_with_the_defaults_ticked(client, volunteer):
    client.force_login(volunteer.user)
    html = client.get("/me/notifications/").content.decode()
    assert 'id="kind-promoted"' in html and 'id="kind-manager_digest"' not in html
    assert 'id="kind-order_update"' not in html
    assert 'name="promoted:sms" id="promoted:sms" checked' in html
    assert 'name="signup_confirmed:sms" id="signup_confirmed:sms">' in html
    # The digest of new events is opt-in: off until the person turns it on.
    assert 'name="new_events_digest:inbox" id="new_events_digest:inbox">' in html


def test_the_page_explains_quiet_hours_and_that_nothing_is_marketing(client, volunteer, settings):
    settings.NOTIFY_QUIET_START_HOUR, settings.NOTIFY_QUIET_END_HOUR = 22, 7
    client.force_login(volunteer.user)
    html = client.get("/me/notifications/").content.decode()
    assert "22:00" in html and "7:00" in html
    assert 'id="promises"' in html


def test_a_manager_sees_the_manager_kinds_and_a_resident_the_resident_kinds(client, station_manager, stranger):
    client.force_login(station_manager)
    html = client.get("/me/notifications/").content.decode()
    assert 'id="kind-manager_digest"' in html and 'id="kind-promoted"' not in html
    client.force_login(stranger)
    html = client.get("/me/notifications/").content.decode()
    assert 'id="kind-order_update"' in html and 'id="kind-manager_digest"' not in html


def test_saving_the_page_writes_every_box_shown_and_notify_follows_it(client, volunteer, event):
    client.force_login(volunteer.user)
    response = client.post("/me/notifications/", {"signup_confirmed:inbox": "on", "signup_confirmed:email": "on"})
    assert response.status_code == 302
    assert channels_for(volunteer.user, "signup_confirmed") == [Channel.INBOX, Channel.EMAIL]
    # Unticked means off, also for a kind on SMS by default.
    assert channels_for(volunteer.user, "promoted") == []
    assert not Preference.objects.filter(user=volunteer.user, kind="manager_digest").exists()
    notify(volunteer.user, "signup_confirmed", key="signup:1", context={"event": event})
    assert set(Message.objects.filter(recipient=volunteer.user).values_list("channel", flat=True)) == {
        Channel.INBOX,
        Channel.EMAIL,
    }


def test_the_api_answers_the_whole_matrix_with_effective_values(volunteer):
    Preference.objects.create(user=volunteer.user, kind="reminder", channel=Channel.WECHAT, enabled=False)
    rows = {row["kind"]: row for row in client_for(volunteer.user).get("/api/v1/me/notification-choices/").json()}
    assert set(rows) == set(KINDS)
    assert rows["reminder"]["channels"] == {"inbox": True, "sms": False, "wechat": False, "email": False}
    assert rows["new_events_digest"]["channels"] == dict.fromkeys(Channel.values, False)
    assert rows["new_events_digest"]["opt_in"] is True
    assert rows["promoted"]["mine"] is True and rows["manager_digest"]["mine"] is False


def test_the_api_changes_only_the_pairs_named_and_notify_follows(volunteer):
    api = client_for(volunteer.user)
    response = api.put(
        "/api/v1/me/notification-choices/",
        {"choices": {"new_events_digest": {"inbox": True}, "promoted": {"sms": False}}},
        format="json",
    )
    assert response.status_code == 200
    rows = {row["kind"]: row["channels"] for row in response.json()}
    assert rows["new_events_digest"]["inbox"] is True and rows["promoted"]["sms"] is False
    assert rows["promoted"]["wechat"] is True
    assert channels_for(volunteer.user, "new_events_digest") == [Channel.INBOX]
    assert channels_for(volunteer.user, "promoted") == [Channel.INBOX, Channel.WECHAT]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"choices": {"advertising": {"sms": True}}}, "advertising"),
        ({"choices": {"promoted": {"fax": True}}}, "promoted"),
        ({"choices": {"promoted": {"sms": "perhaps"}}}, "promoted"),
        ({"choices": {"promoted": "sms"}}, "promoted"),
    ],
)
def test_the_api_refuses_unknown_kinds_and_channels_with_field_messages(volunteer, body, field):
    response = client_for(volunteer.user).put("/api/v1/me/notification-choices/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["choices"]
    assert not Preference.objects.exists()


def test_the_api_refuses_an_empty_or_missing_matrix(volunteer):
    api = client_for(volunteer.user)
    assert "choices" in api.put("/api/v1/me/notification-choices/", {}, format="json").json()
    assert "choices" in api.put("/api/v1/me/notification-choices/", {"choices": {}}, format="json").json()


def test_saving_twice_keeps_one_row_per_kind_and_channel(volunteer):
    api = client_for(volunteer.user)
    for enabled in (True, False):
        body = {"choices": {"promoted": {"email": enabled}}}
        assert api.put("/api/v1/me/notification-choices/", body, format="json").status_code == 200
    assert list(Preference.objects.filter(user=volunteer.user).values_list("channel", "enabled")) == [("email", False)]


def test_the_email_is_set_on_the_page_and_checked(client, volunteer):
    client.force_login(volunteer.user)
    refused = client.post("/me/notifications/", {"do": "email", "email": "not-an-address"}, follow=True)
    assert 'class="error"' in refused.content.decode()
    assert not Address.objects.filter(user=volunteer.user).exists()
    assert client.post("/me/notifications/", {"do": "email", "email": "lisi@example.com"}).status_code == 302
    assert Address.objects.get(user=volunteer.user).email == "lisi@example.com"
    assert 'id="email-status">lisi@example.com<' in client.get("/me/notifications/").content.decode()


def test_the_api_sets_the_email_but_never_the_openid(volunteer):
    Address.objects.create(user=volunteer.user, wechat_openid="o-from-login")
    api = client_for(volunteer.user)
    assert api.get("/api/v1/me/notification-address/").json() == {"email": "", "wechat_bound": True}
    response = api.put(
        "/api/v1/me/notification-address/", {"email": "lisi@example.com", "wechat_openid": "typed"}, format="json"
    )
    assert response.json() == {"email": "lisi@example.com", "wechat_bound": True}
    assert Address.objects.get(user=volunteer.user).wechat_openid == "o-from-login"
    refused = api.put("/api/v1/me/notification-address/", {"email": "nope"}, format="json")
    assert refused.status_code == 400 and "email" in refused.json()


def test_a_person_without_wechat_is_told_how_to_bind_it(client, volunteer):
    client.force_login(volunteer.user)
    assert 'id="wechat-status">' in client.get("/me/notifications/").content.decode()
    assert client_for(volunteer.user).get("/api/v1/me/notification-address/").json()["wechat_bound"] is False


def test_the_page_says_when_a_chosen_channel_has_no_address(client, volunteer):
    client.force_login(volunteer.user)
    html = client.get("/me/notifications/").content.decode()
    # WeChat is on by default for some kinds, email for none.
    assert 'id="wechat-missing"' in html and 'id="email-missing"' not in html
    client.post("/me/notifications/", {"promoted:email": "on"})
    assert 'id="email-missing"' in client.get("/me/notifications/").content.decode()
    Address.objects.create(user=volunteer.user, email="lisi@example.com", wechat_openid="o-from-login")
    html = client.get("/me/notifications/").content.decode()
    assert 'id="email-missing"' not in html and 'id="wechat-missing"' not in html
