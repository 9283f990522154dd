"""What a roster may say, in the words offices use: sheet names, headers, cell values."""

from __future__ import annotations

import re

from bot.models import CustomerKind, CustomerType, Role, VisitClass

# Sheet → the names it may go by (file stem for CSV folders, sheet title for workbooks).
SHEETS: dict[str, tuple[str, ...]] = {
    "units": ("units", "事业本部", "本部"),
    "staff": ("staff", "人员", "员工"),
    "customers": ("customers", "客户"),
    # R13: the stores of KA customers, and each unit's A-class assortment standard.
    "stores": ("stores", "门店"),
    "assortment": ("assortment", "a类标准", "铺货标准", "a类店铺铺货标准"),
}

# Column → (required, header names it may go by).
COLUMNS: dict[str, dict[str, tuple[bool, tuple[str, ...]]]] = {
    "units": {
        "code": (True, ("code", "代码", "编码")),
        "name": (True, ("name", "名称", "本部名称")),
        "kind": (False, ("kind", "类别", "类型")),
        "group_chat_id": (False, ("group_chat_id", "group chat id", "群组id", "群id")),
        "responsible": (False, ("responsible", "第一负责人", "负责人")),
    },
    "staff": {
        "code": (True, ("code", "工号", "编号")),
        "name": (True, ("name", "姓名")),
        "role": (True, ("role", "角色")),
        "unit": (False, ("unit", "所属本部", "本部")),
        "telegram_id": (False, ("telegram_id", "telegram id", "telegram")),
        "username": (False, ("username", "用户名", "telegram用户名")),
        "language": (False, ("language", "语言")),
        "status": (False, ("status", "状态")),
    },
    "customers": {
        "code": (True, ("code", "客户编码", "编码")),
        "name": (True, ("name", "客户名称", "名称")),
        "kind": (True, ("kind", "客户类别", "类别")),
        "type": (False, ("type", "客户类型", "类型")),
        "grade": (True, ("grade", "等级", "客户等级")),
        "visit_class": (True, ("visit_class", "visit class", "拜访频次", "拜访类别")),
        "region": (False, ("region", "区域")),
        "route": (False, ("route", "线路")),
        "unit": (True, ("unit", "所属本部", "本部")),
        "staff": (False, ("staff", "负责人员", "对接人员", "负责人")),
        "last_visit": (False, ("last_visit", "last visit", "上次拜访", "上次拜访日期")),
        "status": (False, ("status", "状态")),
    },
    "stores": {
        "code": (True, ("code", "门店编码", "编码")),
        "name": (True, ("name", "门店名称", "名称")),
        "customer": (True, ("customer", "所属客户", "客户编码", "客户")),
        "region": (False, ("region", "区域")),
        "status": (False, ("status", "状态")),
    },
    "assortment": {
        "code": (True, ("code", "单品编码", "编码")),
        "name": (True, ("name", "单品名称", "名称")),
        "unit": (True, ("unit", "所属本部", "本部")),
        "class": (False, ("class", "类别", "单品类别")),
        "status": (False, ("status", "状态")),
    },
}

# Cell words → values. Lower-cased English and the Chinese an office would write.
ROLE_WORDS = {
    Role.FIELD: ("field", "一线", "一线人员", "ka人员", "本部ka人员", "客户经理", "业务员"),
    Role.MANAGER: ("manager", "经理", "ka经理", "中心ka经理", "第一负责人", "营销第一负责人"),
    Role.DIRECTOR: (
        "director",
        "总监",
        "主任",
        "中心主任",
        "营销总监",
        "重点客服中心主任",
        "marketing director",
    ),
    Role.ADMIN: ("admin", "信息员", "管理员"),
}
# Directors who decide a promotion's or a new customer's second step; other directors are
# the KA centre's (中心主任) and decide the first.
MARKETING_DIRECTOR_WORDS = ("营销总监", "总监", "marketing director")

UNIT_KIND_WORDS = {
    False: ("unit", "business unit", "事业本部", "本部"),
    True: ("centre", "center", "ka centre", "ka中心", "中心", "集团重点客户中心"),
}
CUSTOMER_KIND_WORDS = {
    CustomerKind.KA_RETAILER: ("ka_retailer", "ka retailer", "ka", "ka零售", "零售系统", "卖场"),
    CustomerKind.KEY_DISTRIBUTOR: ("key_distributor", "key distributor", "重点经销商", "经销商"),
    CustomerKind.SPECIAL_CHANNEL: ("special_channel", "special channel", "特通", "特殊通路"),
}
CUSTOMER_TYPE_WORDS = {
    CustomerType.INDUSTRY_LEADER: ("industry_leader", "industry leader", "行业龙头", "龙头"),
    CustomerType.SCALE: ("scale", "规模主导", "规模"),
    CustomerType.STRATEGIC_PARTNER: ("strategic_partner", "strategic partner", "战略伙伴"),
}
VISIT_CLASS_WORDS = {
    VisitClass.MONTHLY: ("monthly", "每月", "月度", "月"),
    VisitClass.BIMONTHLY: ("bimonthly", "双月", "每两月", "两月"),
    VisitClass.QUARTERLY: ("quarterly", "季度", "每季", "每季度", "季"),
}
LANGUAGE_WORDS = {"zh": ("zh", "中文", "chinese", "汉语"), "en": ("en", "english", "英文", "英语")}
# A SKU of the A-class standard: key SKUs (重点品) are fined at R13's key_sku amount.
SKU_CLASS_WORDS = {True: ("key", "重点", "重点品"), False: ("regular", "常规", "常规品", "一般")}
STATUS_WORDS = {True: ("active", "在职", "启用", "正常"), False: ("inactive", "离职", "停用")}

USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
