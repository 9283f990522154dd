"""R18 (seed 001 五(四)4): after a complaint is resolved, its reporter asks the customer and
records their satisfaction — from the stars on the "resolved" message or /satisfaction —
within 5 working days of the reply; reminded the day before, overdue to them and their
managers' digest; an unhappy customer is posted to the KA centre's group."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.flows import file_complaint
from tests.harness import TZ, Group, Kabot, Person
from tests.test_calendar_walk import reply
from tests.test_issue_and_lists import file_issue
from tests.test_monthly_rules import digests, due, only

ZHANG = 500100103  # 张敏, the KA centre
SUN = 500200101  # 孙伟, YT's first responsible person (a manager)
ZHOU = 500200102  # 周丽, YT field: she reports


def at(kabot: Kabot, moment: str) -> None:
    kabot.clock.set(datetime.fromisoformat(moment).replace(tzinfo=TZ))


async def resolved(org: Kabot) -> tuple[Group, Person, Person]:
    """周丽's complaint of Tuesday 1 December, answered by the centre on Wednesday the 2nd:
    the customer's answer is due by Wednesday the 9th (5 working days)."""
    centre = await org.bound_group("KA", "KA中心群")
    zhang, zhou = org.person(ZHANG, "张敏"), org.person(ZHOU, "周丽")
    await zhang.send("/start")
    await zhou.send("/start")
    at(org, "2026-12-01T10:00")
    await file_complaint(zhou)
    at(org, "2026-12-02T10:00")
    await reply(zhang, centre, 1, "已下架并向顾客致歉")
    return centre, zhang, zhou


def stars(message: dict[str, object]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])  # type: ignore[attr-defined]
    return [
        b["callback_data"] for row in rows for b in row if b["callback_data"].startswith("sf:")
    ]


async def test_the_reporter_records_the_customers_answer_once_and_reminders_stop(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R18")
    centre, zhang, zhou = await resolved(org)
    told = zhou.last_message()
    assert "书面回复并关闭" in told["text"] and "是否满意" in told["text"]
    assert stars(told) == [f"sf:1:{n}" for n in range(1, 6)]
    assert any(
        "重新打开" in b["text"] for row in told["reply_markup"]["inline_keyboard"] for b in row
    )

    # Only the reporter answers for her customer; forged and garbled presses change nothing.
    await zhang.press_data("sf:1:5", zhang.last_message()["message_id"])  # forged: not hers
    assert "没有权限" in zhang.alert_text()
    for forged in ("sf:1:9", "sf:1:", "sf:abc:3", "sf:99999:3", "sf:" + "9" * 60 + ":1"):
        await zhou.press_data(forged, told["message_id"])
        assert "过期" in zhou.alert_text(), forged
    assert await org.store.satisfactions.of(1) is None

    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-07T09:00")
    await due(org, monkeypatch, "2026-12-08T09:00")  # the day before
    reminder = zhou.private.reminders()[-1]
    assert reminder.startswith("⏰ R18") and "I1 · 永辉超市（华南区）" in reminder
    assert "2026-12-09" in reminder and "/satisfaction" in reminder

    await zhou.send("/satisfaction")
    card = zhou.last_message()
    assert "I1" in card["text"] and "已下架并向顾客致歉" in card["text"]
    await zhou.press("2⭐")
    assert "已记录：客户满意度 2/5" in zhou.alert_text()
    assert "客户满意度：2/5" in zhou.last_reply() and stars(zhou.last_message()) == []
    unhappy = centre.texts()[-1]
    assert "不满意" in unhappy and "I1" in unhappy and "2/5" in unhappy and "周丽" in unhappy

    await zhou.press_data("sf:1:5", told["message_id"])  # the first message's stars, later
    assert "已经记录过了（2/5）" in zhou.alert_text()
    saved = await org.store.satisfactions.of(1)
    assert saved is not None and saved.score == 2
    await zhou.send("/satisfaction")
    assert "没有等待" in zhou.last_reply()

    seen = len(zhou.private.texts())
    await due(org, monkeypatch, "2026-12-10T09:00")  # met: no overdue notice
    assert not any("R18" in t for t in zhou.private.texts()[seen:])
    rows = await org.store.db.fetch_all("SELECT met_at FROM obligations WHERE rule = 'R18'")
    assert [r["met_at"] is not None for r in rows] == [True]


async def test_an_unanswered_complaint_is_overdue_to_the_reporter_and_her_managers_digest(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R18")
    sun = org.person(SUN, "孙伟")
    await sun.send("/start")
    centre, _, zhou = await resolved(org)
    await due(org, monkeypatch, "2026-12-10T09:00")
    assert any(t.startswith("逾期：R18") or "逾期：R18" in t for t in zhou.private.texts())
    assert not any("R18" in t for t in centre.texts())  # the reporter's, not the centre's
    assert "R18" in digests(sun)[-1] and "已逾期" in digests(sun)[-1]
    await zhou.press("5⭐")  # still possible after the deadline
    assert "已记录" in zhou.alert_text()
    assert not any("不满意" in t for t in centre.texts())


async def test_no_stars_for_an_issue_that_is_not_a_complaint(org: Kabot) -> None:
    centre = await org.bound_group("KA", "KA中心群")
    zhang, zhou = org.person(ZHANG, "张敏"), org.person(ZHOU, "周丽")
    await zhang.send("/start")
    await zhou.send("/start")
    await file_issue(zhou, photos=0)  # 断货, not a complaint
    await reply(zhang, centre, 1, "已补货")
    told = zhou.last_message()
    assert "书面回复并关闭" in told["text"] and stars(told) == []
    await zhou.press_data("sf:1:3", told["message_id"])
    assert "不能记录满意度" in zhou.alert_text()
    await zhou.send("/satisfaction")
    assert "没有等待" in zhou.last_reply()
    in_group = org.person(ZHOU, "周丽")
    await in_group.send("/satisfaction", centre)
    assert "私聊" in centre.texts()[-1]


async def test_a_reopened_complaint_asks_the_customer_again_after_the_next_reply(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R18")
    centre, zhang, zhou = await resolved(org)
    await due(org, monkeypatch, "2026-12-02T11:00")  # R18's first obligation is planned
    await zhou.press("4⭐")
    assert (saved := await org.store.satisfactions.of(1)) is not None and saved.score == 4
    # The customer calls again: the goods are back on the shelf. The centre reopens it.
    at(org, "2026-12-03T10:00")
    card = next(m for m in reversed(centre.bot_messages()) if "I1" in (m.get("text") or ""))
    await zhang.press_data("ih:1:reopen", card["message_id"], centre)
    await zhang.send("问题商品又上架了，顾客再次投诉")
    await zhang.press("提交")
    assert "已重新打开" in zhang.last_reply()
    assert await org.store.satisfactions.of(1) is None  # that answer no longer stands
    await zhou.send("/satisfaction")
    assert "没有等待" in zhou.last_reply()  # open again: nothing to ask yet

    at(org, "2026-12-10T10:00")  # answered again on Thursday: due Thursday the 17th
    card = next(m for m in reversed(centre.bot_messages()) if "I1" in (m.get("text") or ""))
    await zhang.press_data("ih:1:reply", card["message_id"], centre)
    await zhang.send("已全部下架封存，并对门店经理通报")
    await zhang.press("提交")
    await due(org, monkeypatch, "2026-12-16T09:00")  # the day before the new deadline
    reminder = zhou.private.reminders()[-1]
    assert reminder.startswith("⏰ R18") and "2026-12-17" in reminder
    await zhou.send("/satisfaction")
    await zhou.press("5⭐")
    assert (saved := await org.store.satisfactions.of(1)) is not None and saved.score == 5
    rows = await org.store.db.fetch_all(
        "SELECT subject, met_at FROM obligations WHERE rule = 'R18' ORDER BY id"
    )
    assert [r["subject"] for r in rows] == ["satisfaction:1:reopened:1", "satisfaction:1"]
    await due(org, monkeypatch, "2026-12-18T09:00")
    rows = await org.store.db.fetch_all("SELECT met_at FROM obligations WHERE rule = 'R18'")
    assert all(r["met_at"] is not None for r in rows)
