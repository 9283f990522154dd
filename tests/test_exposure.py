"""The exposure forecast (/exposure, issue 18): what the rules will charge if nothing changes,
computed by the code that charges — walked day by day across seven weeks with R4–R7 running,
each morning's forecast checked against the ledger rows that morning's run wrote."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.reminders import exposure
from bot.reminders.rules import Rules, load_rules
from tests.harness import TZ, Kabot, Person
from tests.test_contract_rules import SUN, ZHOU, at, centre
from tests.test_issue_and_lists import file_issue
from tests.test_monthly_rules import digests, due, only


async def _rules(org: Kabot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rules:
    """R4–R7 only, for the jobs and for the bot alike."""
    only(tmp_path, monkeypatch, "R4", "R5", "R6", "R7")
    assert org.settings is not None
    org.settings = replace(org.settings, rules_path=tmp_path / "site-rules.toml")
    await org.restart()
    return load_rules(tmp_path / "site-rules.toml")


async def record_contract(zhang: Person, title: str) -> None:
    await zhang.send("/contract")
    await zhang.press("登记联采合同")
    await zhang.send("沃尔玛")
    await zhang.press("沃尔玛（华南区）")
    await zhang.send(title)
    await zhang.press("今天")
    await zhang.press("提交")
    assert "已登记联采合同" in zhang.last_reply()


async def distribute(zhang: Person, title: str) -> None:
    await zhang.send("/contract")
    await zhang.press("登记合同下发")
    await zhang.press(title)
    await zhang.press("今天")
    await zhang.press("提交")
    assert "已登记下发" in zhang.last_reply()


async def ledger_rows(org: Kabot, after: int = 0) -> list[tuple[int, str, int, str]]:
    rows = await org.store.db.fetch_all(
        "SELECT id, source, amount_fen, created_at FROM penalty_ledger WHERE id > ? ORDER BY id",
        (after,),
    )
    return [(r["id"], r["source"], r["amount_fen"], r["created_at"][:10]) for r in rows]


async def locals_to_sign(org: Kabot, zhang: Person, sun: Person, titles: str) -> None:
    """A national contract completed on 30 November and distributed on time on 1 December
    (R6: due 1 February, the step-up on 1 March), and YT's local contracts under it."""
    at(org, "2026-11-30T10:00")
    await record_contract(zhang, "2027年度联采合同")
    at(org, "2026-12-01T10:00")
    await distribute(zhang, "2027年度联采合同")
    await sun.send("/contract")
    await sun.press("列出本部要签的地采合同")
    await sun.press("2027年度联采合同")
    await sun.send(titles)
    await sun.press("提交")


def _rows(org: Kabot, message: dict[str, object]) -> list[tuple[object, ...]]:
    document = message["document"]
    assert isinstance(document, dict)
    book = load_workbook(io.BytesIO(org.world.files[document["file_id"]].data))
    return list(book.active.iter_rows(values_only=True))


def charges(lines: list[exposure.Line]) -> set[tuple[str, int, date]]:
    return {(source, fen, line.charged_on) for line in lines for source, _, fen in line.charges()}


async def test_every_forecast_line_becomes_the_ledger_row_it_predicted_on_its_day(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rules = await _rules(org, tmp_path, monkeypatch)
    centre_group, zhang, _ = await centre(org)
    sun, zhou = org.person(SUN, "孙伟"), org.person(ZHOU, "周丽")
    await sun.send("/start")
    await locals_to_sign(org, zhang, sun, "华东区\n华南区\n华北区")  # R6 due 1 February
    await due(org, monkeypatch, "2027-01-18T09:00")

    # Seven weeks ahead, as they stand on 18 January: each contract ¥50 on 2 February and
    # another ¥100 on 2 March (三个月仍没有签订完毕).
    start = datetime(2027, 1, 18, 9, 30, tzinfo=TZ)
    ahead = await exposure.forecast(org.store, rules, start, date(2027, 3, 5))
    assert [(line.rule.id, line.kind, line.starts_on, line.amount_fen) for line in ahead] == [
        ("R6", "item", date(2027, 2, 2), 5000),
        ("R6", "item", date(2027, 2, 2), 5000),
        ("R6", "item", date(2027, 2, 2), 5000),
        ("R6", "step_up", date(2027, 3, 2), 10000),
        ("R6", "step_up", date(2027, 3, 2), 10000),
        ("R6", "step_up", date(2027, 3, 2), 10000),
    ]
    assert {line.person.name for line in ahead if line.person} == {"孙伟"}

    # What 孙伟 reads: grouped, with the button that stops it.
    at(org, "2027-01-25T10:00")
    await sun.send("/exposure")
    text = sun.last_reply()
    assert "R6" in text and "（3 项）" in text and "¥150" in text and "¥300" in text
    assert "2027-02-02" in text and "2027-03-02" in text and "服务手册 5.3.2" in text
    await sun.press("登记地采合同签订")  # the first line's contract, answered already
    await sun.press("今天")
    await sun.press("提交")
    assert "已登记签订" in sun.last_reply()

    facts = {
        "2027-02-05": lambda: file_issue(zhou, photos=0),  # in February's report: R4 from 1 March
        "2027-02-10": lambda: copy_incomplete(sun, "华东区"),  # on time, pages missing
        "2027-02-15": lambda: sign(sun, "华南区"),  # late: its step-up never comes
        "2027-02-18": lambda: record_contract(zhang, "2027年度补充合同"),  # R5 due 25 February
        "2027-03-03": lambda: distribute(zhang, "2027年度补充合同"),  # R5 stops the 3rd
    }
    day = date(2027, 1, 19)
    seen = max((row[0] for row in await ledger_rows(org)), default=0)
    checked = 0
    while day <= date(2027, 3, 5):
        morning = datetime.combine(day, datetime.min.time(), TZ).replace(hour=8)
        predicted = await exposure.forecast(org.store, rules, morning, day)
        expected = {(s, fen) for s, fen, on in charges(predicted) if on == day}
        assert all(on >= day for _, _, on in charges(predicted)), day  # nothing overdue
        await due(org, monkeypatch, f"{day}T09:00")
        written = await ledger_rows(org, seen)
        assert {(source, fen) for _, source, fen, _ in written} == expected, day
        assert all(created == f"{day}" for *_, created in written), day
        checked += len(written)
        seen = max([seen, *(row[0] for row in written)])
        if day == date(2027, 1, 27):  # the digests: 华东区 signed, two contracts left
            assert "未来7天将被考核：液态奶事业本部 ¥100。" in digests(sun)[-1]
            assert "液态奶事业本部 ¥100" in digests(zhang)[-1]
        if day == date(2027, 2, 24):  # to 3 March: R5 the centre's 26th on, ¥50 a day; R4
            # (the centre's fine over YT's issue) from the 1st, 华北区's step-up on the 2nd
            line = "未来7天将被考核：集团重点客户中心 ¥300、液态奶事业本部 ¥250。"
            assert line in digests(zhang)[-1]
        if f"{day}" in facts:
            at(org, f"{day}T10:00")
            await facts[f"{day}"]()
        day += timedelta(days=1)

    # The long view of 18 January came true but for what was met first: 华东区 signed in
    # time (nothing), 华南区 late (its ¥50, no step-up), 华北区 never (¥50, then ¥100).
    rows = await ledger_rows(org)
    r6 = {(source, fen, created) for _, source, fen, created in rows if source.startswith("R6")}
    assert r6 == {
        ("R6:local:2:2027-02:item", 5000, "2027-02-02"),
        ("R6:local:3:2027-02:item", 5000, "2027-02-02"),
        ("R6:local:3:2027-02:step_up", 10000, "2027-03-02"),
    }
    assert r6 <= {(s, fen, f"{on}") for s, fen, on in charges(ahead)}
    # R5 ran from 26 February (a Friday) to the 3rd: the weekend's days reach the ledger on
    # Monday, each under its own day; R4 from 1 March, once a day.
    r5 = sorted((s[-10:], created) for _, s, _, created in rows if s.startswith("R5"))
    assert r5 == [
        ("2027-02-26", "2027-02-26"),
        ("2027-02-27", "2027-03-01"),
        ("2027-02-28", "2027-03-01"),
        ("2027-03-01", "2027-03-01"),
        ("2027-03-02", "2027-03-02"),
        ("2027-03-03", "2027-03-03"),
    ]
    assert len([s for _, s, _, _ in rows if s.startswith("R4")]) == 5
    # The copy came on time but incomplete: charged by the next morning's run, no late fine.
    r7 = [(s, created) for _, s, _, created in rows if s.startswith("R7")]
    assert r7 == [("R7:copy:1:2027-02:incomplete", "2027-02-11")]
    assert checked == len(rows) == 3 + 1 + 6 + 5
    # The monthly summaries: January's counts 华东区, signed after its reminder and before
    # its fine, as avoided; February's nothing (华南区 was signed after its fine).
    january = next(t for t in centre_group.texts() if "2027-01 月度汇总" in t)
    assert "提醒后按时完成、免于罚款 1 项（¥50）" in january
    february = next(t for t in centre_group.texts() if "2027-02 月度汇总" in t)
    assert "免于罚款" not in february and "罚款：6 笔，¥300" in february


async def copy_incomplete(sun: Person, title: str) -> None:
    await sun.send("/contract")
    await sun.press("登记收到复印件")
    await sun.press(title)
    await sun.press("今天")
    await sun.press("齐全")
    await sun.press("不全")
    await sun.press("提交")


async def sign(sun: Person, title: str) -> None:
    await sun.send("/contract")
    await sun.press("登记地采合同签订")
    await sun.press(title)
    await sun.press("今天")
    await sun.press("提交")
    assert "已登记签订" in sun.last_reply()


async def test_exposure_is_for_the_units_head_and_the_centre_and_its_buttons_are_checked(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await _rules(org, tmp_path, monkeypatch)
    _, zhang, wang = await centre(org)
    sun, zhou = org.person(SUN, "孙伟"), org.person(ZHOU, "周丽")
    await sun.send("/start")
    await zhou.send("/start")
    await locals_to_sign(org, zhang, sun, "华东区")
    await due(org, monkeypatch, "2027-01-20T09:00")
    at(org, "2027-01-20T10:00")

    await zhou.send("/exposure")  # field staff: not theirs to see
    assert "只有本部营销第一负责人" in zhou.last_reply()

    await wang.send("/exposure")  # a director: every unit, a button each
    overview = wang.last_reply()
    assert "液态奶" in overview and "¥150" in overview
    unit_button = next(data for _, text, data in wang.buttons() if "液态奶" in text)
    await wang.press("液态奶")
    assert "R6" in wang.last_reply() and "华东区" in wang.last_reply()
    await zhou.press_data(unit_button, 1)  # forged by field staff
    assert "没有权限" in zhou.alert_text()
    await wang.press_data("xu:999999", 1)  # no such unit
    assert "已过期" in wang.alert_text()

    await sun.send("/exposure")
    button = next(data for _, text, data in sun.buttons() if "登记地采合同签订" in text)
    obligation = int(button.removeprefix("xp:"))
    for forged in ("xp:999999", "xp:abc", f"xp:{obligation}9"):
        await sun.press_data(forged, sun.last_message()["message_id"])
        assert "已经完成或不再需要" in sun.alert_text(), forged
    await wang.press_data(button, 1)  # a director records no local contract
    assert "没有权限" in wang.alert_text()
    await sign(sun, "华东区")
    await sun.press_data(button, sun.last_message()["message_id"])  # signed since
    assert "已经完成" in sun.alert_text()
    await sun.send("/exposure")
    assert "没有将要产生的罚款" in sun.last_reply()


LIN = 500400101  # 林峰, NF's first responsible person
WANG = 500100101  # 王建国, the centre's director


async def test_a_fines_evidence_pack_tells_the_whole_story_and_goes_with_the_appeal(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await _rules(org, tmp_path, monkeypatch)
    _, zhang, wang = await centre(org)
    yt_group = await org.bound_group("YT", "液态奶KA群")
    sun, lin = org.person(SUN, "孙伟"), org.person(LIN, "林峰")
    await sun.send("/start")
    await lin.send("/start")
    await locals_to_sign(org, zhang, sun, "华东区")
    at(org, "2027-01-15T10:00")  # leave over the deadline; 周丽 never wrote to kabot
    await sun.send("/leave")
    await sun.send("1月30日至2月5日")
    await sun.send("周丽")
    await sun.press("周丽 ·")
    await sun.press("提交")

    await due(org, monkeypatch, "2027-01-18T09:00")  # 14 days before: read, ignored
    org.world.block(SUN)
    await due(org, monkeypatch, "2027-01-29T09:00")  # 3 days before: 孙伟 blocked kabot
    await due(org, monkeypatch, "2027-02-01T09:00")  # the day: to the stand-in
    await due(org, monkeypatch, "2027-02-02T09:00")  # overdue, and ¥50
    at(org, "2027-02-02T10:00")
    # The director reads the pack while 孙伟 still blocks kabot.
    await wang.send("/fine 1")
    await wang.press("证据包")
    pack = wang.private.texts()[-1]
    lines = pack.splitlines()
    assert "证据包 · 罚款 #1" in pack and "孙伟 · ¥50" in pack
    assert "R6（服务手册 5.3.2）" in pack and "两个月内没有签订地采合同" in pack  # the quote
    assert "每份 ¥50 × 1 份" in pack
    assert "📌 生成义务：2027年度联采合同 · 华东区（起算：2026-12-01），截止 2027-02-01" in pack
    assert any("提醒（提前 14 天） → 孙伟 · ✔ 已送达" in line for line in lines)
    assert any(
        "提醒（提前 3 天） → 孙伟 · ✘ 未送达：Forbidden: bot was blocked by the user" in line
        for line in lines
    )
    assert any(
        "提醒（当天） → 周丽（代理 孙伟，其请假中） · ✘ 未送达：周丽 从未给机器人发过消息" in line
        for line in lines
    )
    assert any("🔴 逾期通知 → 液态奶事业本部（群） · ✔ 已送达" in line for line in lines)
    assert "🧾 记入本笔罚款" in pack
    order = [next(i for i, line in enumerate(lines) if mark in line) for mark in
             ("📌", "提前 14 天", "提前 3 天", "（当天）", "🔴", "🧾 记入")]  # fmt: skip
    assert order == sorted(order)

    await sun.send("/start")  # back: unblocked
    notice = next(m for m in yt_group.bot_messages() if "pk:1" in str(m.get("reply_markup", "")))
    data = "pk:1"
    await lin.press_data(data, notice["message_id"], yt_group)  # another unit's head
    assert "没有权限" in lin.alert_text()
    for forged in ("pk:999999", "pk:abc", f"{data}:y", "pk:1:x:x"):
        await sun.press_data(forged, notice["message_id"], yt_group)
        assert "已过期" in sun.alert_text(), forged
    await sun.press_data(data, notice["message_id"], yt_group)
    assert "私聊" in sun.alert_text()
    assert "证据包 · 罚款 #1" in sun.private.texts()[-1]
    await sun.press("导出工作簿")
    sheet = org.world.bot_messages(SUN)[-1]
    assert sheet["document"]["file_name"] == "证据包-罚款1.xlsx"
    rows = _rows(org, sheet)
    assert rows[0][:5] == ("罚款编号", "人员", "规则", "金额(元)", "状态")
    assert rows[1][:4] == (1, "孙伟", "R6", 50) and "两个月内没有签订地采合同" in rows[1][6]
    assert any("周丽 从未给机器人发过消息" in str(r[6]) for r in rows[2:])

    # The appeal, with the regional buyer's negotiation record and a photo of it.
    await sun.press_data("pl:1:appeal", notice["message_id"], yt_group)
    await sun.send("区域采购的谈判记录证明合同已谈妥，签字在走流程")
    await sun.send_document("谈判记录.pdf", b"%PDF-1.4 record", "application/pdf")
    await sun.send_document("run.exe", b"MZ", "application/octet-stream")
    assert "不是能收的文件" in sun.last_reply()
    await sun.send_photo(caption="签字页")
    await sun.press("完成")
    await sun.press("提交")
    assert "申诉已提交" in sun.last_reply()
    shown = org.world.bot_messages(WANG)
    card = shown[-1]
    assert any(m.get("document", {}).get("file_name") == "谈判记录.pdf" for m in shown)
    assert any("photo" in m for m in shown[-3:])
    text = card["text"]
    assert "🙋 孙伟 申诉：区域采购的谈判记录" in text and "📎 附件：谈判记录.pdf" in text
    assert "📎 附件：照片 · 签字页" in text and "附件 2 份" in text
    await wang.press("申诉成立")
    await sun.press_data(data, notice["message_id"], yt_group)
    pack = sun.private.texts()[-1]
    assert "⚖️ 王建国 豁免：申诉成立" in pack and "已豁免" in pack

    # The centre takes every pack of the month up the line; a unit's head may not.
    await wang.send("/export")
    await wang.press("2027-02 证据包")
    month = org.world.bot_messages(WANG)[-1]
    assert month["document"]["file_name"] == "证据包-2027-02.xlsx"
    rows = _rows(org, month)
    assert {r[0] for r in rows[1:]} == {1} and any(
        "📎 附件：谈判记录.pdf" in str(r[6]) for r in rows
    )
    await sun.press_data("ex:p:2027-02", 1)
    assert "没有权限" in sun.alert_text()


async def test_a_per_day_fines_pack_shows_the_days_and_what_was_waived(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await _rules(org, tmp_path, monkeypatch)
    _, zhang, wang = await centre(org)
    at(org, "2026-12-01T10:00")
    await record_contract(zhang, "2027年度联采合同")  # R5: distributed by the 8th
    await due(org, monkeypatch, "2026-12-09T09:00")
    await due(org, monkeypatch, "2026-12-10T09:00")
    at(org, "2026-12-11T10:00")
    await distribute(zhang, "2027年度联采合同")
    await due(org, monkeypatch, "2026-12-11T10:05")
    await zhang.send("/fine 2")
    await zhang.press("证据包")
    pack = zhang.private.texts()[-1]
    assert (
        "每晚一天 ¥50 × 3 天（2026-12-09 至 2026-12-11）= ¥150；本笔是 2026-12-10 这一天" in pack
    )
    assert "✅ 完成（张敏 于 12-11 10:00 登记）" in pack
    assert "💸 开始计罚通知" in pack and "💸 停止计罚通知" in pack
    await wang.send("/fine 3")
    await wang.press("豁免")
    await wang.send("系统故障，合同下发延误")
    await wang.press("提交")
    await zhang.send("/fine 2")
    await zhang.press("证据包")
    assert "= ¥150，其中已豁免 ¥50" in zhang.private.texts()[-1]
