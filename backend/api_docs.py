"""The API documentation in Chinese: one tag per area and a summary on every operation.

A drf-spectacular post-processing hook, so the viewsets stay free of documentation
boilerplate; an operation documented with its own summary keeps it.
"""

import re

# Resource (the first path segment after /api/v1/) → (area tag, noun).
RESOURCES = {
    "auth": ("认证", "登录"),
    "units": ("实践单位", "实践单位"),
    "volunteers": ("志愿者与队伍", "志愿者"),
    "teams": ("志愿者与队伍", "志愿服务队"),
    "skills": ("志愿者与队伍", "技能"),
    "me": ("志愿者与队伍", "我的档案"),
    "events": ("活动与报名", "活动"),
    "checkins": ("签到与服务记录", "扫码签到"),
    "records": ("签到与服务记录", "服务记录"),
    "refused-scans": ("签到与服务记录", "被拒绝的扫码"),
    "correction-requests": ("签到与服务记录", "记录更正申请"),
    "record-deadlines": ("签到与服务记录", "记录审核期限"),
    "trainings": ("培训、表彰与评价", "培训记录"),
    "awards": ("培训、表彰与评价", "表彰奖励"),
    "evaluations": ("培训、表彰与评价", "服务评价"),
    "certificates": ("志愿服务证明", "志愿服务证明"),
    "certificate-requests": ("志愿服务证明", "证明申请"),
    "certificate-jobs": ("志愿服务证明", "批量出具任务"),
    "stats": ("统计与导出", "统计"),
    "activity-photos": ("活动与报名", "活动照片"),
    "menu-categories": ("群众点单", "服务清单分类"),
    "menu-items": ("群众点单", "服务项目"),
    "orders": ("群众点单", "点单"),
    "order-ratings": ("群众点单", "评单"),
    "residents": ("群众点单", "居民"),
    "shop-items": ("积分与爱心超市", "爱心超市物品"),
    "redemptions": ("积分与爱心超市", "兑换记录"),
    "me/points": ("积分与爱心超市", "我的积分"),
    "me/gifts": ("积分与爱心超市", "积分转赠"),
    "me/donations": ("积分与爱心超市", "积分捐赠"),
    "me/exchange-code": ("积分与爱心超市", "兑换码"),
    "stats/points": ("统计与导出", "积分统计"),
    "series": ("活动与报名", "周期活动"),
    "signups": ("活动与报名", "报名"),
    "absences": ("活动与报名", "缺席统计"),
    "me/absences": ("活动与报名", "我的缺席记录"),
    "me/notifications": ("消息与日历", "站内消息"),
    "me/notification-choices": ("消息与日历", "通知偏好"),
    "me/notification-address": ("消息与日历", "通知地址"),
    "me/wechat-consents": ("消息与日历", "微信订阅授权"),
    "me/calendar-feed": ("消息与日历", "我的日历订阅"),
    "venues": ("阵地与品牌项目", "阵地"),
    "venue-bookings": ("阵地与品牌项目", "阵地预约"),
    "projects": ("阵地与品牌项目", "品牌项目"),
    "volunteer-cards": ("签到与服务记录", "志愿者卡"),
    "scanner-devices": ("签到与服务记录", "扫码设备"),
    "scanner": ("签到与服务记录", "离线扫码"),
    "offline-scans": ("签到与服务记录", "离线扫码记录"),
    # reports/ holds several areas: the second path segment names the resource.
    "reports/dashboard": ("台账与测评", "测评指标"),
    "reports/ledgers": ("台账与测评", "台账"),
    "reports/assessment": ("台账与测评", "测评自查"),
    "reports/projects": ("统计与导出", "品牌项目清单"),
    "reports/orders": ("统计与导出", "点单统计"),
    "reports/annual": ("统计与导出", "年度报告"),
    "reports/national-export": ("统计与导出", "全国志愿服务信息系统导出"),
}

TAGS = [
    {"name": "认证", "description": "手机号和密码换取令牌；查询当前登录用户。"},
    {"name": "实践单位", "description": "新时代文明实践中心、所、站三级单位及其管理员。"},
    {"name": "志愿者与队伍", "description": "志愿者实名注册、档案（身份证号和手机号对他人脱敏）、技能和志愿服务队。"},
    {"name": "活动与报名", "description": "活动的发布、取消、报名、候补，以及现场签到二维码和管理员扫码。"},
    {
        "name": "签到与服务记录",
        "description": "扫码签到签退、服务记录的审核与更正、变更历史和被拒绝的扫码；"
        "志愿者卡，离线扫码的设备、数据包、上传与复核。",
    },
    {"name": "培训、表彰与评价", "description": "《志愿服务条例》第十九条要求记录的培训、表彰奖励和服务评价。"},
    {"name": "志愿服务证明", "description": "出具、下载、撤销和核验志愿服务证明；志愿者申请；批量出具。"},
    {"name": "群众点单", "description": "服务清单、居民点单、审单、派单、接单、服务、评单和公示。"},
    {"name": "积分与爱心超市", "description": "服务积分（审核后计入、驳回时冲正）、爱心超市兑换、转赠和捐赠。"},
    {
        "name": "消息与日历",
        "description": "站内消息、通知渠道选择（站内、短信、微信、邮件）、微信订阅授权、日历订阅（.ics）。",
    },
    {
        "name": "阵地与品牌项目",
        "description": "阵地（场馆、农家书屋等）的开放时间和预约规则、群众和队伍预约、管理员审核；品牌项目及其成效。",
    },
    {"name": "台账与测评", "description": "单位按月、季、年生成的台账（PDF、Excel），测评指标看板及其明细。"},
    {"name": "统计与导出", "description": "服务时长统计、年度概况、点单统计，CSV 和 Excel 导出。"},
]

# Custom actions: (action, HTTP method or "*") → summary; {noun} is the resource's noun.
ACTIONS = {
    ("token", "*"): "用手机号和密码获取令牌",
    ("whoami", "*"): "当前登录用户",
    ("logout", "*"): "退出登录（作废当前令牌）",
    ("logout_everywhere", "*"): "在所有设备上退出登录",
    ("photo", "*"): "查看照片",
    ("publish", "*"): "发布活动",
    ("cancel", "*"): "取消活动",
    ("signup", "post"): "报名（名额已满时进入候补）",
    ("signup", "delete"): "取消报名",
    ("signups", "*"): "活动的报名名单",
    ("checkin_code", "*"): "当前的签到二维码",
    ("scan", "*"): "扫志愿者个人码签到或签退",
    ("approve", "*"): "审核通过{noun}",
    ("reject", "*"): "驳回{noun}",
    ("history", "*"): "服务记录的变更历史",
    ("bulk_approve", "*"): "批量审核通过服务记录",
    ("accept", "*"): "受理申请并出具证明",
    ("decline", "*"): "拒绝{noun}",
    ("pdf", "*"): "下载证明 PDF",
    ("zip", "*"): "下载全部证明（ZIP）",
    ("combined_pdf", "*"): "下载合并打印的 PDF",
    ("revoke", "*"): "撤销证明",
    ("reissue", "*"): "重新出具证明",
    ("verify", "*"): "公开核验证明（编号和核验码）",
    ("register", "*"): "志愿者自助注册",
    ("managers", "get"): "单位管理员列表",
    ("managers", "post"): "任命单位管理员",
    ("managers", "delete"): "撤销单位管理员",
    ("hours", "*"): "服务时长统计与导出",
    ("summary", "*"): "单位年度概况",
    ("drilldown", "*"): "{noun}明细（可导出 CSV、Excel）",
    ("download", "*"): "下载{noun}",
    ("split", "*"): "从某次活动起修改周期活动（此次及以后）",
    ("confirm", "*"): "确认参加（回复提醒或候补转正）",
    ("give_back", "*"): "让出名额（候补第一位转正）",
    ("read", "*"): "标为已读",
    ("read_all", "*"): "全部标为已读",
    ("unread_count", "*"): "未读消息数",
    ("reset", "*"): "重置{noun}链接（旧链接失效）",
    ("calendar_feed", "get"): "单位的日历订阅",
    ("calendar_feed_reset", "*"): "重置单位的日历订阅链接（旧链接失效）",
    ("availability", "*"): "某日已被预约的时段（仅时间）",
    ("refuse", "*"): "驳回{noun}（需说明理由）",
    ("volunteers", "*"): "各志愿者的缺席率",
    ("events", "*"): "各活动的缺席率",
}

SPECIAL = {
    ("me", "checkin_code", "retrieve"): "我的个人签到码",
    ("checkins", "", "create"): "扫活动二维码签到或签退",
    ("records", "", "create"): "补录服务记录",
    ("me", "data", "retrieve"): "导出我的个人信息（JSON）",
    ("me", "data_pdf", "retrieve"): "导出我的个人信息（PDF）",
    ("me", "data_photos", "retrieve"): "查看我上传的一张照片（个人信息中所列）",
    ("me", "close_account", "create"): "注销我的账号",
    ("reports/dashboard", "", ""): "各单位当月测评指标（红黄绿灯）",
    ("reports/ledgers", "", "create"): "生成台账",
    ("me/exchange-code", "", "create"): "生成一次性兑换码（十分钟内有效）",
    ("me/donations", "", "create"): "把积分捐给单位的公益池",
    ("reports/national-export", "", "retrieve"): "导出到全国志愿服务信息系统的数据",
    ("projects", "summary", "retrieve"): "品牌项目成效（活动、服务时长、参与志愿者、服务人次、评价）",
    ("venue-bookings", "cancel", "create"): "取消阵地预约",
    ("reports/assessment", "", ""): "单位测评自查：各指标的分子、分母、目标值、红黄绿灯、测评依据及明细链接",
    ("reports/projects", "", ""): "辖区品牌项目清单及成效（JSON，或 CSV、Excel 下载）",
    ("series", "signup", "create"): "报名整个周期活动（以后的每次活动自动报名）",
    ("volunteer-cards", "", "create"): "为志愿者制发志愿者卡（旧卡同时注销）",
    ("volunteer-cards", "revoke", "create"): "注销志愿者卡（遗失等，需说明理由）",
    ("scanner-devices", "", "create"): "登记扫码设备（密钥只显示这一次）",
    ("scanner-devices", "revoke", "create"): "注销扫码设备（下次联网时清除其数据）",
    ("scanner", "events_pack", "retrieve"): "下载活动的离线扫码包（报名名单脱敏、公钥、注销卡）",
    ("scanner", "ping", "retrieve"): "扫码设备联网检测（同时校准时钟）",
    ("scanner", "upload", "create"): "上传离线扫码（按随机标识去重，合并为服务记录）",
    ("offline-scans", "accept", "create"): "复核认可离线扫码冲突（扫码人本人不可复核）",
    ("offline-scans", "dismiss", "create"): "复核驳回离线扫码冲突",
    ("series", "signup", "destroy"): "取消周期活动报名（以后各次的名额让出）",
}

STANDARD = {
    "list": "{noun}列表",
    "create": "新建{noun}",
    "retrieve": "查看{noun}",
    "update": "修改{noun}",
    "partial_update": "部分修改{noun}",
    "destroy": "删除{noun}",
}
SUFFIX = re.compile(r"_(list|create|retrieve|update|partial_update|destroy)(_\d+)?$")


def summary_for(resource: str, operation_id: str, method: str, noun: str) -> str:
    stem = operation_id.removeprefix("api_v1_").removeprefix(resource.replace("-", "_").replace("/", "_"))
    match = SUFFIX.search(stem)
    kind = match.group(1) if match else ""
    action = stem[: match.start()].strip("_") if match else stem.strip("_")
    if (resource, action, kind) in SPECIAL:
        return SPECIAL[(resource, action, kind)]
    if action:
        return ACTIONS.get((action, method), ACTIONS.get((action, "*"), "{noun}：" + action)).format(noun=noun)
    if resource == "me":
        return "查看我的档案" if method == "get" else "修改我的档案"
    return STANDARD.get(kind, noun).format(noun=noun)


def chinese_tags_and_summaries(result: dict, generator, request, public: bool) -> dict:
    """Tag each operation by area and give it a Chinese summary unless it has one."""
    for path, operations in result.get("paths", {}).items():
        parts = path.removeprefix("/api/v1/").split("/")
        resource = "/".join(parts[:2]) if "/".join(parts[:2]) in RESOURCES else parts[0]
        # An area added later without an entry here still gets a tag and a summary.
        tag, noun = RESOURCES.get(resource, ("其他", resource))
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            operation["tags"] = [tag]
            operation.setdefault("summary", summary_for(resource, operation["operationId"], method, noun))
    result["tags"] = TAGS
    return result
