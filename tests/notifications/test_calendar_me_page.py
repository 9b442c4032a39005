"""The calendar link on the volunteer's page, and its reset button."""

from notifications.models import CalendarFeed


def test_my_page_shows_my_calendar_link(client, volunteer, settings):
    settings.SITE_URL = "https://zhiyuan.example.cn"
    client.force_login(volunteer.user)

    response = client.get("/me/")
    html = response.content.decode()

    # The link is a secret: neither the browser nor a proxy keeps a copy of the page.
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    token = CalendarFeed.objects.get(user=volunteer.user).token
    assert f'value="https://zhiyuan.example.cn/calendar/{token}.ics"' in html
    assert f'href="webcal://zhiyuan.example.cn/calendar/{token}.ics"' in html
    assert 'action="/me/calendar-feed/reset/"' in html


def test_the_reset_button_gives_a_new_link_and_the_old_one_404s(client, volunteer):
    client.force_login(volunteer.user)
    client.get("/me/")
    old = CalendarFeed.objects.get(user=volunteer.user).token

    response = client.post("/me/calendar-feed/reset/")

    assert response.status_code == 302 and response["Location"] == "/me/#calendar"
    new = CalendarFeed.objects.get(user=volunteer.user).token
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert new in client.get("/me/").content.decode()


def test_the_reset_needs_a_login_and_a_post(client, volunteer):
    assert client.post("/me/calendar-feed/reset/")["Location"].startswith("/login/")
    client.force_login(volunteer.user)
    assert client.get("/me/calendar-feed/reset/").status_code == 405
    assert not CalendarFeed.objects.exists()
