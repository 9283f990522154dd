"""The fast visit: counted the way a thumb counts, over the local Bot API.

A tap is a button pressed (inline or on the reply keyboard), a command sent, an album or a
location sent; the prose a person chooses to type is not a tap. The clock stands at Friday
2026-11-20 09:00 (Asia/Shanghai).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bot.delivery.outbox import INTERACTIVE, NOTICE
from tests.harness import Kabot, Person
from tests.test_monthly_rules import due, heads, only
from tests.test_visit import zhou_id

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
WANG = 500100101  # 王建国, director


class Thumb:
    """周丽's taps, counted."""

    def __init__(self, person: Person) -> None:
        self.person, self.taps = person, 0

    async def command(self, text: str) -> None:
        self.taps += 1
        await self.person.send(text)

    async def press(self, label: str) -> None:
        self.taps += 1
        await self.person.press(label)

    async def album(self, count: int, caption: str = "") -> None:
        self.taps += 1
        await self.person.send_album(count, caption=caption)

    async def location(self) -> None:
        self.taps += 1
        await self.person.send_location()

    async def write(self, text: str) -> None:
        await self.person.send(text)  # prose: her words, not a tap


def bot_messages(kabot: Kabot, person: Person) -> int:
    return len(kabot.world.bot_messages(person.id))


async def test_a_complete_routine_visit_takes_at_most_eight_taps(org: Kabot) -> None:
    zhou = Thumb(org.person(ZHOU, "周丽"))
    await zhou.command("/visit")
    await zhou.press("家乐福（华东区）")  # offered before anything is typed
    assert "✓ 客户：家乐福（华东区）" in zhou.person.last_reply()
    await zhou.press("就是现在")
    assert "✓ 时间：2026-11-20 周五 09:00" in zhou.person.last_reply()
    await zhou.write(
        "业绩：10月同比增长12%，费用在预算内\n陈列：端架到位，堆头缺一个\n下一步：下周补两个堆头"
    )
    summary = zhou.person.last_reply()
    assert "✓ 已记入：业绩、陈列、计划" in summary
    assert "例行拜访" in summary  # the default kind, changeable here
    await zhou.album(2, caption="陈列：端架")
    await zhou.location()
    summary = zhou.person.last_reply()
    assert "2 张照片" in summary and "📍 31.23040, 121.47370" in summary
    await zhou.press("提交")
    assert "已提交拜访报告 V1" in zhou.person.last_reply()
    assert zhou.taps <= 8, zhou.taps
    assert zhou.taps == 6  # the figure in the README

    report = await org.store.reports.by_id("visit", 1)
    assert report is not None
    answers = report.answers
    assert answers["visit_kind"] == "routine"
    assert answers["business_review"] == "10月同比增长12%，费用在预算内"
    assert answers["display"] == "端架到位，堆头缺一个"
    assert answers["next_steps"] == "下周补两个堆头"
    assert len(answers["photos"]) == 2
    # The album's caption stays with its photo, which belongs to the display check.
    assert answers["photos"][0]["section"] == "display"
    assert answers["photos"][0]["caption"] == "端架"
    assert answers["location"]["latitude"] == pytest.approx(31.2304)


async def test_a_minimal_visit_is_four_taps_and_one_sentence(org: Kabot) -> None:
    zhou = Thumb(org.person(ZHOU, "周丽"))
    await zhou.command("/visit")
    await zhou.press("家乐福（华东区）")
    await zhou.press("就是现在")
    await zhou.write("店长不在，和采购聊了年货备货")
    summary = zhou.person.last_reply()
    # Said where the unmarked words went: nothing is filed silently.
    assert "没有标明部分的文字记在“业绩”下" in summary
    await zhou.press("提交")
    assert "已提交拜访报告 V1" in zhou.person.last_reply()
    assert zhou.taps <= 4, zhou.taps
    report = await org.store.reports.by_id("visit", 1)
    assert (
        report is not None and report.answers["business_review"] == "店长不在，和采购聊了年货备货"
    )


async def test_a_visit_starts_from_the_customer_card_with_the_customer_answered(
    org: Kabot,
) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/customers 家乐福")
    await person.press("家乐福（华东区）")
    zhou = Thumb(person)
    await zhou.press("📝 记拜访")
    reply = person.last_reply()
    assert "✓ 客户：家乐福（华东区）" in reply and "什么时候拜访的" in reply
    await zhou.press("就是现在")
    await zhou.write("陈列：整齐")
    await zhou.press("提交")
    assert zhou.taps == 3
    report = await org.store.reports.by_id("visit", 1)
    assert report is not None and report.answers["display"] == "整齐"


async def test_a_visit_starts_from_the_plan(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/plan")
    plan = person.last_message()
    rows = plan["reply_markup"]["inline_keyboard"]
    planned = [row for row in rows if ":t:" in row[0]["callback_data"] and "✅" in row[0]["text"]]
    assert planned and all(row[-1]["text"] == "📝 记拜访" for row in planned)
    await person.press_data(planned[0][-1]["callback_data"], plan["message_id"])
    assert "什么时候拜访的" in person.last_reply()
    draft = await org.store.drafts.of(await zhou_id(org))
    assert draft is not None and draft.answers["customer"] == int(
        planned[0][-1]["callback_data"].removeprefix("vs:")
    )


async def test_the_digest_lists_the_longest_overdue_with_a_visit_button(
    org: Kabot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(tmp_path, monkeypatch, "R1")
    _, sun, _ = await heads(org)
    await due(org, monkeypatch, "2026-12-04T08:30")
    digest = sun.last_message()
    assert "最久没拜访的" in digest["text"]
    buttons = [row[0] for row in digest["reply_markup"]["inline_keyboard"]]
    assert buttons and all(b["callback_data"].startswith("vs:") for b in buttons)
    await sun.press(buttons[0]["text"])
    assert "什么时候拜访的" in sun.last_reply()


async def test_same_as_last_time_changes_only_what_changed(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    zhou = Thumb(person)
    await zhou.command("/visit")
    await zhou.press("家乐福（华东区）")
    await person.send("昨天下午3点")
    await zhou.write("业绩：同比+12%\n陈列：端架到位\n竞品：伊利买一赠一")
    await zhou.press("提交")

    await person.send("/visit")
    await person.press("家乐福（华东区）")
    await person.press("就是现在")
    await person.press("沿用上次（11-19）")
    summary = person.last_reply()
    assert "已沿用上次拜访（11-19，V1）" in summary
    assert "业绩、费用、促销达成（沿用上次）" in summary
    await person.send("陈列：堆头被撤了一个")
    summary = person.last_reply()
    assert "堆头被撤了一个" in summary and "端架到位" not in summary  # replaced, not added
    await person.press("提交")
    report = await org.store.reports.by_id("visit", 2)
    assert report is not None
    assert report.answers["display"] == "堆头被撤了一个"
    assert report.answers["business_review"] == "同比+12%"
    assert report.answers["competitors"] == "伊利买一赠一"
    assert "_copied" not in report.answers


async def test_more_text_at_the_summary_adds_to_its_section(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/visit")
    await person.press("家乐福（华东区）")
    await person.press("就是现在")
    await person.send("陈列：端架到位")
    await org.restart()  # the summary and what it holds survive a restart
    await person.send("陈列：收银台陈列缺货\n竞品：蒙牛降价5%")
    await person.press("提交")
    report = await org.store.reports.by_id("visit", 1)
    assert report is not None
    assert report.answers["display"] == "端架到位\n收银台陈列缺货"
    assert report.answers["competitors"] == "蒙牛降价5%"


async def test_an_album_is_one_answer_and_its_count_follows(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/visit")
    await person.press("家乐福（华东区）")
    await person.press("就是现在")
    before = bot_messages(org, person)
    await person.send_album(3)
    # One new message for three photos, showing the three.
    assert bot_messages(org, person) == before + 1
    assert "已收到 3 张照片" in person.last_reply()


async def test_visit_buttons_that_do_not_belong_are_refused(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/start")
    message_id = person.last_message()["message_id"]
    for forged in ("vs:21", "vs:999999", "vs:abc", "vs:", "vs:١٢"):  # C0021: another unit's
        await person.press_data(forged, message_id)
        assert "没有权限" in person.alert_text(), forged
    assert await org.store.drafts.of(await zhou_id(org)) is None
    wang = org.person(WANG, "王建国")  # a director files no visit reports
    await wang.send("/start")
    await wang.press_data("vs:2", wang.last_message()["message_id"])
    assert "没有权限" in wang.alert_text()


async def test_a_visit_button_with_a_draft_open_offers_to_continue(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/issue")
    await person.send("/customers 家乐福")
    await person.press("家乐福（华东区）")
    await person.press("📝 记拜访")
    assert "您有一份没写完的问题反馈" in person.last_reply()
    await person.press("放弃它，重新开始")
    reply = person.last_reply()
    assert "✓ 客户：家乐福（华东区）" in reply and "什么时候拜访的" in reply


async def test_one_by_one_and_the_rest_left_for_the_summary(org: Kabot) -> None:
    person = org.person(ZHOU, "周丽")
    await person.send("/visit")
    await person.press("家乐福（华东区）")
    await person.press("就是现在")
    await person.press("逐项填写")
    # Nothing said yet: the rest may not be left (the report would be empty).
    assert not [t for _, t, _ in person.buttons() if "其余不填" in t]
    await person.press("跳过")  # participants
    await person.send("同比持平")
    assert "合作中有什么问题" in person.last_reply()
    await person.press("其余不填，直接确认")
    summary = person.last_reply()
    assert "⏩ 其余各项跳过" in summary and "请确认拜访报告" in summary
    await person.press("提交")
    report = await org.store.reports.by_id("visit", 1)
    assert report is not None and report.answers["business_review"] == "同比持平"


async def test_a_button_answer_turns_its_question_into_the_next_one(org: Kabot) -> None:
    """Two requests a step: the press answered and the question edited in place; a typed
    answer gets the next question below it and the old one loses its buttons."""
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/visit")
    question = zhou.last_message()
    before = len(org.world.calls)
    await zhou.press("家乐福（华东区）")
    step = [c.method for c in org.world.calls[before:] if c.method != "getUpdates"]
    assert sorted(step) == ["answerCallbackQuery", "editMessageText"], step
    now = zhou.last_message()
    assert now["message_id"] == question["message_id"]  # the same message, now the next step
    assert "✓ 客户：家乐福（华东区）" in now["text"] and "什么时候拜访的" in now["text"]
    assert "✓ 客户：家乐福（华东区）" in zhou.last_reply()

    await zhou.press("就是现在")
    before = len(org.world.calls)
    await zhou.send("业绩：同比增长5%")
    step = [c.method for c in org.world.calls[before:] if c.method != "getUpdates"]
    assert sorted(step) == ["editMessageReplyMarkup", "sendMessage"], step
    assert "reply_markup" not in org.world.messages[ZHOU][question["message_id"]]
    summary = zhou.last_message()
    assert summary["message_id"] > question["message_id"] and "请确认拜访报告" in summary["text"]

    await zhou.press("提交")  # the summary stays, as the record, with the receipt under it
    receipt = org.world.messages[ZHOU][summary["message_id"]]
    assert "请确认拜访报告" in receipt["text"] and "已提交拜访报告 V1" in receipt["text"]
    assert "reply_markup" not in receipt
    assert zhou.last_message()["message_id"] == summary["message_id"]
    # Her replies go first; the director's card, which nobody waits for, is a notice.
    rows = await org.store.db.fetch_all("SELECT chat_id, priority FROM outbox")
    assert {r["priority"] for r in rows if r["chat_id"] == ZHOU} == {INTERACTIVE}
    assert {r["priority"] for r in rows if r["chat_id"] == WANG} == {NOTICE}


async def test_a_button_pressed_on_an_old_question_does_not_rewrite_it(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/visit")
    first = copy.deepcopy(zhou.last_message())  # as it was shown
    await zhou.send("家乐福")  # typed: the search answer comes as a new message
    assert zhou.last_message()["message_id"] > first["message_id"]
    await zhou.press_data(
        first["reply_markup"]["inline_keyboard"][0][0]["callback_data"], first["message_id"]
    )
    assert "过期" in zhou.alert_text()
    assert org.world.messages[ZHOU][first["message_id"]]["text"] == first["text"]
