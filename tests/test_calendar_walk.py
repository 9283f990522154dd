"""Three business units walked through January and February 2026 with the shipped rules file,
one `run_bot.py jobs run-due --now` a day (each run twice: the second changes nothing).

On the way: data on time, late and never (R1); an issue, "none" and silence (R2) with a
hidden issue fined and waived; a contract distributed late (R5, a fine per day); local
contracts signed on time, late and never, with the step-up at three months (R6); copies on
time, late and missing (R7); a reply three days late across a day of downtime and the
January summary sent late (R4); a complaint counted in working days across the Spring
Festival with its 调休 Saturday (R10, R11); 2025's annual results, a negative incentive and an
incentive (R15); a store short of two SKUs confirmed and one waived for a typhoon (R13); leave
with a stand-in, quiet hours, a restart. Every fine is checked to the yuan. Then 国庆 2026 day by
day: what falls on the holiday comes before it, nothing on rest days, the 调休 Saturday a working
day — for R1 and R2, an urgent demand filed on the holiday's eve (R17, hours and working days)
and a complaint's satisfaction counted in working days across it (R18), a store inspected on
the holiday and charged on the day the centre confirms (R13).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.flows import demand, file_complaint, file_visit
from tests.harness import TZ, Group, Kabot, Person
from tests.test_inspections import inspect_nanshan
from tests.test_issue_and_lists import file_issue
from tests.test_ka_results import enter as enter_year
from tests.test_monthly_rules import due, only
from tests.test_store_events import register

ZHANG = 500100103  # 张敏, KA centre manager and its first responsible person
WANG = 500100101  # 王建国, the centre's director
SUN = 500200101  # 孙伟, YT's first responsible person
ZHOU = 500200102  # 周丽, YT field
HE = 500300101  # 何军, BQ's first responsible person
LIN = 500400101  # 林峰, NF's first responsible person
XU = 500400102  # 徐婷, NF, 林峰's stand-in


async def _launched(tmp_path: Path, start: datetime) -> AsyncIterator[Kabot]:
    kabot = await Kabot.launch(tmp_path, start=start)
    try:
        code, output = await kabot.import_roster()
        assert code == 0, output
        yield kabot
    finally:
        await kabot.close()
    assert not kabot.world.violations, kabot.world.violations


@pytest.fixture
async def walk(tmp_path: Path) -> AsyncIterator[Kabot]:
    async for kabot in _launched(tmp_path, datetime(2025, 11, 3, 10, 0, tzinfo=TZ)):
        yield kabot


def at(kabot: Kabot, moment: str) -> None:
    kabot.clock.set(datetime.fromisoformat(moment).replace(tzinfo=TZ))


class Walk:
    def __init__(self, kabot: Kabot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kabot, self.monkeypatch = kabot, monkeypatch

    async def ledger(self) -> list[tuple[str, str, int, str, str]]:
        rows = await self.kabot.store.db.fetch_all(
            "SELECT s.name, l.rule, l.amount_fen, l.period, l.status FROM penalty_ledger l"
            " JOIN staff s ON s.id = l.staff_id ORDER BY l.id"
        )
        return [(r["name"], r["rule"], r["amount_fen"], r["period"], r["status"]) for r in rows]

    def posted(self) -> int:
        world = self.kabot.world
        return sum(len(world.bot_messages(chat_id)) for chat_id in world.messages)

    async def run(self, moment: str) -> str:
        """Run what is due at ``moment``, then again: the second run must change nothing."""
        out = await due(self.kabot, self.monkeypatch, moment)
        ledger, posted = await self.ledger(), self.posted()
        again = await due(self.kabot, self.monkeypatch, moment)
        assert "发送 0 条" in again and "记罚款" not in again and "月度汇总" not in again, again
        assert (await self.ledger(), self.posted()) == (ledger, posted)
        return out

    async def days(self, first: date, last: date) -> None:
        day = first
        while day <= last:
            await self.run(f"{day}T09:00")
            day = date.fromordinal(day.toordinal() + 1)


def since(group: Group, count: int) -> list[str]:
    return group.texts()[count:]


async def submit_data(person: Person, month: str) -> None:
    await person.send("/data")
    await person.press(month)
    await person.press("跳过")
    await person.send("100万")
    for _ in range(4):
        await person.press("跳过")
    await person.press("提交")
    assert "已提交" in person.last_reply()


async def no_issues(person: Person) -> None:
    await person.send("/noissues")
    await person.press("确认本月无执行问题")


async def reply(zhang: Person, centre: Group, number: int, text: str) -> None:
    card = next(m for m in centre.bot_messages() if f"I{number}" in (m.get("text") or ""))
    await zhang.press_data(f"ih:{number}:reply", card["message_id"], centre)
    await zhang.send(text)
    await zhang.press("提交")
    assert f"已回复并关闭问题 I{number}" in zhang.last_reply()


async def test_three_units_two_months(walk: Kabot, monkeypatch: pytest.MonkeyPatch) -> None:
    kabot, w = walk, Walk(walk, monkeypatch)
    store = kabot.store
    centre = await kabot.bound_group("KA", "KA中心群")
    yt = await kabot.bound_group("YT", "液态奶KA群")
    bq = await kabot.bound_group("BQ", "冰品KA群")
    nf = await kabot.bound_group("NF", "奶粉KA群")
    zhang, wang = kabot.person(ZHANG, "张敏"), kabot.person(WANG, "王建国")
    sun, zhou, he = kabot.person(SUN, "孙伟"), kabot.person(ZHOU, "周丽"), kabot.person(HE, "何军")
    lin, xu = kabot.person(LIN, "林峰"), kabot.person(XU, "徐婷")
    for person in (zhang, wang, sun, zhou, he, lin, xu):
        await person.send("/start")

    # Before the walk: a national contract distributed on time, its local contracts listed.
    by = await store.staff.by_code("KA003")
    units = {u.code: u for u in await store.units.all()}
    walmart = (await store.customers.search("沃尔玛", unit_id=None)).items[0]
    carrefour = (await store.customers.search("家乐福", unit_id=None)).items[0]
    assert by is not None
    first = await store.contracts.add(walmart.id, "2026年度联采合同", date(2025, 11, 3), by)
    first = await store.contracts.distribute(first, date(2025, 11, 10), by)
    assert first is not None
    east, south = await store.contracts.add_locals(first, units["YT"].id, ["华东区", "华南区"], by)
    (north,) = await store.contracts.add_locals(first, units["BQ"].id, ["北区"], by)
    assert len(await store.contracts.add_locals(first, units["NF"].id, ["全国"], by)) == 1
    at(kabot, "2025-12-20T10:00")
    await store.contracts.mark_local(east, "signed_on", date(2025, 12, 20), by)
    at(kabot, "2025-12-30T10:00")
    second = await store.contracts.add(carrefour.id, "年度促销协议", date(2025, 12, 30), by)
    lin_staff = await store.staff.by_code("NF001")
    xu_staff = await store.staff.by_code("NF002")
    assert lin_staff is not None and xu_staff is not None
    await store.staff.add_leave(lin_staff, date(2026, 1, 1), date(2026, 1, 6), xu_staff)

    # ------------------------------------------------------------------ January
    at(kabot, "2026-01-03T10:00")
    await no_issues(lin)  # NF: no issues this month (R2)
    await w.days(date(2026, 1, 1), date(2026, 1, 4))
    # R5, three days before:
    assert any("R5" in t and "年度促销协议" in t for t in zhang.private.reminders())

    at(kabot, "2026-01-05T10:00")
    await submit_data(sun, "2025-12")  # YT: December's data on time (R1)
    at(kabot, "2026-01-05T11:00")
    await store.contracts.mark_local(north, "signed_on", date(2026, 1, 5), by)
    await w.run("2026-01-05T09:00")
    # 林峰 is on leave: his R1 reminder reaches 徐婷, his stand-in.
    assert any(t.startswith("⏰ R1") and "休假" in t for t in xu.private.reminders())
    assert not any(t.startswith("⏰ R1") for t in lin.private.reminders())
    await w.run("2026-01-06T09:00")

    at(kabot, "2026-01-07T10:00")
    await file_issue(zhou, photos=0)  # YT reports an issue: R2 met, I1 due a reply by 30 Jan
    centre_seen, lin_seen = len(centre.texts()), len(lin.private.texts())
    out = await w.run("2026-01-07T22:30")  # quiet hours: the day's notices wait
    assert "发送 0 条" in out and "因免打扰时段稍后发送" in out
    assert since(centre, centre_seen) == [] and len(lin.private.texts()) == lin_seen
    await w.run("2026-01-08T08:00")  # the morning: sent, late
    assert any(t.startswith("⏰ R1") and "就是今天" in t for t in lin.private.reminders())
    assert "逾期：R5" in " ".join(since(centre, centre_seen))
    assert "开始计罚：R5" in " ".join(since(centre, centre_seen))

    await w.run("2026-01-08T09:00")
    at(kabot, "2026-01-08T10:00")
    await store.contracts.distribute(second, date(2026, 1, 8), by)  # two days late
    await w.run("2026-01-08T10:05")
    stop = next(t for t in centre.texts() if "停止计罚：R5" in t)
    assert "共逾期 2 天" in stop and "¥100" in stop

    bq_seen, nf_seen = len(bq.texts()), len(nf.texts())
    await w.run("2026-01-09T09:00")
    assert any("逾期：R1" in t for t in since(bq, bq_seen))  # BQ: no data at all
    assert any("逾期：R1" in t for t in since(nf, nf_seen))  # NF: not yet
    at(kabot, "2026-01-09T11:00")
    await submit_data(lin, "2025-12")  # NF: late

    await w.run("2026-01-10T09:00")
    bq_seen, yt_seen, wang_seen = len(bq.texts()), len(yt.texts()), len(wang.private.texts())
    out = await w.run("2026-01-11T09:00")  # a Sunday: the 11th's notices wait for Monday
    assert "发送 0 条" in out and "因休息日等到下一个工作日发送" in out
    assert since(bq, bq_seen) == since(yt, yt_seen) == []
    assert len(wang.private.texts()) == wang_seen
    await w.run("2026-01-12T09:00")
    assert any("逾期：R2" in t for t in since(bq, bq_seen))
    # R6: two months after distribution, 华南区 (YT) and 全国 (NF) are unsigned: 50 each.
    assert any("罚款通知" in t and "华南区" in t for t in since(yt, yt_seen))
    assert any("升级：R1" in t and "冰品" in t for t in wang.private.texts())  # the director

    at(kabot, "2026-01-12T10:00")  # the centre records BQ's hidden issue; the director waives
    await zhang.press("存在问题未报送", bq)
    await zhang.send("大润发北区1月3日断货未报")
    await zhang.press("提交")
    notice = next(m for m in reversed(bq.bot_messages()) if "罚款通知" in (m.get("text") or ""))
    entry_id = next(
        b["callback_data"] for row in notice["reply_markup"]["inline_keyboard"] for b in row
    ).split(":")[1]
    await wang.press_data(f"pl:{entry_id}:waive", notice["message_id"], bq)
    await wang.send("门店系统故障，不可抗因素")
    await wang.press("提交")
    assert any("豁免" in t and "不可抗因素" in t for t in bq.texts())

    await w.days(date(2026, 1, 13), date(2026, 1, 14))
    # R15: the centre enters 2025's results; the director confirms both proposals. YT fell
    # 10% short of 2024: 3,000 + 5,000 × 10/20 = ¥5,500 off; NF beat its budget by 10%:
    # 5,000 + 15,000 × 10/20 = ¥12,500.
    at(kabot, "2026-01-14T15:00")
    await enter_year(zhang, "液态奶事业本部", "1000万", "900万", "1100万")
    await enter_year(zhang, "奶粉事业本部", "800万", "990万", "900万")
    for _ in range(2):  # the newest card first: NF's, then YT's
        await wang.press("确认记入", chat=centre)
    assert any("负激励" in t and "¥5,500" in t for t in yt.texts())
    assert any("¥12,500" in t for t in nf.texts())

    at(kabot, "2026-01-15T10:00")
    await store.contracts.mark_local(south, "signed_on", date(2026, 1, 15), by)  # late
    await file_visit(zhou, when="今天上午10点")
    # R13: 周丽 finds two SKUs of YT's standard missing at 南山店 — the key one ¥100, the
    # other ¥50 — and the centre confirms; a second store short after a typhoon is waived.
    at(kabot, "2026-01-15T11:00")
    await inspect_nanshan(zhou, "6901001 纯牛奶", "6901002 高钙低脂奶")
    await zhou.press("提交")
    await zhang.press("确认考核", chat=centre)
    await inspect_nanshan(zhou, "6901003 原味酸奶", photo=False)
    await zhou.press("提交")
    await zhang.press("不可抗因素", chat=centre)
    await zhang.send("台风导致华南仓库停运三天")
    await zhang.press("提交")
    assert any("R13" in t and "¥150" in t for t in yt.texts())
    assert any("不予考核" in t for t in yt.texts())
    await w.days(date(2026, 1, 15), date(2026, 1, 19))

    await kabot.restart()  # a restart changes nothing that was sent or charged
    store = kabot.store
    await w.days(date(2026, 1, 20), date(2026, 1, 28))
    at(kabot, "2026-01-28T10:00")
    await file_visit(zhou, when="今天上午9点")
    at(kabot, "2026-01-30T10:00")
    await store.contracts.mark_local(east, "copy_on", date(2026, 1, 30), by)  # 10 days late

    # ------------------------------------------------------------------ down 29 Jan – 1 Feb
    centre_seen, yt_seen = len(centre.texts()), len(yt.texts())
    await w.run("2026-02-02T09:00")
    late = since(centre, centre_seen)
    assert any("逾期：R4" in t for t in late)
    started = next(t for t in late if "开始计罚：R4" in t)
    assert "已计 3 天，共 ¥150" in started
    assert any("升级：R4" in t for t in wang.private.texts())
    summary = next(t for t in since(yt, yt_seen) if t.startswith("📊"))
    assert "2026-01 月度汇总 · 液态奶事业本部" in summary and "（补发）" in summary
    assert "共 2 次" in summary and "周丽：2 次" in summary
    assert "新增 1 · 已解决 0 · 月末未回复 1（其中逾期 1）" in summary
    assert "液态奶事业本部 2026-01-05 ✅" in summary
    # R6 华南区, R7 华东区, the R13 inspection and R15's negative incentive:
    assert "罚款：4 笔，¥5,750" in summary and "奖励" not in summary
    whole = next(t for t in late if t.startswith("📊"))
    assert "奶粉事业本部 2026-01-09 ⚠️ 逾期" in whole and "冰品事业本部 ❌ 未交" in whole
    assert "罚款：8 笔，¥5,950 · 豁免 1 笔，¥50 · 奖励 ¥12,500" in whole

    at(kabot, "2026-02-02T10:00")
    await reply(zhang, centre, 1, "已与门店沟通，断货已补")
    await w.run("2026-02-02T10:05")
    stop = centre.texts()[-1]
    assert "停止计罚：R4" in stop and "共逾期 3 天" in stop and "¥150" in stop

    # ------------------------------------------------------------------ February
    at(kabot, "2026-02-03T10:00")
    await no_issues(sun)
    await no_issues(lin)
    await w.days(date(2026, 2, 3), date(2026, 2, 5))
    at(kabot, "2026-02-06T10:00")
    await submit_data(sun, "2026-01")
    await w.days(date(2026, 2, 6), date(2026, 2, 9))
    at(kabot, "2026-02-10T10:00")
    await store.contracts.mark_local(south, "copy_on", date(2026, 2, 10), by)  # on time
    await submit_data(he, "2026-01")  # BQ: two days late
    await w.days(date(2026, 2, 10), date(2026, 2, 11))
    at(kabot, "2026-02-12T10:00")
    await file_complaint(zhou)  # I2: acknowledge in 24 h (R10), resolve in 5 working days (R11)
    await w.days(date(2026, 2, 12), date(2026, 2, 26))
    r10 = [t for t in centre.texts() if "逾期：R10" in t]
    assert len(r10) == 1 and "2026-02-13" in r10[0]
    # 13 Feb, the 调休 Saturday 14 Feb, then 24–26 Feb after the Spring Festival.
    assert any(t.startswith("⏰ R11") and "2026-02-26" in t for t in zhang.private.reminders())
    at(kabot, "2026-02-27T10:00")
    await w.run("2026-02-27T09:00")
    assert any("逾期：R11" in t and "2026-02-26" in t for t in centre.texts())
    await reply(zhang, centre, 2, "已下架并向顾客致歉")
    await w.days(date(2026, 2, 28), date(2026, 2, 28))

    assert await w.ledger() == [
        ("张敏", "R5", 5000, "2026-01", "posted"),
        ("张敏", "R5", 5000, "2026-01", "posted"),
        ("孙伟", "R6", 5000, "2026-01", "posted"),
        ("林峰", "R6", 5000, "2026-01", "posted"),
        ("何军", "R2", 5000, "2026-01", "waived"),
        ("林峰", "R15", 1250000, "2026-01", "posted"),
        ("孙伟", "R15", 550000, "2026-01", "posted"),
        ("孙伟", "R13", 15000, "2026-01", "posted"),
        ("孙伟", "R7", 5000, "2026-01", "posted"),
        ("张敏", "R4", 5000, "2026-01", "posted"),
        ("张敏", "R4", 5000, "2026-02", "posted"),
        ("张敏", "R4", 5000, "2026-02", "posted"),
        ("何军", "R7", 5000, "2026-02", "posted"),
        ("林峰", "R6", 10000, "2026-02", "posted"),
    ]
    standing = await kabot.store.db.fetch_all(
        "SELECT kind, SUM(amount_fen) AS fen FROM penalty_ledger WHERE status = 'posted'"
        " GROUP BY kind ORDER BY kind"
    )
    # ¥550 of the calendar's fines, ¥150 of R13 and R15's ¥5,500 standing (¥50 waived); one
    # incentive of ¥12,500.
    assert [(r["kind"], r["fen"]) for r in standing] == [
        ("incentive", 1250000),
        ("penalty", 620000),
    ]


@pytest.fixture
async def autumn(tmp_path: Path) -> AsyncIterator[Kabot]:
    async for kabot in _launched(tmp_path, datetime(2026, 9, 21, 10, 0, tzinfo=TZ)):
        yield kabot


def _what(texts: list[str]) -> list[str]:
    """What a day brought: reminders (⏰ Rn), overdue notices, the digest (📋), summary (📊)."""
    return sorted({tag for t in texts for tag in re.findall(r"⏰ R\d+|逾期：R\d+|📋|📊", t)})


async def test_national_day_2026_reminders_come_before_the_holiday_and_none_on_rest_days(
    autumn: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1", "R2", "R13", "R14", "R16", "R17", "R18")
    kabot, w = autumn, Walk(autumn, monkeypatch)
    yt = await kabot.bound_group("YT", "液态奶KA群")
    centre = await kabot.bound_group("KA", "KA中心群")
    sun, zhang, zhou = (
        kabot.person(SUN, "孙伟"),
        kabot.person(ZHANG, "张敏"),
        kabot.person(ZHOU, "周丽"),
    )
    for person in (sun, zhang, zhou):
        await person.send("/start")
    # A road show on 5 December: its feasibility plan is due two months before, on the
    # holiday's 5 October (R14); Q3's meetings with the customers are due on 30 September.
    await register(sun, "12月5日")
    await w.run("2026-09-24T09:00")  # September's own notices, before the walk
    # Q3 ends on Wednesday 30 September; its −3 reminder (the Sunday 27th) comes on the last
    # working day before: not Friday the 25th, 中秋节, but Thursday the 24th.
    r16 = [t for t in sun.private.texts() if "⏰ R16" in t]
    assert len(r16) == 1 and "2026-Q3" in r16[0] and "还有 6 天" in r16[0]
    days: dict[str, list[str]] = {}
    others: dict[str, list[str]] = {}  # the centre's (R17) and the reporter's (R18)
    texts: dict[str, list[str]] = {}
    day = date(2026, 9, 28)
    while day <= date(2026, 10, 13):
        private, group = len(sun.private.texts()), len(yt.texts())
        theirs = len(zhang.private.texts()), len(zhou.private.texts())
        await w.run(f"{day}T09:00")
        texts[f"{day:%m-%d}"] = sun.private.texts()[private:] + since(yt, group)
        days[f"{day:%m-%d}"] = _what(texts[f"{day:%m-%d}"])
        new = zhang.private.texts()[theirs[0] :] + zhou.private.texts()[theirs[1] :]
        others[f"{day:%m-%d}"] = [t for t in _what(new) if "R" in t]  # not their digests
        if day == date(2026, 9, 28):  # a complaint, answered the next day: R18 by 12 Oct
            at(kabot, "2026-09-28T10:00")
            await file_complaint(zhou)
        elif day == date(2026, 9, 29):
            at(kabot, "2026-09-29T10:00")
            await reply(zhang, centre, 1, "已下架并向顾客致歉")
        elif day == date(2026, 9, 30):  # an urgent demand on the eve of the holiday
            at(kabot, "2026-09-30T16:00")
            await demand(zhou)
        elif day == date(2026, 10, 3):  # stores are busiest on the holiday: an inspection
            at(kabot, "2026-10-03T11:00")
            await inspect_nanshan(zhou, "6901002 高钙低脂奶", photo=False)
            await zhou.press("提交")
            cards = [t for t in centre.texts() if "门店巡查" in t]
            assert len(cards) == 1 and "¥50" in cards[0]  # what a person files goes at once
        elif day == date(2026, 10, 8):  # …and the centre decides when work resumes
            at(kabot, "2026-10-08T10:00")
            await zhang.press("确认考核", chat=centre)
            assert "R13" in yt.texts()[-1] and "¥50" in yt.texts()[-1]
        day += timedelta(days=1)
    holiday = {f"10-0{n}": [] for n in range(1, 8)}  # 国庆: 1–7 October, nothing at all
    assert days == {
        "09-28": ["📋"],
        "09-29": ["📋"],
        # R1's −3 and −1 (5 and 7 October), R2's −3 (the 7th) and R14's −3 and its day (the
        # plan is due on the 5th, 不得顺延) come before the holiday.
        "09-30": ["⏰ R1", "⏰ R14", "⏰ R2", "📋"],
        **holiday,
        # R1 on its day (the 8th, 不得顺延); September's summary, due on the 1st, today;
        # the overdue notices of R14 (due the 5th) and R16 (Q3) held over the holiday.
        "10-08": ["⏰ R1", "逾期：R14", "逾期：R16", "📊", "📋"],
        "10-09": ["⏰ R2", "逾期：R1", "📋"],
        "10-10": ["⏰ R2", "📋"],  # the 调休 Saturday is a working day: R2's own day
        "10-11": [],  # Sunday: R2's overdue notice waits
        "10-12": ["逾期：R2", "📋"],
        "10-13": ["📋"],
    }
    # R17: the first answer fell due on 1 October at 16:00 — overdue when work resumes; the
    # plan (3 working days: 8, 9, 10 October) on the 调休 Saturday, overdue on Monday.
    # R18: 5 working days from the reply of 29 September (30 Sep, 8, 9, 10, 12 Oct): its
    # reminder the day before, a Sunday, comes on the 调休 Saturday.
    assert others == {
        **{d: [] for d in ("09-28", "09-29", "09-30", *holiday, "10-09", "10-11")},
        "10-08": ["逾期：R17"],
        "10-10": ["⏰ R17", "⏰ R18"],
        "10-12": ["逾期：R17"],
        "10-13": ["逾期：R18"],
    }
    # R13: filed on the holiday, charged on the day the centre confirmed it, not before.
    [entry] = await kabot.store.ledger.month("2026-10")
    assert (entry.rule, entry.amount_fen, entry.staff_name) == ("R13", 5000, "孙伟")
    assert entry.created_at.date() == date(2026, 10, 8)
    assert not [t for d in holiday for t in texts[d] if "R13" in t]
    # The eve of the holiday's digest looks over it: both deadlines after it are listed.
    digest = next(t for t in texts["09-30"] if t.startswith("📋"))
    assert "2026-10-08" in digest and "2026-10-10" in digest
    reminder = next(t for t in texts["09-30"] if "⏰ R1" in t)
    assert "您有 3 项提醒" in reminder and "还有 8 天" in reminder
    assert "春节路演·南山店" in reminder and "2026-10-05" in reminder
    assert "就是今天" in next(t for t in texts["10-10"] if "⏰ R2" in t)
