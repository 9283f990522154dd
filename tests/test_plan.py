"""/plan: kabot proposes the month's visits, the person adjusts and confirms; R9 holds them
to it and the digest counts planned against visited."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.flows import file_visit
from tests.harness import TZ, Kabot
from tests.test_monthly_rules import due, only

ZHOU = 500200102  # 周丽, YT field: 家乐福（华东区） and others are hers
SUN = 500200101  # 孙伟, YT manager
ZHANG = 500100103  # 张敏, centre KA manager with the R8 quota
WANG = 500100101  # 王建国, director


def labels(markup: dict) -> list[str]:
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


async def test_a_plan_is_proposed_adjusted_confirmed_and_followed(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R9")
    zhou, sun = org.person(ZHOU, "周丽"), org.person(SUN, "孙伟")
    await sun.send("/start")
    org.clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=TZ))
    await zhou.send("/plan")
    plan = zhou.last_message()
    assert "2026-12 拜访计划" in plan["text"]
    shown = labels(plan["reply_markup"])
    assert "✅ 家乐福（华东区） · B" in shown  # hers, monthly, last visited in August
    assert not any("冰品" in t for t in shown)
    await zhou.press("✅ 家乐福（华东区） · B")  # out …
    assert "➕ 家乐福（华东区） · B" in labels(zhou.last_message()["reply_markup"])
    await zhou.press("➕ 家乐福（华东区） · B")  # … and in again
    planned = await org.store.plans.planned(zhou_id := (await staff_id(org, "YT002")), "2026-12")
    await zhou.send("/plan 哈尔滨恒通")  # a bimonthly distributor visited in September
    await zhou.press("➕ 哈尔滨恒通食品贸易有限公司 · C")
    await zhou.press("确认计划")
    assert "计划已确认" in zhou.alert_text()
    now_planned = await org.store.plans.planned(zhou_id, "2026-12")
    assert len(now_planned) == len(planned) + 1

    await zhou.send("/plan " + "x" * 50)
    assert "太长了" in zhou.last_reply()
    await zhou.send("/plan 沃尔玛北京")
    assert "没有找到" in zhou.last_reply()
    await zhou.press_data("vp:2026-11:t:1", zhou.last_message()["message_id"])
    assert "过期" in zhou.alert_text()  # last month's plan buttons
    wang = org.person(WANG, "王建国")
    await wang.send("/plan")
    assert "由本部一线人员和经理制订" in wang.last_reply()

    org.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TZ))
    await file_visit(zhou)  # 家乐福 visited
    await due(org, monkeypatch, "2026-12-24T09:00")  # 7 days before month end
    reminder = next(t for t in zhou.private.texts() if t.startswith("⏰ R9"))
    assert "哈尔滨恒通食品贸易有限公司" in reminder and "家乐福（华东区）" not in reminder
    digest = next(t for t in reversed(sun.private.texts()) if t.startswith("📋"))
    assert f"已拜访 1/{len(now_planned)}" in digest


async def test_a_centre_ka_manager_is_proposed_enough_for_the_quota(org: Kabot) -> None:
    zhang = org.person(ZHANG, "张敏")
    org.clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=TZ))
    await zhang.send("/plan")
    customers = await org.store.plans.planned(await staff_id(org, "KA003"), "2026-12")
    kinds = [c.kind.value for c in [await org.store.customers.by_id(i) for i in customers] if c]
    assert kinds.count("ka_retailer") >= 1 and kinds.count("key_distributor") >= 2


async def staff_id(org: Kabot, code: str) -> int:
    person = await org.store.staff.by_code(code)
    assert person is not None
    return person.id
