"""R17 (seed 001 五(三)3): an urgent customer demand gets a first answer within 24 hours
(受理 on the centre's card) and a plan within 3 working days (the written reply); each is
reminded on its morning, overdue to the centre's responsible person, then in the managers'
digests and to the director. Demands that are not urgent, and urgent issues that are not
demands, are R4's (a written reply by the 30th) alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.flows import demand
from tests.harness import TZ, Group, Kabot, Person
from tests.test_calendar_walk import reply
from tests.test_monthly_rules import due, only, site_rule

ZHANG = 500100103  # 张敏, the KA centre's first responsible person
WANG = 500100101  # 王建国, the centre's director
ZHOU = 500200102  # 周丽, YT field


def at(kabot: Kabot, moment: str) -> None:
    kabot.clock.set(datetime.fromisoformat(moment).replace(tzinfo=TZ))


async def people(org: Kabot) -> tuple[Group, Person, Person, Person]:
    centre = await org.bound_group("KA", "KA中心群")
    zhang, wang, zhou = (
        org.person(ZHANG, "张敏"),
        org.person(WANG, "王建国"),
        org.person(ZHOU, "周丽"),
    )
    for person in (zhang, wang, zhou):
        await person.send("/start")
    return centre, zhang, wang, zhou


def r17(person: Person) -> list[str]:
    return [t for t in person.private.reminders() if t.startswith("⏰ R17")]


async def test_an_urgent_demand_is_answered_in_hours_and_planned_in_working_days(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R17")
    centre, zhang, wang, zhou = await people(org)
    at(org, "2026-12-01T10:00")  # Tuesday
    await demand(zhou)
    # The first answer is due 24 hours on (Wednesday 10:00), the plan on Friday the 4th.
    await due(org, monkeypatch, "2026-12-02T09:00")
    assert len(r17(zhang)) == 1 and "I1 · 永辉超市（华南区）" in r17(zhang)[0]
    assert "受理" in r17(zhang)[0]
    card = next(m for m in centre.bot_messages() if "I1" in (m.get("text") or ""))
    at(org, "2026-12-02T09:30")
    await zhang.press_data("ih:1:ack", card["message_id"], centre)
    await due(org, monkeypatch, "2026-12-02T10:30")
    assert not any("逾期：R17" in t for t in zhang.private.texts())  # answered in time

    await due(org, monkeypatch, "2026-12-03T09:00")
    assert len(r17(zhang)) == 1  # the plan's reminder comes on its morning
    await due(org, monkeypatch, "2026-12-04T09:00")
    assert len(r17(zhang)) == 2 and "2026-12-04" in r17(zhang)[-1]
    await due(org, monkeypatch, "2026-12-05T09:00")  # Saturday: the overdue notice waits
    assert not any("逾期：R17" in t for t in zhang.private.texts())
    await due(org, monkeypatch, "2026-12-07T09:00")
    overdue = [t for t in zhang.private.texts() if "逾期：R17" in t]
    assert len(overdue) == 1 and "2026-12-04" in overdue[0]
    assert not any("R17" in t for t in centre.texts())  # no group notice: escalate_to
    assert any("升级：R17" in t for t in wang.private.texts())  # two days after the notice

    at(org, "2026-12-07T11:00")
    await reply(zhang, centre, 1, "周四前补齐礼盒，门店已确认")
    await due(org, monkeypatch, "2026-12-08T09:00")
    rows = await org.store.db.fetch_all(
        "SELECT subject, met_at FROM obligations WHERE rule = 'R17' ORDER BY subject"
    )
    assert [(r["subject"], r["met_at"][:10]) for r in rows] == [
        ("demand:1", "2026-12-02"),
        ("demand_plan:1", "2026-12-07"),
    ]


async def test_a_first_answer_missed_is_overdue_the_next_morning_and_hours_are_a_setting(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R17")
    site_rule(tmp_path, "answer_hours = 24", "answer_hours = 4")
    _, zhang, _, zhou = await people(org)
    at(org, "2026-12-01T10:00")
    await demand(zhou)
    await due(org, monkeypatch, "2026-12-01T13:00")
    assert not any("逾期：R17" in t for t in zhang.private.texts())
    await due(org, monkeypatch, "2026-12-01T14:05")  # four hours on
    overdue = [t for t in zhang.private.texts() if "逾期：R17" in t]
    assert len(overdue) == 1 and "I1" in overdue[0]
    rows = await org.store.db.fetch_all(
        "SELECT due_at FROM obligations WHERE rule = 'R17' AND subject = 'demand:1'"
    )
    assert rows[0]["due_at"].startswith("2026-12-01T14:00")


async def test_only_urgent_demands_are_held_to_r17(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R17")
    _, _, _, zhou = await people(org)
    at(org, "2026-12-01T10:00")
    await demand(zhou, severity="一般")  # a demand, not urgent
    await demand(zhou, category="价格")  # urgent, not a demand
    await due(org, monkeypatch, "2026-12-02T09:00")
    rows = await org.store.db.fetch_all("SELECT id FROM obligations WHERE rule = 'R17'")
    assert rows == []
    issues = await org.store.db.fetch_all("SELECT category, severity FROM issues ORDER BY id")
    assert [(r["category"], r["severity"]) for r in issues] == [
        ("demand", "low"),
        ("price", "urgent"),
    ]


async def test_the_run_plans_from_recent_issues_not_the_whole_history(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R17")
    _, _, _, zhou = await people(org)
    at(org, "2026-06-01T10:00")  # half a year ago (say, before an upgrade brought R17)
    await demand(zhou)
    at(org, "2026-12-01T10:00")
    await demand(zhou)
    await due(org, monkeypatch, "2026-12-02T09:00")
    rows = await org.store.db.fetch_all(
        "SELECT DISTINCT subject FROM obligations WHERE rule = 'R17' ORDER BY subject"
    )
    assert [r["subject"] for r in rows] == ["demand:2", "demand_plan:2"]
    if org.store.db.engine == "sqlite":  # PostgreSQL's planner scans a table this small
        plan = await org.store.db.fetch_all(
            "EXPLAIN QUERY PLAN SELECT id FROM issues i"
            " WHERE (i.created_at >= '2026-08-24' OR i.replied_at >= '2026-08-24')"
        )
        assert all("SCAN" not in str(tuple(r)) for r in plan), [tuple(r) for r in plan]
