"""R14 (seed 000 5.7.4): an in-store event or advertising — road show, ad position, carts,
checkout — needs its feasibility plan two months before it starts; /event registers it and
files the plan, the KA centre approves it from its group. Reminders that would fall on a
weekend come on the Friday before; the deadline stays on its Sunday."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.harness import TZ, Kabot, Person
from tests.test_monthly_rules import due, only

ZHANG = 500100103  # 张敏, the KA centre
SUN = 500200101  # 孙伟, YT's first responsible person
ZHOU = 500200102  # 周丽, YT field


def at(kabot: Kabot, moment: str) -> None:
    kabot.clock.set(datetime.fromisoformat(moment).replace(tzinfo=TZ))


def r14(person: Person) -> list[str]:
    return [t for t in person.private.reminders() if t.startswith("⏰ R14")]


async def register(person: Person, day: str = "2月20日") -> None:
    """A road show at 永辉超市（华南区）'s 南山店 on ``day``."""
    await person.send("/event")
    assert "还没有登记终端活动" in person.last_reply()
    await person.press("登记终端活动/广告")
    await person.send("永辉")
    await person.press("永辉超市（华南区）")
    await person.press("路演")
    await person.send("春节路演·南山店")
    await person.send(day)
    await person.press("提交")


async def test_a_road_show_plan_reminded_filed_late_and_approved_by_the_centre(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R14")
    centre = await org.bound_group("KA", "KA中心群")
    yt = await org.bound_group("YT", "液态奶KA群")
    zhang, sun, zhou = org.person(ZHANG, "张敏"), org.person(SUN, "孙伟"), org.person(ZHOU, "周丽")
    for person in (zhang, sun, zhou):
        await person.send("/start")
    at(org, "2026-12-01T10:00")
    await register(zhou)
    assert "可行性执行方案须于 2026-12-20 前提交" in zhou.last_reply()

    # −14 days is Sunday 6 December: Friday the 4th; −3 the 17th; the day itself (Sunday
    # the 20th) on Friday the 18th. The deadline stays on the 20th.
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-03T09:00")
    await due(org, monkeypatch, "2026-12-04T09:00")
    assert len(r14(sun)) == 1
    assert "永辉超市（华南区） · 春节路演·南山店 · 2027-02-20" in r14(sun)[0]
    assert "2026-12-20" in r14(sun)[0] and "/event" in r14(sun)[0]
    await due(org, monkeypatch, "2026-12-17T09:00")
    await due(org, monkeypatch, "2026-12-18T09:00")
    assert len(r14(sun)) == 3 and "还有 2 天" in r14(sun)[-1]
    await due(org, monkeypatch, "2026-12-21T09:00")
    assert any("逾期：R14" in t and "春节路演" in t for t in yt.texts())

    at(org, "2026-12-21T10:00")
    await zhou.send("/event")
    assert "方案未报" in zhou.last_reply() and "2026-12-20" in zhou.last_reply()
    await zhou.press("提交可行性执行方案")
    await zhou.press("春节路演·南山店")
    await zhou.send("南山店门口广场，周末两天，促销员6人；客户同意免场地费")
    await zhou.send("3万")
    await zhou.press("提交")
    assert "已提交可行性执行方案" in zhou.last_reply()
    card = next(
        m for m in reversed(centre.bot_messages()) if "可行性执行方案" in (m.get("text") or "")
    )
    assert "¥30,000.00" in card["text"] and "免场地费" in card["text"]

    await zhou.press_data("ea:1", zhou.last_message()["message_id"])  # not the centre's
    assert "没有权限" in zhou.alert_text()
    for forged in ("ea:", "ea:abc", "ea:99999", "ea:" + "1" * 40):
        await zhang.press_data(forged, card["message_id"], centre)
        assert "过期" in zhang.alert_text(), forged
    await zhang.press("批准", centre)
    assert "已批准" in zhang.alert_text()
    shown = next(m for m in centre.bot_messages() if m["message_id"] == card["message_id"])
    assert "张敏 已批准" in shown["text"] and not shown.get("reply_markup")
    await zhang.press_data("ea:1", card["message_id"], centre)
    assert "已经处理过了" in zhang.alert_text()

    event = await org.store.store_events.by_id(1)
    assert event is not None and event.approved and event.plan_on == date(2026, 12, 21)
    await due(org, monkeypatch, "2026-12-22T09:00")
    rows = await org.store.db.fetch_all(
        "SELECT due_on, met_at FROM obligations WHERE rule = 'R14'"
    )
    assert [(r["due_on"], r["met_at"][:10]) for r in rows] == [("2026-12-20", "2026-12-21")]


async def test_a_plan_cannot_be_filed_twice_or_without_an_event(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    await zhou.send("/event")
    await zhou.press("提交可行性执行方案")
    assert "没有待报方案的终端活动" in zhou.last_reply()
    await register(zhou)
    await zhou.send("/event")
    await zhou.press("提交可行性执行方案")
    await zhou.press("春节路演·南山店")
    await zhou.send("方案")
    await zhou.send("abc")  # not an amount
    assert "金额" in zhou.last_reply() or "数字" in zhou.last_reply()
    await zhou.send("1000")
    await zhou.press("提交")
    await zhou.send("/event")
    assert "方案已报" in zhou.last_reply() and "待KA中心批准" in zhou.last_reply()


async def test_the_centre_sends_a_plan_back_with_its_reason_and_it_is_due_again(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R14")
    centre = await org.bound_group("KA", "KA中心群")
    yt = await org.bound_group("YT", "液态奶KA群")
    zhang, zhou, sun = org.person(ZHANG, "张敏"), org.person(ZHOU, "周丽"), org.person(SUN, "孙伟")
    for person in (zhang, zhou, sun):
        await person.send("/start")
    at(org, "2026-12-01T10:00")
    await register(zhou)

    async def file_plan(text: str) -> dict[str, object]:
        await zhou.send("/event")
        await zhou.press("提交可行性执行方案")
        await zhou.press("春节路演·南山店")
        await zhou.send(text)
        await zhou.send("2万")
        await zhou.press("提交")
        return next(
            m for m in reversed(centre.bot_messages()) if "可行性执行方案" in (m.get("text") or "")
        )

    card = await file_plan("周末路演，促销员4人")
    await due(org, monkeypatch, "2026-12-07T09:00")  # within reach: the plan meets R14
    met = await org.store.db.fetch_all("SELECT met_at FROM obligations WHERE rule = 'R14'")
    assert met[0]["met_at"] is not None

    await zhou.press_data("ea:1:back", zhou.last_message()["message_id"])
    assert "没有权限" in zhou.alert_text()  # the centre's decision
    await zhang.press_data("lr:1:back", card["message_id"], centre)
    assert "过期" in zhang.alert_text()  # a receipt has no way back
    at(org, "2026-12-07T10:00")
    await zhang.press("退回", centre)
    assert "私聊" in zhang.alert_text()
    await zhang.send("缺少场地安全方案和客户书面同意")
    await zhang.press("提交")
    assert "已退回" in zhang.last_reply()
    told = [t for t in yt.texts() if "被退回" in t]
    assert len(told) == 1 and "缺少场地安全方案" in told[0] and "2026-12-20" in told[0]
    assert any("被退回" in t for t in zhou.private.texts())  # who filed it hears too
    event = await org.store.store_events.by_id(1)
    assert event is not None and event.plan_on is None and event.return_reason
    met = await org.store.db.fetch_all("SELECT met_at FROM obligations WHERE rule = 'R14'")
    assert met[0]["met_at"] is None  # due again: reminded again
    await due(org, monkeypatch, "2026-12-08T09:00")
    assert any(t.startswith("⏰ R14") for t in sun.private.reminders())

    await zhou.send("/event")
    assert "上次被退回：缺少场地安全方案" in zhou.last_reply()
    old_card = card
    card = await file_plan("周末路演，促销员4人；附场地安全方案，客户已书面同意")
    # The first plan's card still has its buttons in the group: they act on that plan only.
    old_data = next(
        b["callback_data"]
        for row in old_card["reply_markup"]["inline_keyboard"]  # type: ignore[index]
        for b in row
        if "批准" in b["text"]
    )
    assert old_data == "ea:1r1" and "ea:1r2" in str(card["reply_markup"])
    await zhang.press_data(old_data, int(str(old_card["message_id"])), centre)
    assert "已被退回" in zhang.alert_text()
    await zhang.press_data("ea:1r1:back", int(str(old_card["message_id"])), centre)
    assert "已被退回" in zhang.alert_text()
    event = await org.store.store_events.by_id(1)
    assert event is not None and not event.approved and event.plan_rev == 2
    await zhang.press("批准", centre)
    event = await org.store.store_events.by_id(1)
    assert event is not None and event.approved and event.plan_on == date(2026, 12, 7)
