"""What every report conversation shares: restarts, cancel, group deep links, long answers."""

from __future__ import annotations

import pytest

from tests.harness import Kabot, Person

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
EMILY = 500400104  # 胡佳 (Emily Hu), field, 奶粉事业本部 (NF), English


async def open_form(zhou: Person, form: str) -> None:
    if form == "promo":
        await zhou.send("/promo")
        await zhou.press("新活动方案")
    else:
        await zhou.send(f"/{form}")


# form → (first answer, what is asked next, second answer, what is asked then,
#          what "back" goes to from there)
HALFWAY = {
    "issue": ("永辉", "具体门店", "深圳南山店", "属于哪类问题", "具体门店"),
    "promo": ("元旦活动", "哪些客户参加", "家乐福", "找到 1 个客户", "活动名称"),
    "data": ("2026-10", "发送数据表文件", "跳过", "门店销售额合计", "发送数据表文件"),
}


async def answer(zhou: Person, form: str, text: str) -> None:
    if form == "issue" and text == "永辉":
        await zhou.send(text)
        await zhou.press("永辉超市（华南区）")
    elif form == "data":
        await zhou.press(text)
    else:
        await zhou.send(text)


@pytest.mark.parametrize("form", list(HALFWAY))
async def test_a_restart_halfway_continues_and_cancel_saves_nothing(org: Kabot, form: str) -> None:
    zhou = org.person(ZHOU, "周丽")
    await open_form(zhou, form)
    first, second_question, second, third_question, before = HALFWAY[form]
    await answer(zhou, form, first)
    assert second_question in zhou.last_reply()
    await org.restart()
    await answer(zhou, form, second)
    assert third_question in zhou.last_reply()
    await zhou.press("◀ 上一步")
    assert before in zhou.last_reply()
    await zhou.press("✖ 取消")
    assert "已取消" in zhou.last_reply()
    kind = {"issue": "issue", "promo": "promotion", "data": "data"}[form]
    assert (await org.store.reports.page(kind)).total == 0
    staff = await org.store.staff.by_code("YT002")
    assert staff is not None and await org.store.drafts.of(staff.id) is None


@pytest.mark.parametrize("form", ["visit", "issue", "promo", "data"])
async def test_in_a_group_a_report_command_opens_the_private_chat(org: Kabot, form: str) -> None:
    group = await org.bound_group("YT", "液态奶KA群")
    zhou = org.person(ZHOU, "周丽")
    before = len(group.bot_messages())
    await zhou.send(f"/{form}@kabot_test_bot", group)
    posted = group.bot_messages()[before:]
    assert len(posted) == 1  # one pointer, nothing of the report in the group
    link = posted[0]["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link == f"https://t.me/kabot_test_bot?start={form}"
    await zhou.send(f"/start {form}")
    assert "1/" in zhou.last_reply()


async def test_a_file_where_words_were_asked(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/issue")
    await zhou.send_document("投诉.docx")
    reply = zhou.last_reply()
    assert "这里需要文字，您发来的是文件" in reply and "哪个客户的问题" in reply


async def test_long_answers_are_kept_whole_and_shortened_on_screen(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/visit")
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.press("就是现在")
    await zhou.press("逐项填写")
    await zhou.send("参" * 200)
    sections = [str(i) * 1500 for i in range(6)]
    for text in sections:
        await zhou.send(text)
    await zhou.press("跳过")
    await zhou.send("跳过")
    summary = zhou.last_reply()
    assert len(summary) <= 4096 and "…" in summary
    await zhou.press("提交")
    report = await org.store.reports.by_id("visit", 1)
    assert report is not None and report.answers["next_steps"] == sections[5]
    await zhou.send("/myvisits")
    await zhou.press("V1 ·")
    card = zhou.last_message()["text"]
    assert "拜访报告 V1" in card and len(card) <= 4096


async def test_an_english_issue_and_promotion(org: Kabot) -> None:
    emily = org.person(EMILY, "Emily", language_code="en")
    await emily.send("/issue")
    await emily.send("大润发")
    await emily.press("大润发（东北区）")
    await emily.press("Skip")
    await emily.press("Price")
    await emily.press("Medium")
    await emily.send("Shelf price 2 yuan above the agreed price")
    await emily.press("Skip")
    await emily.press("✏️ Severity")
    await emily.press("Urgent")
    summary = emily.last_reply()
    assert "Please check the issue report" in summary and "Urgent" in summary
    await emily.press("Submit")
    assert "Issue report I1 submitted" in emily.last_reply()

    await emily.send("/promo")
    await emily.press("New promotion plan")
    await emily.send("New Year milk powder week")
    await emily.send("大润发")
    await emily.press("大润发（东北区）")
    await emily.press("Done")
    await emily.send("Grow January sales by 15%")
    await emily.send("A healthy new year")
    await emily.press("Skip")
    await emily.send("Dec 28 - Jan 3")
    await emily.send("All 12 stores in the north-east")
    await emily.press("Skip")
    await emily.press("Skip")
    await emily.send("50k")
    await emily.send("Extra sales of 200k yuan")
    summary = emily.last_reply()
    assert "2026-12-28 to 2027-01-03 (7 days)" in summary and "¥50,000" in summary
    await emily.press("Submit")
    assert "Promotion plan P1 submitted" in emily.last_reply()


async def test_the_menu_opens_reports_for_those_who_file_them(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    await zhou.press("📝 拜访报告")
    assert "拜访了哪个客户" in zhou.last_reply()
    wang = org.person(500100101, "王建国")  # a director files no reports
    await wang.send("/start")
    assert not [b for b in wang.buttons() if "拜访报告" in b[1]]
    await wang.press_data("menu:visit", wang.last_message()["message_id"])
    assert "没有权限" in wang.alert_text()
    await wang.press("问题列表")
    assert "没有待处理的问题" in wang.last_reply()
