"""The appointment pages name no unit beyond the user's reach, whatever id the address carries."""

import pytest

from tests.admin.test_appoint_managers_page import OVERVIEW, logged_in, remove_page, text, unit_page


@pytest.mark.parametrize("code", ["C2", "I3", "I2", "C"])
def test_the_overview_filtered_by_a_parent_outside_reach_names_no_unit(tree, institute_manager, code):
    response = logged_in(institute_manager).get(OVERVIEW, {"parent": tree[code].pk})
    assert response.status_code == 200
    html = text(response)
    assert f"{code} 单位" not in html and "S4 单位" not in html and "S3 单位" not in html


def test_the_overview_filtered_by_the_users_own_unit_names_it(tree, institute_manager):
    html = text(logged_in(institute_manager).get(OVERVIEW, {"parent": tree["I1"].pk}))
    assert "I1 单位的直属下级单位" in html and "S1 单位" in html


@pytest.mark.parametrize("code", ["S4", "I3", "C2", "S3", "I1"])
def test_a_refusal_names_no_unit(tree, institute_manager, code):
    client = logged_in(institute_manager)
    for response in (client.get(unit_page(tree[code])), client.post(unit_page(tree[code]), {"phone": "13800000000"})):
        assert response.status_code == 403
        html = text(response)
        assert "上级单位" in html and f"{code} 单位" not in html
    response = client.get(remove_page(tree[code], institute_manager))
    assert response.status_code == 403 and f"{code} 单位" not in text(response)
