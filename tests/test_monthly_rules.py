"""R1 (a unit's KA data by the 8th) and R2 (its issue report by the 10th), walked through
December 2026 with `run_bot.py jobs run-due --now`, against the local Bot API."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.settings import DEFAULT_RULES
from tests.cli import run_cli
from tests.harness import TZ, Group, Kabot, Person

ZHANG = 500100103  # 张敏, the KA centre's KA manager

SUN = 500200101  # 孙伟, YT's first responsible person
LIN = 500400101  # 林峰, NF's first responsible person (何军 of BQ never wrote to kabot)


def _rule_id(section: str) -> str:
    m = re.match(r"\[rules\.(R\d+)\]", section)
    assert m is not None
    return m[1]


def only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *rule_ids: str) -> None:
    """A site's rules file with just these rules (a site may drop the ones it does not run)."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    head, *sections = re.split(r"(?m)^(?=\[rules\.R\d+\]$)", text)
    kept = [s for s in sections if _rule_id(s) in rule_ids]
    path = tmp_path / "site-rules.toml"
    path.write_text(head + "".join(kept), encoding="utf-8")
    monkeypatch.setenv("KABOT_RULES", str(path))


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
    return [t for t in person.private.texts() if t.startswith("⏰ R1")]


def _reminder(person: Person) -> dict[str, Any]:
    """The newest message of reminders to the person."""
    return [m for m in person.private.bot_messages() if "⏰ R" in (m.get("text") or "")][-1]


def digests(person: Person) -> list[str]:
    return [t for t in person.private.texts() if t.startswith("📋")]


async def test_a_month_of_r1_reminders_sent_once_each(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    group, sun, lin = await heads(org)
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-03T09:00")
    # The 8th's −3 reminder would fall on Saturday the 5th: it comes on Friday the 4th.
    assert "发送 2 条" in await due(org, monkeypatch, "2026-12-04T09:00")
    assert "还有 4 天" in reminders(sun)[-1] and "2026-11" in reminders(sun)[-1]
    assert "还有 4 天" in reminders(lin)[-1]
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-04T09:00")  # twice: nothing new
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-05T09:00")  # Saturday: nothing

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
        " JOIN obligations o ON o.id = n.obligation_id ORDER BY n.sent_at, o.id"
    )
    by_kind = {(r["subject"], r["kind"]): r["outcome"] for r in outcomes}
    yt = await org.store.units.by_code("YT")
    assert yt is not None
    assert by_kind[(f"unit:{yt.id}", "remind:0")] == "skipped"
    assert by_kind[(f"unit:{yt.id}", "overdue")] == "sent"


async def test_after_downtime_a_passed_deadline_gets_only_its_overdue_notice(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    group, sun, _ = await heads(org)
    out = await due(org, monkeypatch, "2026-12-10T12:00")  # kabot was down since the 4th
    # Three units' three reminders are replaced by the overdue notices: YT's in its group,
    # NF's (no group) to its head; BQ's head never wrote to kabot and cannot be told.
    assert "发送 2 条（其中补发 2 条），跳过 9 条" in out
    assert reminders(sun) == []
    assert any("逾期：R1" in t for t in group.texts())


async def test_a_reminder_missed_while_down_is_sent_once_late(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    _, sun, _ = await heads(org)
    out = await due(org, monkeypatch, "2026-12-07T15:00")  # down on the 5th and the 7th
    assert "发送 2 条（其中补发 2 条）" in out and "跳过 3 条" in out  # each unit's 3-day one
    assert ["还有 1 天" in t for t in reminders(sun)] == [True]


async def test_r2_none_or_issues_meet_it_and_the_centre_records_what_was_hidden(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R2")
    group, sun, lin = await heads(org)
    zhang = org.person(ZHANG, "张敏")
    await zhang.send("/start")
    org.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TZ))
    await lin.send("/noissues")  # NF: nothing to report this month
    assert "确认 2026-12" in lin.last_reply()
    await lin.press("确认本月无执行问题")
    assert "无执行问题" in lin.last_message()["text"]

    # YT's head is reminded; NF reported "none"; BQ's head never wrote to kabot.
    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-07T09:00")
    assert [t for t in sun.private.texts() if t.startswith("⏰ R2")]
    assert not [t for t in lin.private.texts() if t.startswith("⏰ R2")]
    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-11T09:00")
    overdue = next(m for m in group.bot_messages() if "逾期：R2" in (m.get("text") or ""))
    assert "50元/次" in overdue["text"]

    await sun.press_data(
        overdue["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        overdue["message_id"],
        group,
    )
    assert "没有权限" in sun.alert_text()  # the unit cannot fine itself
    await zhang.press("存在问题未报送", group)
    await zhang.send("永辉华南区12月5日断货未报")
    await zhang.press("提交")
    assert "已记入罚款" in zhang.last_reply()
    entry = await org.store.ledger.by_id(1)
    assert entry is not None
    assert (entry.rule, entry.staff_name, entry.amount_fen, entry.period) == (
        "R2",
        "孙伟",
        5000,
        "2026-12",
    )
    assert "罚款通知 #1" in group.texts()[-1]
    await zhang.press("存在问题未报送", group)  # a second hidden issue: a second fine
    await zhang.send("家乐福价格问题未报")
    await zhang.press("提交")
    assert len(await org.store.ledger.month("2026-12")) == 2


async def test_r8_reminds_a_ka_manager_short_of_the_quota_with_progress(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R8")
    zhang = org.person(ZHANG, "张敏")  # a KA manager of the centre
    await zhang.send("/start")
    # A visit to a key customer (filed as /visit files it; the conversation is tested elsewhere).
    org.clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=TZ))
    staff = await org.store.staff.by_code("KA003")
    carrefour = (await org.store.customers.search("家乐福（华东区）", unit_id=None)).items[0]
    assert staff is not None and carrefour.kind.value == "ka_retailer"
    answers = {
        "customer": carrefour.id,
        "visited_at": {"at": "2026-12-15T10:00+08:00", "precision": "minute"},
        "visit_kind": "routine",
        "business_review": "年度合同回顾",
    }
    await org.store.reports.add("visit", staff, carrefour.unit_id, answers)

    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-17T09:00")
    # The 20th is a Sunday: its reminder comes on Friday the 18th.
    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-18T09:00")
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-20T09:00")
    reminder = next(t for t in reversed(zhang.private.texts()) if t.startswith("⏰ R8"))
    assert "R8" in reminder and "重点客户 1/1" in reminder and "重点经销商 0/2" in reminder
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-21T09:00")
    # The other two KA managers: one never wrote to kabot, one did not either — no one else.
    rows = await org.store.db.fetch_all(
        "SELECT o.subject, n.outcome FROM notices_sent n JOIN obligations o"
        " ON o.id = n.obligation_id WHERE o.rule = 'R8' ORDER BY o.id"
    )
    assert [r["outcome"] for r in rows].count("sent") == 1
    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-25T09:00")  # and the 25th


async def test_reminders_go_to_the_stand_in_during_leave(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    _, sun, _ = await heads(org)
    zheng = org.person(500200104, "郑芳")
    await zheng.send("/start")
    org.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    await sun.send("/leave")
    await sun.send("12月3日至12月6日")
    await sun.send("郑芳")
    await sun.press("郑芳 ·")
    await sun.press("提交")
    assert "12-03 至 2026-12-06" in sun.last_reply() and "郑芳" in sun.last_reply()

    await due(org, monkeypatch, "2026-12-04T09:00")
    forwarded = [t for t in zheng.private.texts() if t.startswith("⏰ R1")]
    assert len(forwarded) == 1 and "孙伟 休假中" in forwarded[0]
    assert reminders(sun) == []
    await due(org, monkeypatch, "2026-12-07T09:00")  # back from leave
    assert "还有 1 天" in reminders(sun)[-1]


async def test_a_snoozed_reminder_comes_again_once(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    _, sun, _ = await heads(org)
    await due(org, monkeypatch, "2026-12-04T09:00")
    org.clock.set(datetime(2026, 12, 4, 9, 5, tzinfo=TZ))
    await sun.press("1小时后再提醒")
    assert "12-04 10:05 再提醒您" in sun.alert_text()
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-04T10:00")
    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-04T10:10")
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-04T11:00")
    assert len(reminders(sun)) == 2
    await sun.press("明天再提醒")  # on a Friday: the next working day, Monday
    assert "12-07 09:00" in sun.alert_text()
    assert "发送 0 条" in await due(org, monkeypatch, "2026-12-05T09:00")
    await due(org, monkeypatch, "2026-12-07T09:00")  # with Monday's own reminder: once
    assert len(reminders(sun)) == 3 and "还有 1 天" in reminders(sun)[-1]
    await sun.press_data("sz:1:forever", sun.last_message()["message_id"])
    assert "过期" in sun.alert_text()


async def test_managers_get_a_daily_digest_once_and_late_after_downtime(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    _, sun, _ = await heads(org)
    assert digests(sun) == []
    await due(org, monkeypatch, "2026-12-04T08:00")
    assert digests(sun) == []  # not before 08:30
    out = await due(org, monkeypatch, "2026-12-04T08:30")
    assert "简报 2 份" in out  # YT's and NF's heads; others never wrote to kabot
    digest = digests(sun)[-1]
    assert "2026-12-04 每日简报" in digest and "补发" not in digest
    assert "R1 · 液态奶事业本部 · 2026-12-08" in digest and "待拜访客户" in digest
    # 吴强 of YT was imported by @username and never wrote to kabot: his manager hears of it.
    assert "还不能接收提醒" in digest and "吴强" in digest and "马琳" not in digest
    await due(org, monkeypatch, "2026-12-04T12:00")
    assert len(digests(sun)) == 1  # once a day
    await due(org, monkeypatch, "2026-12-05T08:30")  # Saturday: no digest
    assert len(digests(sun)) == 1
    await due(org, monkeypatch, "2026-12-07T15:00")  # kabot was down all Monday morning
    assert "补发" in digests(sun)[-1] and len(digests(sun)) == 2
    await due(org, monkeypatch, "2026-12-10T08:30")  # R1 passed unmet: escalated here too
    assert (
        "已逾期" in digests(sun)[-1]
        and "R1 · 液态奶事业本部 · 截止 2026-12-08" in digests(sun)[-1]
    )


async def test_no_issues_cannot_be_said_twice_or_over_a_reported_issue(org: Kabot) -> None:
    sun = org.person(SUN, "孙伟")
    await sun.send("/noissues")
    await sun.press("确认本月无执行问题")
    await sun.send("/noissues")
    await sun.press("确认本月无执行问题")
    assert "已经报送过" in sun.last_message()["text"]
    await sun.press_data("ni:2026-10", sun.last_message()["message_id"])  # last month's
    assert "过期" in sun.alert_text()
    rows = await org.store.db.fetch_all("SELECT month FROM issue_declarations")
    assert [r["month"] for r in rows] == ["2026-11"]
    wang = org.person(500100101, "王建国")  # directors do not report for a unit
    await wang.send("/noissues")
    assert "您的角色不能填写" in wang.last_reply()


async def test_leave_needs_a_stand_in_other_than_oneself(org: Kabot) -> None:
    sun = org.person(SUN, "孙伟")
    await sun.send("/leave")
    await sun.send("下周一到下周五")
    await sun.send("孙伟")
    await sun.press("孙伟 ·")
    assert "不能选您自己" in sun.alert_text()
    assert "谁替您接收提醒" in sun.last_message()["text"]  # the same question stays
    await sun.send("火星人")
    assert "没有找到“火星人”" in sun.last_reply()
    await sun.send("郑芳")
    await sun.press("郑芳 ·")
    await sun.press("提交")
    assert "2026-11-23 至 2026-11-27" in sun.last_reply()


async def test_the_director_gets_one_message_for_a_runs_escalations(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    wang = org.person(500100101, "王建国")
    await wang.send("/start")
    await heads(org)
    await due(org, monkeypatch, "2026-12-09T09:00")  # R1 missed by every unit: overdue
    await due(org, monkeypatch, "2026-12-11T09:30")  # two days on: up to the director
    escalations = [t for t in wang.private.texts() if "升级：R1" in t]
    assert len(escalations) == 1  # one message for the run, not one per unit
    units = escalations[0].count("升级：R1")
    assert units >= 3 and "液态奶事业本部" in escalations[0] and "冰品事业本部" in escalations[0]
    await due(org, monkeypatch, "2026-12-12T09:30")
    assert len([t for t in wang.private.texts() if "升级：R1" in t]) == 1  # never again


async def test_one_persons_reminders_of_a_run_come_as_one_message(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1", "R2")
    _, sun, lin = await heads(org)
    # 12-07: R1 (data, due the 8th) one day ahead, R2 (issues, due the 10th) three days ahead.
    assert "发送 4 条" in await due(org, monkeypatch, "2026-12-07T09:00")  # 2 each, SUN and LIN
    texts = [t for t in sun.private.texts() if "⏰ R" in t]
    assert len(texts) == 1, texts
    assert texts[0].startswith("您有 2 项提醒") and "⏰ R1" in texts[0] and "⏰ R2" in texts[0]
    reminder = _reminder(sun)
    mine = reminder["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1]
    theirs = _reminder(lin)["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

    # One of them not his: the press puts off nothing.
    forged = f"sz:{mine}.{theirs.split(':')[1].split('.')[0]}:hour"
    assert len(mine.split(".")) == 2
    await sun.press_data(forged, reminder["message_id"])
    assert "没有权限" in sun.alert_text()
    assert await org.store.db.fetch_all("SELECT * FROM snoozes") == []

    org.clock.set(datetime(2026, 12, 7, 9, 5, tzinfo=TZ))
    await sun.press("1小时后再提醒")
    assert "12-07 10:05 再提醒您" in sun.alert_text()
    assert len(await org.store.db.fetch_all("SELECT * FROM snoozes")) == 2
    assert "发送 2 条" in await due(org, monkeypatch, "2026-12-07T10:10")
    again = [t for t in sun.private.texts() if "⏰ R" in t]
    assert len(again) == 2 and again[-1].startswith("您有 2 项提醒")
    await sun.press("明天再提醒")  # both again, from the message they came in together
    assert "12-08 09:00" in sun.alert_text()
    assert len(await org.store.db.fetch_all("SELECT * FROM snoozes")) == 4
    await sun.press("明天再提醒")
    assert "已经推迟过" in sun.alert_text()


def site_rule(tmp_path: Path, old: str, new: str) -> None:
    """Change the site's rules file written by ``only`` (the office editing its copy)."""
    site = tmp_path / "site-rules.toml"
    text = site.read_text(encoding="utf-8")
    assert old in text, old
    site.write_text(text.replace(old, new, 1), encoding="utf-8")


ESCALATE_ALL = 'escalate_to = ["unit_group", "manager", "director"]'


async def test_without_unit_group_the_overdue_notice_goes_to_the_person(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    site_rule(tmp_path, ESCALATE_ALL, 'escalate_to = ["manager", "director"]')
    group, sun, _ = await heads(org)
    await due(org, monkeypatch, "2026-12-09T09:00")
    assert not any("逾期：R1" in t for t in group.texts())
    assert any("逾期：R1" in t for t in sun.private.texts())


async def test_without_manager_a_missed_deadline_stays_out_of_the_digest(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    site_rule(tmp_path, ESCALATE_ALL, 'escalate_to = ["unit_group", "director"]')
    group, sun, _ = await heads(org)
    await due(org, monkeypatch, "2026-12-10T08:30")
    assert any("逾期：R1" in t for t in group.texts())
    assert digests(sun) and "已逾期" not in digests(sun)[-1]


async def test_a_setting_a_rule_does_not_have_stops_kabot_at_its_line(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R4")
    site_rule(tmp_path, "per_unit_waiting = false", "per_unit_wating = false")
    code, _, err = await run_cli(org, monkeypatch, "jobs", "run-due", "--now", "2026-12-01T09:00")
    assert code != 0
    assert "site-rules.toml:" in err and "per_unit_wating: unknown setting" in err


@pytest.mark.parametrize(
    ("holidays", "due_on"), [("keep", "2026-11-08"), ("working_days", "2026-11-09")]
)
async def test_holidays_decide_whether_a_deadline_on_a_rest_day_moves(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, holidays: str, due_on: str
) -> None:
    only(tmp_path, monkeypatch, "R1")
    site_rule(tmp_path, 'holidays = "keep"', f'holidays = "{holidays}"')
    await heads(org)
    await due(org, monkeypatch, "2026-11-02T09:00")  # R1 falls on Sunday 8 November
    rows = await org.store.db.fetch_all("SELECT due_on FROM obligations WHERE rule = 'R1'")
    assert {r["due_on"] for r in rows} == {due_on}


@pytest.mark.parametrize(("holders", "reminded"), [("centre_and_units", True), ("centre", False)])
async def test_r8_quota_is_held_by_the_units_ka_managers_too_unless_set_otherwise(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, holders: str, reminded: bool
) -> None:
    only(tmp_path, monkeypatch, "R8")
    site_rule(tmp_path, 'quota_holders = "centre_and_units"', f'quota_holders = "{holders}"')
    zhang, sun = org.person(ZHANG, "张敏"), org.person(SUN, "孙伟")
    await zhang.send("/start")
    await sun.send("/start")
    await due(org, monkeypatch, "2026-12-21T09:00")
    assert any(t.startswith("⏰ R8") for t in zhang.private.reminders())  # the centre's
    assert any(t.startswith("⏰ R8") for t in sun.private.reminders()) is reminded  # YT's


async def test_r9_reminds_whoever_has_customers_due_a_visit_plan_or_no_plan(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R9")
    zhou = org.person(500200102, "周丽")  # no plan made; her monthly customers are overdue
    await zhou.send("/start")
    await due(org, monkeypatch, "2026-12-24T09:00")  # seven days before month end
    reminder = next(t for t in zhou.private.reminders() if t.startswith("⏰ R9"))
    assert "按拜访频次待拜访：" in reminder and "沃尔玛（华南区）" in reminder
    assert "计划中尚未拜访" not in reminder


async def test_r1_data_counts_once_the_units_head_confirms_it(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.test_calendar_walk import submit_data

    only(tmp_path, monkeypatch, "R1")
    group, sun, _ = await heads(org)
    zhou, zheng = org.person(500200102, "周丽"), org.person(500200104, "郑芳")
    await zheng.send("/start")
    org.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TZ))
    await submit_data(zhou, "2026-11")
    assert "须经 孙伟" in zhou.last_reply() and "确认后计入 R1" in zhou.last_reply()
    card = next(m for m in sun.private.bot_messages() if "确认上报" in str(m.get("reply_markup")))
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await zheng.press_data(data, zheng.last_message()["message_id"])
    assert "没有权限" in zheng.alert_text()  # not the unit's head
    await due(org, monkeypatch, "2026-12-09T09:00")  # filed, not confirmed: R1 is late
    assert any("逾期：R1" in t for t in group.texts())

    org.clock.set(datetime(2026, 12, 9, 10, 0, tzinfo=TZ))
    await sun.press("确认上报")
    assert "已确认" in sun.alert_text()
    assert "已由 孙伟 确认，计入 R1" in zhou.private.texts()[-1]
    await sun.press_data(data, card["message_id"])
    assert "已经确认过了" in sun.alert_text()
    await due(org, monkeypatch, "2026-12-09T10:05")
    rows = await org.store.db.fetch_all(
        "SELECT o.met_at FROM obligations o JOIN business_units u ON o.unit_id = u.id"
        " WHERE o.rule = 'R1' AND u.code = 'YT'"
    )
    assert rows and rows[0]["met_at"].startswith("2026-12-09T10:0")


async def test_r1_data_the_head_files_counts_at_once(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.test_calendar_walk import submit_data

    only(tmp_path, monkeypatch, "R1")
    _, sun, _ = await heads(org)
    org.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TZ))
    await submit_data(sun, "2026-11")
    assert "须经" not in sun.last_reply()
    await due(org, monkeypatch, "2026-12-05T09:00")  # R1 within reach: found met
    rows = await org.store.db.fetch_all(
        "SELECT o.met_at FROM obligations o JOIN business_units u ON o.unit_id = u.id"
        " WHERE o.rule = 'R1' AND u.code = 'YT'"
    )
    assert rows and rows[0]["met_at"] is not None


@pytest.mark.parametrize("listed", [False, True])
async def test_in_december_the_centres_digest_warns_when_next_year_is_not_known(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, listed: bool
) -> None:
    only(tmp_path, monkeypatch, "R1")
    if listed:  # the office wrote next year's first rest days into its rules file
        site = tmp_path / "site-rules.toml"
        text = site.read_text(encoding="utf-8")
        site.write_text(text + "\n[calendar]\nrest_days = [2027-01-01]\n", encoding="utf-8")
    zhang, sun = org.person(ZHANG, "张敏"), org.person(SUN, "孙伟")
    await zhang.send("/start")
    await sun.send("/start")
    await due(org, monkeypatch, "2026-12-04T08:30")
    warned = any("2027 年的法定节假日" in t for t in digests(zhang))
    assert warned is not listed
    assert not any("2027 年的法定节假日" in t for t in digests(sun))  # the centre's only
