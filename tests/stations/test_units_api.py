import pytest

from stations.models import Level, PracticeUnit
from tests.conftest import client_for, make_unit, make_volunteer


def create(client, **fields):
    return client.post("/api/v1/units/", fields, format="json")


def test_a_station_must_sit_under_an_institute(admin_client_api, tree):
    response = create(admin_client_api, level=Level.STATION, parent=tree["C"].pk, code="X", name="错站")
    assert response.status_code == 400
    assert "parent" in response.json()


def test_an_institute_must_sit_under_a_center(admin_client_api, tree):
    response = create(admin_client_api, level=Level.INSTITUTE, parent=tree["I1"].pk, code="X", name="错所")
    assert response.status_code == 400
    assert "parent" in response.json()


def test_a_center_has_no_parent(admin_client_api, tree):
    response = create(admin_client_api, level=Level.CENTER, parent=tree["C"].pk, code="X", name="错中心")
    assert response.status_code == 400
    response = create(admin_client_api, level=Level.CENTER, code="C3", name="新中心")
    assert response.status_code == 201


def test_only_admins_create_centers(center_manager_client):
    response = create(center_manager_client, level=Level.CENTER, code="C9", name="自封中心")
    assert response.status_code == 403
    assert not PracticeUnit.objects.filter(code="C9").exists()


def test_unit_codes_are_unique(admin_client_api, tree):
    response = create(admin_client_api, level=Level.STATION, parent=tree["I1"].pk, code="S1", name="重复")
    assert response.status_code == 400
    assert "code" in response.json()


def test_moving_a_station_to_another_institute_moves_its_volunteers_subtree(admin_client_api, tree, volunteer):
    response = admin_client_api.patch(f"/api/v1/units/{tree['S1'].pk}/", {"parent": tree["I2"].pk}, format="json")
    assert response.status_code == 200
    i1 = admin_client_api.get(f"/api/v1/units/{tree['I1'].pk}/").json()
    i2 = admin_client_api.get(f"/api/v1/units/{tree['I2'].pk}/").json()
    assert (i1["children_count"], i1["volunteers_count"]) == (1, 0)
    assert (i2["children_count"], i2["volunteers_count"]) == (2, 1)


def test_moving_an_institute_carries_its_stations(admin_client_api, tree):
    response = admin_client_api.patch(f"/api/v1/units/{tree['I1'].pk}/", {"parent": tree["C2"].pk}, format="json")
    assert response.status_code == 200
    assert set(PracticeUnit.objects.subtree_of(PracticeUnit.objects.get(code="C2")).values_list("code", flat=True)) == {
        "C2",
        "I3",
        "S4",
        "I1",
        "S1",
        "S2",
    }


def test_moving_a_station_under_a_station_is_refused(admin_client_api, tree):
    response = admin_client_api.patch(f"/api/v1/units/{tree['S1'].pk}/", {"parent": tree["S2"].pk}, format="json")
    assert response.status_code == 400
    assert PracticeUnit.objects.get(pk=tree["S1"].pk).parent_id == tree["I1"].pk


def test_a_manager_cannot_move_a_unit_out_of_their_subtree(institute_manager, tree):
    client = client_for(institute_manager)
    response = client.patch(f"/api/v1/units/{tree['S1'].pk}/", {"parent": tree["I3"].pk}, format="json")
    assert response.status_code == 400
    assert PracticeUnit.objects.get(pk=tree["S1"].pk).parent_id == tree["I1"].pk


def test_the_level_of_a_unit_cannot_change(admin_client_api, tree):
    response = admin_client_api.patch(f"/api/v1/units/{tree['S3'].pk}/", {"level": Level.INSTITUTE}, format="json")
    assert response.status_code == 400


def test_a_station_manager_cannot_delete_their_own_station(station_manager_client, tree):
    assert station_manager_client.delete(f"/api/v1/units/{tree['S1'].pk}/").status_code == 403


def test_a_unit_with_volunteers_is_not_deleted(admin_client_api, tree, volunteer):
    response = admin_client_api.delete(f"/api/v1/units/{tree['S1'].pk}/")
    assert response.status_code == 409
    assert PracticeUnit.objects.filter(pk=tree["S1"].pk).exists()


def test_units_show_counts_of_children_and_subtree_volunteers(anon_client, tree):
    make_volunteer(tree["S1"])
    make_volunteer(tree["S2"])
    make_volunteer(tree["S3"])
    units = {unit["code"]: unit for unit in anon_client.get("/api/v1/units/?page_size=50").json()["results"]}
    assert (units["C"]["children_count"], units["C"]["volunteers_count"]) == (2, 3)
    assert (units["I1"]["children_count"], units["I1"]["volunteers_count"]) == (2, 2)
    assert (units["S1"]["children_count"], units["S1"]["volunteers_count"]) == (0, 1)
    assert units["C2"]["volunteers_count"] == 0


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("level=institute", {"I1", "I2", "I3"}),
        ("parent={I1}", {"S1", "S2"}),
        ("within={I2}", {"I2", "S3"}),
        ("q=S", {"S1", "S2", "S3", "S4"}),
    ],
)
def test_units_filter_by_level_parent_subtree_and_text(anon_client, tree, query, codes):
    query = query.format(**{code: unit.pk for code, unit in tree.items()})
    results = anon_client.get(f"/api/v1/units/?{query}").json()["results"]
    assert {unit["code"] for unit in results} == codes


def test_subtree_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = set(PracticeUnit.objects.subtree_of(tree["I1"]).values_list("code", flat=True))
    assert codes == {"I1", "S1", "S2"}


def test_a_new_unit_gets_a_path_below_its_parent(tree):
    unit = make_unit("S9", Level.STATION, tree["I2"])
    assert unit.path.startswith(tree["I2"].path) and len(unit.path) == len(tree["I2"].path) + 9


def test_a_unit_created_with_a_preset_id_gets_its_own_path(tree):
    unit = PracticeUnit(pk=500, code="S500", name="预设", level=Level.STATION, parent=tree["I1"])
    unit.save()
    assert unit.path == f"{tree['I1'].path}00000500/"
    assert PracticeUnit.objects.get(code="C").path == tree["C"].path


def test_saving_a_stale_copy_after_a_move_keeps_the_tree_consistent(tree):
    stale_i1 = PracticeUnit.objects.get(pk=tree["I1"].pk)
    moved = PracticeUnit.objects.get(pk=tree["I1"].pk)
    moved.parent = tree["C2"]
    moved.save()
    stale_i1.name = "改名"
    stale_i1.save()
    for unit in PracticeUnit.objects.exclude(parent=None):
        assert unit.path == f"{unit.parent.path}{unit.pk:08d}/", unit.code


def test_a_station_manager_can_put_their_station_with_its_current_parent(station_manager_client, tree):
    url = f"/api/v1/units/{tree['S1'].pk}/"
    body = station_manager_client.get(url).json()
    body["name"] = "东门站"
    fields = ["level", "parent", "code", "name", "address", "contact_name", "contact_phone", "person_in_charge"]
    response = station_manager_client.put(url, {k: body[k] for k in fields}, format="json")
    assert response.status_code == 200, response.json()


def test_removing_a_manager_with_a_huge_id_is_404(admin_client_api, tree):
    url = f"/api/v1/units/{tree['S1'].pk}/managers/9999999999999999999999999/"
    assert admin_client_api.delete(url).status_code == 404
