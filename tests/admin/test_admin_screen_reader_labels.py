"""The admin's labels for screen readers, which Django's Chinese catalog lacks, are read in Chinese."""

from tests.admin.conftest import page


def test_the_index_and_the_sidebar_label_their_columns_in_chinese(client, station_manager):
    client.force_login(station_manager)
    for url in ("/admin/", "/admin/volunteers/award/"):
        html = page(client.get(url))
        assert "添加链接" in html and "修改或查看列表的链接" in html, url
        for english in ("Model name", "Add link", "Change or view list link"):
            assert english not in html, (url, english)


def test_a_form_with_a_mistake_says_so_in_the_page_title(client, station_manager):
    client.force_login(station_manager)
    html = page(client.post("/admin/volunteers/award/add/", {}))
    assert "<title>错误：" in html and "Error:" not in html
