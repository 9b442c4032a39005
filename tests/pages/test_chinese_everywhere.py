def test_the_api_docs_have_chinese_tags_and_summaries(client, db):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["info"]["description"].startswith("新时代文明实践")
    assert {tag["name"] for tag in schema["tags"]} >= {"活动与报名", "志愿服务证明", "签到与服务记录"}
    operations = [op for ops in schema["paths"].values() for op in ops.values() if "operationId" in op]
    assert all(op.get("summary") for op in operations)
    publish = schema["paths"]["/api/v1/events/{id}/publish/"]["post"]
    assert publish["tags"] == ["活动与报名"] and publish["summary"] == "发布活动"


def test_the_task_results_admin_section_is_in_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert "后台任务" in html and "任务结果" in html and "Tasks Database Backend" not in html
