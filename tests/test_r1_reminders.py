"""R1 — a business unit's KA data by the 8th — walked with `run_bot.py jobs run-due --now`."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.cli import run_cli
from tests.harness import TZ, Group, Kabot, Person

SUN = 500200101  # 孙伟, YT's first responsible person
LIN = 500400101  # 林峰, NF's first responsible person (何军 of BQ never wrote to kabot)


async def due(kabot: Kabot, monkeypatch: pytest.MonkeyPatch, moment: str) -> str:
    code, out, err = await run_cli(kabot, monkeypatch, "jobs", "run-due", "--now", moment)
    assert code == 0, err
    return out


async def heads(org: Kabot) -> tuple[Group, Person, Person]:
    group = await org.bound_group("YT", "液态奶KA群")
    sun, lin = org.person(SUN, "孙伟"), org.person(LIN, "林峰")
    await sun.send("/start")
    await lin.send("/start")
    return group, sun, lin


def reminders(person: Person) -> list[str]:
    return [t for t in person.private.texts() if "R1" in t]


async def test_a_month_of_r1_reminders_sent_once_each(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    group, sun, lin = await heads(org)
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-04T09:00")
    assert "发送 2 条" in await due(org, monkeypatch, "2026-12-05T09:00")
    assert "还有 3 天" in reminders(sun)[-1] and "2026-11" in reminders(sun)[-1]
    assert "还有 3 天" in reminders(lin)[-1]
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-05T09:00")  # twice: nothing new

    org.clock.set(datetime(2026, 12, 6, 10, 0, tzinfo=TZ))  # NF submits its data
    await lin.send("/data")
    await lin.press("2026-11")
    await lin.press("跳过")
    await lin.send("100万")
    for _ in range(4):
        await lin.press("跳过")
    await lin.press("提交")

    out = await due(org, monkeypatch, "2026-12-07T22:30")  # quiet hours: YT's and BQ's wait
    assert "发送 0 条" in out and "2 条因免打扰时段稍后发送" in out
    out = await due(org, monkeypatch, "2026-12-08T08:00")
    assert "发送 1 条（其中补发 1 条）" in out
    assert "就是今天" in reminders(sun)[-1]  # late, it says how things stand now
    assert len(reminders(lin)) == 1  # met: NF's reminders stopped at once

    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-09T09:00")
    overdue = group.texts()[-1]
    assert "逾期：R1" in overdue and "孙伟" in overdue and "遇节假日不得顺延" in overdue
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-09T09:00")
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-15T09:00")
    outcomes = await org.store.db.fetch_all(
        "SELECT o.subject, n.kind, n.outcome FROM notices_sent n"
        " JOIN obligations o ON o.id = n.obligation_id ORDER BY n.rowid"
    )
    by_kind = {(r["subject"], r["kind"]): r["outcome"] for r in outcomes}
    yt = await org.store.units.by_code("YT")
    assert yt is not None
    assert by_kind[(f"unit:{yt.id}", "remind:0")] == "skipped"
    assert by_kind[(f"unit:{yt.id}", "overdue")] == "sent"


async def test_after_downtime_a_passed_deadline_gets_only_its_overdue_notice(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    group, sun, _ = await heads(org)
    out = await due(org, monkeypatch, "2026-12-10T12:00")  # kabot was down since the 4th
    # Three units' three reminders are replaced by the overdue notices: YT's in its group,
    # NF's (no group) to its head; BQ's head never wrote to kabot and cannot be told.
    assert "发送 2 条（其中补发 2 条），跳过 9 条" in out
    assert reminders(sun) == []
    assert "逾期：R1" in group.texts()[-1]


async def test_a_reminder_missed_while_down_is_sent_once_late(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, sun, _ = await heads(org)
    out = await due(org, monkeypatch, "2026-12-07T15:00")  # down on the 5th and the 7th
    assert "发送 2 条（其中补发 2 条）" in out and "跳过 3 条" in out  # each unit's 3-day one
    assert ["还有 1 天" in t for t in reminders(sun)] == [True]
