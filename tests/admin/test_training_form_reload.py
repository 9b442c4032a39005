"""The training form: Enter saves (Save is the form's first submit button), and 「List its attendees」 shows the
page again from what was posted, keeping what was typed and the other volunteers chosen, with no address to carry
them (a long one was refused by the server, and typed text ended up in logs)."""

import re

from tests.admin.conftest import page
from tests.admin.test_legal_records_admin import TRAINING, event_with_attendees  # noqa: F401 (a fixture)
from tests.conftest import make_volunteer
from volunteers.models import Training

ADD = "/admin/volunteers/training/add/"


def submit_buttons(html: str) -> list[str]:
    form = html[html.index('id="training_form"') :]
    return re.findall(r'<(?:button|input)[^>]*type="submit"[^>]*>', form)


def test_the_first_submit_button_of_the_form_saves(client, station_manager):
    client.force_login(station_manager)
    buttons = submit_buttons(page(client.get(ADD)))
    assert 'name="_save"' in buttons[0]
    assert any('name="_load_attendees"' in button for button in buttons[1:])


def test_listing_attendees_keeps_what_was_typed_and_the_other_volunteers(
    client,
    station_manager,
    tree,
    event_with_attendees,  # noqa: F811
):
    client.force_login(station_manager)
    extra = make_volunteer(tree["S1"], "周九")
    content = "心肺复苏与止血包扎" * 110  # a long text (each character 9 bytes in an address)
    response = client.post(
        ADD,
        {
            **TRAINING,
            "content": content,
            "unit": tree["S1"].pk,
            "event": event_with_attendees.pk,
            "volunteers": [extra.pk],
            "_load_attendees": "1",
        },
    )
    assert response.status_code == 200 and not Training.objects.exists()
    html = page(response)
    assert content in html and 'value="应急救护培训"' in html  # typed, not replaced by the event's title
    assert f'<option value="{extra.pk}" selected>' in html  # 周九 stays among the other volunteers
    ticked = re.findall(r'<input type="checkbox" name="event_attendees" value="(\d+)"[^>]*checked', html)
    assert len(ticked) == 2  # 李四 and 钱七
    # Saving it as shown records everyone listed.
    body = {
        **TRAINING,
        "content": content,
        "unit": tree["S1"].pk,
        "event": event_with_attendees.pk,
        "event_attendees": ticked,
        "volunteers": [extra.pk],
        "_save": "",
    }
    saved = client.post(ADD, body)
    assert saved.status_code == 302, page(saved)
    assert {volunteer.real_name for volunteer in Training.objects.get().attendees.all()} == {"李四", "钱七", "周九"}
