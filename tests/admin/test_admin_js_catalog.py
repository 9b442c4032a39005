"""The admin's JavaScript catalog is Chinese for the two-box picker too (issue 21, item 15).

Django 5.x rewrote the picker (filter_horizontal: SelectFilter2.js) and its own zh_Hans
JavaScript catalog lacks the new strings, so the skills picker read 「Choose 技能 by
selecting them…」. locale/zh_Hans/LC_MESSAGES/djangojs.po fills them in.
"""

import json
import re

from django.contrib.staticfiles import finders

SELECT_FILTER_STRINGS = [
    'Choose %s by selecting them and then select the "Choose" arrow button.',
    "Choose all %s",
    "Choose selected %s",
    'Remove %s by selecting them and then select the "Remove" arrow button.',
    "Remove all %s",
    "Remove selected %s",
    "Available %s",
    "Chosen %s",
]


def catalog(client) -> dict:
    script = client.get("/admin/jsi18n/").content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))


def test_every_string_of_the_picker_is_chinese_and_polite(client, station_manager):
    client.force_login(station_manager)
    translated = catalog(client)
    with open(finders.find("admin/js/SelectFilter2.js"), encoding="utf-8") as script:
        source = script.read()
    for msgid in SELECT_FILTER_STRINGS:
        assert msgid.replace('"', '\\"') in source or msgid in source  # still what Django's script asks for
        assert msgid in translated, msgid
        assert re.search(r"[\u4e00-\u9fff]", translated[msgid]) and "你" not in translated[msgid]
    texts = [text for value in translated.values() for text in (value if isinstance(value, list) else [value])]
    assert all("你" not in text for text in texts)
