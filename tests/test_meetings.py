"""R16 (seed 001 五(二)2): a business meeting with each KA customer every quarter, its minutes
filed with /meeting. One obligation a unit and quarter, answered for by its first responsible
person: reminders 14 and 3 days before the quarter's end name the customers still to meet;
overdue, the same to them privately, the managers' digests and the director."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.harness import TZ, Kabot, Person
from tests.test_monthly_rules import due, only

SUN = 500200101  # 孙伟, YT's first responsible person
ZHOU = 500200102  # 周丽, YT field
WANG = 500100101  # 王建国, the centre's director


def at(kabot: Kabot, moment: str) -> None:
    kabot.clock.set(datetime.fromisoformat(moment).replace(tzinfo=TZ))


async def file_meeting(person: Person, search: str, customer: str) -> None:
    await person.send("/meeting")
    await person.send(search)
    await person.press(customer)
    await person.press("今天")
    await person.send("三季度销量同比增长8%，端架费用已结清")
    await person.send("竞品在华南大力促销，客户门店客流下降")
    await person.send("对账周期长：双方同意改为月结")
    await person.send("一季度春节礼盒联合促销，40家门店")
    await person.press("跳过")
    assert "季度业务沟通会" in person.last_reply()
    await person.press("提交")


def r16(person: Person) -> list[str]:
    return [t for t in person.private.reminders() if t.startswith("⏰ R16")]


async def test_a_quarter_of_meetings_reminded_by_what_is_left_and_met_by_the_last(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R16")
    yt = await org.bound_group("YT", "液态奶KA群")
    sun, zhou = org.person(SUN, "孙伟"), org.person(ZHOU, "周丽")
    await sun.send("/start")
    await zhou.send("/start")
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-16T09:00")
    await due(org, monkeypatch, "2026-12-17T09:00")  # 14 days before 31 December
    assert len(r16(sun)) == 1 and "2026-Q4" in r16(sun)[0] and "2026-12-31" in r16(sun)[0]
    assert "永辉超市（华南区）" in r16(sun)[0] and "沃尔玛（华南区）" in r16(sun)[0]

    at(org, "2026-12-18T15:00")
    await file_meeting(zhou, "永辉", "永辉超市（华南区）")
    assert "已记录 永辉超市（华南区） 2026-Q4 季度业务沟通会" in zhou.last_reply()
    minutes = yt.texts()[-1]
    assert minutes.startswith("🤝") and "永辉超市（华南区）" in minutes
    assert "改为月结" in minutes and "春节礼盒" in minutes and "周丽" in minutes
    stored = await org.store.meetings.by_id(1)
    assert stored is not None and stored.held_on == date(2026, 12, 18)

    await due(org, monkeypatch, "2026-12-28T09:00")  # 3 days before: the nine left
    assert len(r16(sun)) == 2
    assert "永辉超市（华南区）" not in r16(sun)[-1] and "沃尔玛（华南区）" in r16(sun)[-1]

    # The other nine meetings are filed (by the form elsewhere); the last one meets R16.
    person = await org.store.staff.by_code("YT002")
    assert person is not None
    minutes_text = dict.fromkeys(("last_quarter", "market", "problems", "next_quarter"), "…")
    for customer in await org.store.db.fetch_all(
        "SELECT c.id FROM customers c JOIN business_units u ON u.id = c.unit_id"
        " WHERE u.code = 'YT' AND c.kind = 'ka_retailer' AND c.name != '永辉超市（华南区）'"
    ):
        await org.store.meetings.add(
            customer["id"], person.unit_id or 0, date(2026, 12, 29), minutes_text, None, person
        )
    await due(org, monkeypatch, "2026-12-30T09:00")
    rows = await org.store.db.fetch_all(
        "SELECT o.met_at FROM obligations o JOIN business_units u ON u.id = o.unit_id"
        " WHERE o.rule = 'R16' AND u.code = 'YT'"
    )
    assert len(rows) == 1 and rows[0]["met_at"] is not None


async def test_meetings_missed_are_overdue_to_the_head_and_the_director(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R16")
    sun, wang = org.person(SUN, "孙伟"), org.person(WANG, "王建国")
    await sun.send("/start")
    await wang.send("/start")
    await due(org, monkeypatch, "2026-12-28T09:00")
    await due(org, monkeypatch, "2027-01-04T09:00")  # the quarter is over
    overdue = [t for t in sun.private.texts() if "逾期：R16" in t]
    assert (
        len(overdue) == 1
        and "尚未召开业务沟通会" in overdue[0]
        and "永辉超市（华南区）" in overdue[0]
    )
    assert any("升级：R16" in t for t in wang.private.texts())
    rows = await org.store.db.fetch_all(
        "SELECT DISTINCT period FROM obligations WHERE rule = 'R16' ORDER BY period"
    )
    assert [r["period"] for r in rows] == ["2026-Q4", "2027-Q1"]  # the next quarter's began


async def test_only_writers_file_meetings_and_the_minutes_are_required(org: Kabot) -> None:
    wang = org.person(WANG, "王建国")
    await wang.send("/meeting")
    assert "不能填写" in wang.last_reply()
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/meeting")
    await zhou.send("永辉")
    await zhou.press("永辉超市（华南区）")
    await zhou.press("今天")
    await zhou.send("x" * 5000)  # over the prose limit
    assert "1500" in zhou.last_reply()
    assert await org.store.db.fetch_all("SELECT id FROM customer_meetings") == []
