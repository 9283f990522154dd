"""Contracts (R5–R7), replies to issues (R4) and launches (R12): recorded in conversation,
charged to the ledger by `run_bot.py jobs run-due --now`, to the yuan, once."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.reminders.rules import load_rules
from tests.flows import file_complaint
from tests.harness import TZ, Group, Kabot, Person
from tests.test_issue_and_lists import file_issue
from tests.test_monthly_rules import due, only, site_rule

ZHANG = 500100103  # 张敏, the KA centre's KA manager and its first responsible person
WANG = 500100101  # 王建国, the centre's director
SUN = 500200101  # 孙伟, YT's first responsible person
ZHOU = 500200102  # 周丽, YT field
XU = 500400102  # 徐婷, NF field
LIN = 500400101  # 林峰, NF's first responsible person


def last(person: Person, start: str) -> str:
    """The last private message to ``person`` that starts with ``start`` (digests aside)."""
    return next((t for t in reversed(person.private.texts()) if t.startswith(start)), "")


def at(kabot: Kabot, moment: str) -> None:
    kabot.clock.set(datetime.fromisoformat(moment).replace(tzinfo=TZ))


async def record_contract(zhang: Person, completed: str) -> None:
    await zhang.send("/contract")
    await zhang.press("登记联采合同")
    await zhang.send("沃尔玛")
    await zhang.press("沃尔玛（华南区）")
    await zhang.send("2027年度联采合同")
    await zhang.send(completed)
    assert "请确认联采合同" in zhang.last_reply()
    await zhang.press("提交")
    assert "已登记联采合同" in zhang.last_reply()


async def distribute(zhang: Person, day: str) -> None:
    await zhang.send("/contract")
    await zhang.press("登记合同下发")
    await zhang.press("2027年度联采合同")
    if day == "today":
        await zhang.press("今天")
    else:
        await zhang.send(day)
    await zhang.press("提交")
    assert "已登记下发" in zhang.last_reply()


async def penalties_of(kabot: Kabot, rule: str) -> list[tuple[str, int, str]]:
    rows = await kabot.store.db.fetch_all(
        "SELECT s.name, l.amount_fen, l.source FROM penalty_ledger l JOIN staff s"
        " ON s.id = l.staff_id WHERE l.rule = ? ORDER BY l.id",
        (rule,),
    )
    return [(r["name"], r["amount_fen"], r["source"]) for r in rows]


async def centre(kabot: Kabot) -> tuple[Group, Person, Person]:
    group = await kabot.bound_group("KA", "KA中心群")
    zhang, wang = kabot.person(ZHANG, "张敏"), kabot.person(WANG, "王建国")
    await zhang.send("/start")
    await wang.send("/start")
    return group, zhang, wang


async def test_r5_runs_a_daily_fine_with_one_post_when_it_starts_and_one_when_it_stops(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R5")
    group, zhang, wang = await centre(org)
    at(org, "2026-12-01T10:00")
    await record_contract(zhang, "今天")
    assert "请于 2026-12-08 前下发" in zhang.last_reply()

    # 3 days before is Saturday the 5th: the reminder comes on Friday.
    assert "发送 1 条" in await due(org, monkeypatch, "2026-12-04T09:00")
    assert "还有 4 天" in last(zhang, "⏰ R5")
    await due(org, monkeypatch, "2026-12-09T09:00")  # one day late
    posts = group.texts()
    assert "逾期：R5" in posts[-2] and "开始计罚：R5" in posts[-1]
    assert "每晚一天 ¥50" in posts[-1] and "张敏" in posts[-1]
    assert await penalties_of(org, "R5") == [("张敏", 5000, "R5:contract:1:2026-12:2026-12-09")]

    await due(org, monkeypatch, "2026-12-10T09:00")
    await due(org, monkeypatch, "2026-12-10T09:05")  # the same day twice: nothing new
    assert len(await penalties_of(org, "R5")) == 2
    assert len(group.texts()) == len(posts)  # no message a day
    await due(org, monkeypatch, "2026-12-11T09:00")  # two days after the group: the director
    assert "已逾期 3 天" in last(wang, "📣 <b>升级：R5") + last(wang, "📣 升级：R5")

    at(org, "2026-12-11T15:00")
    await distribute(zhang, "today")
    await due(org, monkeypatch, "2026-12-11T15:05")
    stop = group.texts()[-1]
    assert "停止计罚：R5" in stop and "共逾期 3 天" in stop and "¥150" in stop
    await due(org, monkeypatch, "2026-12-12T09:00")
    await due(org, monkeypatch, "2026-12-20T09:00")
    fines = await penalties_of(org, "R5")
    assert [f[2][-10:] for f in fines] == ["2026-12-09", "2026-12-10", "2026-12-11"]
    assert sum(f[1] for f in fines) == 15000
    assert group.texts()[-1] == stop
    ledger = await org.store.ledger.month("2026-12")
    assert all(e.reason.startswith("R5 ") and "沃尔玛" in e.reason for e in ledger)


async def test_r6_r7_charge_per_contract_with_the_step_up_at_three_months(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R6", "R7")
    _, zhang, _ = await centre(org)
    yt_group = await org.bound_group("YT", "液态奶KA群")
    sun, lin = org.person(SUN, "孙伟"), org.person(LIN, "林峰")
    await sun.send("/start")
    await lin.send("/start")
    at(org, "2026-11-25T10:00")
    await record_contract(zhang, "11月20日")
    at(org, "2026-12-01T10:00")
    await distribute(zhang, "12月1日")

    await sun.send("/contract")
    assert "登记联采合同" not in str(sun.last_message()["reply_markup"])  # the centre's
    await sun.press("列出本部要签的地采合同")
    await sun.press("2027年度联采合同")
    await sun.send("华东区\n华南区\n华东区")
    await sun.press("提交")
    assert "（2 份）" in sun.last_reply()
    await lin.send("/contract")
    await lin.press("列出本部要签的地采合同")
    await lin.press("2027年度联采合同")
    await lin.send("全国")
    await lin.press("提交")

    at(org, "2027-01-20T10:00")  # YT signs 华东区 on time
    await sun.send("/contract")
    await sun.press("登记地采合同签订")
    assert "全国" not in str(sun.last_message()["reply_markup"])  # NF's is not YT's
    await sun.press("华东区")
    await sun.press("今天")
    await sun.press("提交")
    assert "已登记签订" in sun.last_reply()

    await due(org, monkeypatch, "2027-02-02T09:00")  # two months after distribution
    r6 = await penalties_of(org, "R6")
    assert sorted((name, fen) for name, fen, _ in r6) == [("孙伟", 5000), ("林峰", 5000)]
    assert any("罚款通知" in t and "华南区" in t and "两个月内" in t for t in yt_group.texts())

    at(org, "2027-02-15T10:00")  # 华南区 signed late: no step-up for it
    await sun.send("/contract")
    await sun.press("登记地采合同签订")
    await sun.press("华南区")
    await sun.send("今天")
    await sun.press("提交")
    await due(org, monkeypatch, "2027-02-22T09:00")  # 华东区's copy is late (Monday)
    r7 = await penalties_of(org, "R7")
    assert [(name, fen) for name, fen, _ in r7] == [("孙伟", 5000)]
    await due(org, monkeypatch, "2027-03-02T09:00")  # three months: NF's 全国 steps up
    await due(org, monkeypatch, "2027-03-02T09:00")
    r6 = await penalties_of(org, "R6")
    assert sorted((name, fen) for name, fen, _ in r6) == [
        ("孙伟", 5000),
        ("林峰", 5000),
        ("林峰", 10000),
    ]
    assert sum(fen for _, fen, _ in r6 + r7) == 25000


async def contract_with_locals(org: Kabot, zhang: Person, head: Person, titles: str) -> None:
    """A national contract completed on 20 November, distributed on 1 December, and the
    unit's local contracts under it (one a line)."""
    at(org, "2026-11-25T10:00")
    await record_contract(zhang, "11月20日")
    at(org, "2026-12-01T10:00")
    await distribute(zhang, "12月1日")
    await head.send("/contract")
    await head.press("列出本部要签的地采合同")
    await head.press("2027年度联采合同")
    await head.send(titles)
    await head.press("提交")


async def test_r6_step_up_replaces_the_two_month_fine_when_the_office_says_so(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R6")
    site_rule(tmp_path, 'step_up = "adds"', 'step_up = "replaces"')
    _, zhang, _ = await centre(org)
    lin = org.person(LIN, "林峰")
    await lin.send("/start")
    await contract_with_locals(org, zhang, lin, "全国")
    await due(org, monkeypatch, "2027-03-02T09:00")  # never signed: two months, then three
    rows = await org.store.db.fetch_all(
        "SELECT amount_fen, reason FROM penalty_ledger WHERE rule = 'R6' ORDER BY id"
    )
    assert [r["amount_fen"] for r in rows] == [5000, 5000]  # 100 in all for the contract
    assert "升至每份 ¥100" in rows[1]["reason"]


async def file_nf_issue(xu: Person) -> None:
    """徐婷 of NF reports an issue at 永辉超市（东北区）."""
    await xu.send("/issue")
    await xu.send("永辉")
    await xu.press("永辉超市（东北区）")
    await xu.send("沈阳店")
    await xu.press("断货/供货")
    await xu.press("一般")
    await xu.send("酸奶断货两天")
    await xu.press("跳过")
    await xu.press("提交")
    assert "已提交问题反馈" in xu.last_reply()


async def r4_month(org: Kabot, monkeypatch: pytest.MonkeyPatch) -> tuple[Group, Person]:
    """Two units' issues due a reply on 28 February, one more due on 30 March."""
    centre_group, zhang, _ = await centre(org)
    zhou, xu = org.person(ZHOU, "周丽"), org.person(XU, "徐婷")
    at(org, "2027-02-05T10:00")  # by the reporting day (the 10th): due the 30th — 28 February
    await file_issue(zhou, photos=0)
    at(org, "2027-02-08T10:00")
    await file_nf_issue(xu)
    at(org, "2027-02-11T10:00")  # after the 10th: next month's report, due 30 March
    await file_issue(zhou, photos=0)
    await due(org, monkeypatch, "2027-03-01T09:00")
    await due(org, monkeypatch, "2027-03-02T09:00")
    return centre_group, zhang


async def test_r4_charges_the_centre_once_a_day_however_many_units_wait(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R4")
    centre_group, zhang = await r4_month(org, monkeypatch)
    fines = await penalties_of(org, "R4")
    assert [s[-10:] for _, _, s in fines] == ["2027-03-01", "2027-03-02"]  # YT and NF wait
    assert all(name == "张敏" and fen == 5000 for name, fen, _ in fines)
    assert any("开始计罚：R4" in t for t in centre_group.texts())

    at(org, "2027-03-02T16:00")  # YT's I1 answered: NF still waits, the fine runs on
    card = next(m for m in centre_group.bot_messages() if "I1" in (m.get("text") or ""))
    await zhang.press_data("ih:1:reply", card["message_id"], centre_group)
    await zhang.send("已与门店沟通，补货完成")
    await zhang.press("提交")
    await due(org, monkeypatch, "2027-03-03T09:00")
    assert [s[-10:] for _, _, s in await penalties_of(org, "R4")][-1] == "2027-03-03"
    assert len(await penalties_of(org, "R4")) == 3


async def test_r4_per_unit_waiting_charges_each_unit_still_waiting(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R4")
    site_rule(tmp_path, "per_unit_waiting = false", "per_unit_waiting = true")
    await r4_month(org, monkeypatch)
    days = sorted(s[-10:] for _, _, s in await penalties_of(org, "R4"))
    assert days == ["2027-03-01", "2027-03-01", "2027-03-02", "2027-03-02"]


async def test_r4_cutoff_day_moves_which_report_an_issue_is_in(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R4")
    site_rule(tmp_path, "cutoff_day = 10", "cutoff_day = 20")
    await r4_month(org, monkeypatch)
    # Up to the 20th: all three issues are in February's report, due 28 February.
    due_dates = await org.store.db.fetch_all(
        "SELECT DISTINCT due_on FROM obligations WHERE rule = 'R4' ORDER BY due_on"
    )
    assert [r["due_on"] for r in due_dates] == ["2027-02-28"]


async def test_r12_the_unit_files_its_new_product_and_the_centre_confirms_receipt(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R12")
    group, zhang, _ = await centre(org)
    sun = org.person(SUN, "孙伟")
    await sun.send("/start")
    at(org, "2026-12-01T10:00")
    await sun.send("/launch")
    await sun.press("登记新品上市")
    await sun.send("高钙纯牛奶1L")
    await sun.press("冰品事业本部")  # not his unit: refused at submit
    await sun.send("2027-02-15")
    await sun.press("提交")
    assert "没有权限" in sun.alert_text()
    await sun.send("/cancel")
    await sun.send("/launch")
    await sun.press("登记新品上市")
    await sun.send("高钙纯牛奶1L")
    await sun.press("液态奶事业本部")
    await sun.send("2026-11-01")
    assert "已经过了" in sun.last_reply()
    await sun.send("11月1日")  # a launch is ahead: the next 1 November
    assert "2027-11-01" in sun.last_reply()
    await sun.press("✏️ 上市")
    await sun.send("2027-02-15")
    await sun.press("提交")
    assert "资料须于 2027-01-01 前报备" in sun.last_reply()
    await due(org, monkeypatch, "2026-12-18T09:00")  # 14 days before
    assert "高钙纯牛奶1L" in last(sun, "⏰ R12")

    at(org, "2026-12-20T10:00")
    await sun.send("/launch")
    await sun.press("登记新品资料已报")
    await sun.press("高钙纯牛奶1L")
    await sun.press("今天")
    await sun.press("提交")
    card = next(m for m in group.bot_messages() if "新品资料已报备" in (m.get("text") or ""))
    assert "液态奶事业本部 · 高钙纯牛奶1L" in card["text"]
    await sun.press_data("lr:1", sun.last_message()["message_id"])
    assert "没有权限" in sun.alert_text()  # receipt is the centre's to confirm
    await zhang.press("确认收到", group)
    assert "张敏 已确认收到" in org.world.messages[group.id][card["message_id"]]["text"]
    await zhang.press_data("lr:1", card["message_id"], group)
    assert "确认收到过了" in zhang.alert_text()
    reminders = [t for t in sun.private.texts() if t.startswith("⏰")]
    await due(org, monkeypatch, "2026-12-29T09:00")
    assert [t for t in sun.private.texts() if t.startswith("⏰")] == reminders  # met


async def test_contract_forms_refuse_garbage_stickers_and_stale_choices(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, zhang, _ = await centre(org)
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/contract")
    await zhou.press("登记地采合同签订")
    assert "没有待签订的地采合同" in zhou.last_reply()
    await zhou.press_data("fm:distribute", zhou.last_message()["message_id"])
    assert "只有KA中心" in zhou.last_reply()

    at(org, "2026-12-01T10:00")
    await record_contract(zhang, "昨天")
    await zhang.send("/contract")
    await zhang.press("登记合同下发")
    await zhang.send("2026-12-01")
    assert "请点下面的按钮" in zhang.last_reply()
    await zhang.press("2027年度联采合同")
    await zhang.send_sticker()
    assert "贴纸" in zhang.last_reply()
    await zhang.send("下下下周")
    assert "没看懂日期" in zhang.last_reply()
    await zhang.send("2027-01-05")
    assert "还没到" in zhang.last_reply()
    await zhang.send("x" * 5000)
    assert "太长了" in zhang.last_reply()
    await zhang.press("今天")
    summary = zhang.last_message()
    # Meanwhile the director records the same distribution from his own chat.
    wang = org.person(WANG, "王建国")
    await distribute(wang, "today")
    await zhang.press_data(
        summary["reply_markup"]["inline_keyboard"][-1][0]["callback_data"],
        summary["message_id"],
    )
    assert "已经由同事登记过了" in zhang.last_reply()
    contract = await org.store.contracts.by_id(1)
    assert contract is not None and str(contract.distributed_on) == "2026-12-01"


async def test_a_group_notice_mentions_whoever_answers_for_it(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R5")
    group, zhang, _ = await centre(org)
    at(org, "2026-12-01T10:00")
    await record_contract(zhang, "今天")
    await due(org, monkeypatch, "2026-12-09T09:00")
    posts = [m for m in group.bot_messages() if "R5" in (m.get("text") or "")]
    assert len(posts) == 2  # the overdue notice and the fine's start
    for message in posts:
        mentioned = [e for e in message.get("entities", []) if e["type"] == "text_mention"]
        assert [e["user"]["id"] for e in mentioned] == [ZHANG]


async def test_r3_the_national_report_by_the_14th_and_the_directors_sign_off(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R3")
    group, zhang, wang = await centre(org)
    sun = org.person(SUN, "孙伟")
    await sun.send("/national")
    assert "由KA中心编写" in sun.last_reply()
    await due(org, monkeypatch, "2026-12-11T09:00")
    assert "2026-11" in last(zhang, "⏰ R3") and "/national" in last(zhang, "⏰ R3")

    at(org, "2026-12-13T10:00")
    await zhang.send("/national")
    await zhang.press("2026-11")
    await zhang.send("三个本部数据已汇总；华南断货问题突出；12月重点：年货备货")
    await zhang.press("跳过")
    await zhang.press("提交")
    assert "已送 1 位主任审定" in zhang.last_reply()
    card = wang.last_message()
    assert "2026-11 全国KA月报" in card["text"] and "年货备货" in card["text"]
    await zhang.press_data("nr:1:ok", card["message_id"], wang.private)
    assert "没有权限" in zhang.alert_text()  # not a director
    await wang.press("审定")
    assert "已由王建国审定" in wang.last_message()["text"]
    await wang.press_data("nr:1:ok", card["message_id"])
    assert "已经审定过了" in wang.alert_text()
    reminders = [t for t in zhang.private.texts() if t.startswith("⏰ R3")]
    await due(org, monkeypatch, "2026-12-14T09:00")
    await due(org, monkeypatch, "2026-12-15T09:00")
    assert [t for t in zhang.private.texts() if t.startswith("⏰ R3")] == reminders
    assert not any("逾期：R3" in t for t in group.texts())


async def test_r3_the_director_judges_by_the_15th_sends_back_and_signs_for_the_units(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R3")
    group, zhang, wang = await centre(org)
    yt = await org.bound_group("YT", "液态奶KA群")

    async def file(text: str) -> None:
        await zhang.send("/national")
        await zhang.press("2026-11")
        await zhang.send(text)
        await zhang.press("跳过")
        await zhang.press("提交")

    at(org, "2026-12-13T10:00")
    await file("三个本部数据已汇总")
    await due(org, monkeypatch, "2026-12-14T09:00")  # the director's judgement: due tomorrow
    assert any("⏰ R3" in t and "2026-12-15" in t for t in wang.private.reminders())

    at(org, "2026-12-14T10:00")
    await wang.press("不达标")
    assert "退回原因" in wang.last_reply() or "不符合标准" in wang.last_reply()
    await wang.send("缺少华南断货的分析，请补充")
    await wang.press("提交")
    assert "已退回KA中心" in wang.last_reply()
    assert "被王建国退回：缺少华南断货的分析" in zhang.last_reply()
    card = next(m for m in wang.private.bot_messages() if "全国KA月报" in (m.get("text") or ""))
    await wang.press_data("nr:1:ok", card["message_id"])
    assert "退回过了" in wang.alert_text()  # the returned one cannot be signed
    await due(org, monkeypatch, "2026-12-15T09:00")  # sent back: the report is late now
    assert any("逾期：R3" in t for t in group.texts())

    at(org, "2026-12-15T10:00")
    await file("三个本部数据已汇总；华南断货：原因与对策")
    await wang.press("审定")
    assert any("📰 2026-11 全国KA月报（王建国审定）" in t for t in yt.texts())
    assert not any(t.startswith("📰") for t in group.texts())  # to the units' groups


async def test_one_day_of_a_daily_fine_is_opened_and_waived_by_the_director(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R5")
    _, zhang, wang = await centre(org)
    sun = org.person(SUN, "孙伟")
    await sun.send("/start")
    at(org, "2026-12-01T10:00")
    await record_contract(zhang, "今天")
    await due(org, monkeypatch, "2026-12-10T09:00")  # two days charged
    await zhang.send("/penalties 2026-12")
    assert "#1" in zhang.last_reply() and "#2" in zhang.last_reply()
    await sun.send("/fine 1")  # another unit's manager: not his to see
    assert "没有您能查看的第 1 号记录" in sun.last_reply()
    await zhang.send("/fine abc")
    assert "没有您能查看" in zhang.last_reply()
    await wang.send("/fine 2")
    assert "罚款通知 #2" in wang.last_reply() and "张敏" in wang.last_reply()
    await wang.press("豁免")
    await wang.send("系统故障导致无法下发，不可抗因素")
    await wang.press("提交")
    fines = await penalties_of(org, "R5")
    assert len(fines) == 2
    entry = await org.store.ledger.by_id(2)
    assert entry is not None and entry.status == "waived"
    at(org, "2026-12-10T15:00")
    await distribute(zhang, "today")
    await due(org, monkeypatch, "2026-12-10T15:05")
    stop = next(
        t for t in reversed(org.world.bot_messages(zhang.id)) if "停止计罚" in t.get("text", "")
    )
    assert "共逾期 2 天，罚款合计 ¥50（另有 ¥50 已豁免）" in stop["text"]


async def test_r10_a_complaint_is_overdue_24_hours_after_it_came_not_at_days_end(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R10")
    group, _, _ = await centre(org)
    zhou = org.person(ZHOU, "周丽")
    at(org, "2026-12-02T14:00")
    await file_complaint(zhou)
    await due(org, monkeypatch, "2026-12-03T13:30")  # 23.5 hours: not yet
    assert not any("逾期：R10" in t for t in group.texts())
    await due(org, monkeypatch, "2026-12-03T14:30")
    overdue = [t for t in group.texts() if "逾期：R10" in t]
    assert len(overdue) == 1 and "截止 2026-12-03 14:0" in overdue[0]


async def test_r7_charges_a_copy_collected_incomplete_as_its_own_breach(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R7")
    _, zhang, _ = await centre(org)
    sun = org.person(SUN, "孙伟")
    await sun.send("/start")
    await contract_with_locals(org, zhang, sun, "华东区\n华南区")
    for title in ("华东区", "华南区"):
        await sun.send("/contract")
        await sun.press("登记地采合同签订")
        await sun.press(title)
        await sun.press("今天")
        await sun.press("提交")
    at(org, "2026-12-10T10:00")  # 华东区's copy on time, but pages missing
    await sun.send("/contract")
    await sun.press("登记收到复印件")
    await sun.press("华东区")
    await sun.press("今天")
    assert "是否齐全：齐全" in sun.last_reply()  # complete unless said otherwise
    await sun.press("齐全")
    await sun.press("不全")
    assert "是否齐全：不全" in sun.last_reply()
    await sun.press("提交")
    await due(org, monkeypatch, "2026-12-11T09:00")
    rows = await org.store.db.fetch_all(
        "SELECT amount_fen, reason FROM penalty_ledger WHERE rule = 'R7' ORDER BY id"
    )
    assert [r["amount_fen"] for r in rows] == [5000]
    assert "复印件收集不全面" in rows[0]["reason"] and "华东区" in rows[0]["reason"]
    await due(org, monkeypatch, "2027-01-04T09:00")  # 华南区's copy never came: late
    rows = await org.store.db.fetch_all("SELECT reason FROM penalty_ledger WHERE rule = 'R7'")
    assert len(rows) == 2 and "华南区" in rows[1]["reason"]
    assert "不全面" not in rows[1]["reason"]


async def test_the_due_work_reads_a_batch_s_contracts_and_notices_together(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Forty local contracts overdue for one unit: their fines, and the one overdue notice
    each, from a run that reads the batch's contracts, notices and snoozes in one statement
    each rather than one per obligation (on a server each of those is a round trip)."""
    from bot.reminders.engine import run_due

    only(tmp_path, monkeypatch, "R6")
    store = org.store
    await org.bound_group("YT", "液态奶KA群")
    await org.person(SUN, "孙伟").send("/start")
    by = await store.staff.by_code("KA003")
    walmart = (await store.customers.search("沃尔玛", unit_id=None)).items[0]
    units = {u.code: u for u in await store.units.all()}
    assert by is not None
    at(org, "2026-11-02T10:00")
    contract = await store.contracts.add(walmart.id, "2027年度联采合同", date(2026, 11, 2), by)
    contract = await store.contracts.distribute(contract, date(2026, 11, 2), by)
    assert contract is not None
    titles = [f"第{n}区" for n in range(40)]
    assert len(await store.contracts.add_locals(contract, units["YT"].id, titles, by)) == 40

    statements: list[str] = []
    await store.db.trace(statements.append)
    assert org.settings is not None
    rules, texts = load_rules(tmp_path / "site-rules.toml"), org.app.bot_data.texts
    report = await run_due(
        store, rules, texts, datetime(2027, 1, 4, 9, 0, tzinfo=TZ), org.settings
    )
    await store.db.trace(None)
    assert report.fines == 40
    assert len(await penalties_of(org, "R6")) == 40

    # No statement asks after one obligation's contract, notices or snoozes (SQLite's trace
    # shows the values; a server's, the placeholders).
    one_by_one = re.compile(r"WHERE (l\.id|obligation_id) = (\d+|\?|\$1)(\s|$)")
    assert not [s for s in statements if s.startswith("SELECT") and one_by_one.search(s)]
    assert [s for s in statements if "FROM notices_sent WHERE obligation_id IN" in s]
    row = await store.db.fetch_one("SELECT COUNT(*) AS n FROM notices_sent WHERE kind = 'overdue'")
    assert row is not None and row["n"] == 40  # each contract's overdue notice, once
    again = await run_due(store, rules, texts, datetime(2027, 1, 4, 9, 5, tzinfo=TZ), org.settings)
    assert again.fines == 0 and again.sent == 0
