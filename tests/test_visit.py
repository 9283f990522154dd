"""/visit as field staff use it: search, buttons, natural dates, photos, summary, restart.

The clock stands at Friday 2026-11-20 09:00 (Asia/Shanghai) unless a test moves it.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.harness import Kabot, Person

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
WANG = 500100101  # 王建国, director
EMILY = 500400104  # 胡佳 (Emily Hu), field, 奶粉事业本部 (NF), English


async def zhou_id(kabot: Kabot) -> int:
    person = await kabot.store.staff.by_code("YT002")
    assert person is not None
    return person.id


async def start_visit(kabot: Kabot) -> Person:
    zhou = kabot.person(ZHOU, "周丽")
    await zhou.send("/visit")
    assert "拜访了哪个客户" in zhou.last_reply()
    return zhou


async def fill_visit(zhou: Person) -> None:
    """From the customer question to the summary, the way a person would."""
    await zhou.send("家乐福")
    assert "找到 1 个客户" in zhou.last_reply()
    await zhou.press("家乐福（华东区）")
    assert "什么时候拜访的" in zhou.last_reply()
    await zhou.send("昨天下午3点")
    assert "✓ 时间：记为 2026-11-19 周四 15:00" in zhou.last_reply()
    await zhou.press("逐项填写")
    await zhou.send("采购王经理")
    await zhou.send("10月销量同比增长12%，费用在预算内")
    await zhou.press("跳过")  # cooperation problems
    await zhou.send("端架陈列到位")
    await zhou.press("跳过")  # competitors
    await zhou.press("跳过")  # demand and stock
    await zhou.send("下周补两个堆头")
    assert "发送现场照片" in zhou.last_reply()
    await zhou.send_photo()
    assert "完成（1 张）" in next(t for _, t, _ in zhou.buttons())
    await zhou.send_album(2)
    assert "完成（3 张）" in next(t for _, t, _ in zhou.buttons())
    await zhou.press("跳过")  # no more photos: the three stay
    assert "要附上位置吗" in zhou.last_reply()
    await zhou.send_location()


async def test_a_visit_report_from_first_question_to_saved(org: Kabot) -> None:
    zhou = await start_visit(org)
    # Before typing anything: her recent and overdue customers are one tap away.
    offered = [text for _, text, _ in zhou.buttons()]
    assert any("家乐福（华东区）" in t for t in offered)
    await fill_visit(zhou)

    summary = zhou.last_reply()
    assert "请确认拜访报告" in summary
    for expected in (
        "家乐福（华东区）",
        "2026-11-19 周四 15:00",
        "例行拜访",
        "采购王经理",
        "端架陈列到位",
        "3 张照片",
        "📍 31.23040, 121.47370",
    ):
        assert expected in summary, expected
    await zhou.press("提交")
    assert "已提交拜访报告 V1" in zhou.last_reply()

    report = await org.store.reports.by_id("visit", 1)
    assert report is not None and report.staff_name == "周丽"
    assert report.answers["visit_kind"] == "routine"
    assert "cooperation" not in report.answers  # skipped, not stored as empty
    assert len(report.answers["photos"]) == 3
    customer = await org.store.customers.by_id(report.answers["customer"])
    assert customer is not None and customer.last_visit_on == date(2026, 11, 19)
    assert await org.store.drafts.of(report.staff_id) is None
    audit = await org.store.db.fetch_all(
        "SELECT actor, action FROM audit_log WHERE entity = 'visits' AND entity_id = '1'"
    )
    assert [tuple(r) for r in audit] == [("YT002", "create")]
    # Old question buttons were taken away as she went: nothing to press by mistake.
    assert not [b for b in zhou.buttons() if "例行拜访" in b[1]]


async def test_fields_can_be_changed_from_the_summary(org: Kabot) -> None:
    zhou = await start_visit(org)
    await fill_visit(zhou)
    await zhou.press("✏️ 时间")
    assert "当前：2026-11-19 周四 15:00" in zhou.last_reply()
    await zhou.send("前天上午")
    # Straight back to the summary, with the new answer and the others untouched.
    summary = zhou.last_reply()
    assert "请确认拜访报告" in summary and "2026-11-18 周三 上午" in summary
    assert "端架陈列到位" in summary
    await zhou.press("✏️ 合作")
    await zhou.send("账期拖了两周")
    assert "账期拖了两周" in zhou.last_reply()
    await zhou.press("✏️ 客户")
    await zhou.press("◀ 上一步")  # changed her mind: back to the summary, customer kept
    assert "家乐福（华东区）" in zhou.last_reply()
    await zhou.press("提交")
    report = await org.store.reports.by_id("visit", 1)
    assert report is not None
    assert report.answers["visited_at"]["precision"] == "part"
    assert report.answers["cooperation"] == "账期拖了两周"


async def test_back_goes_to_the_previous_question(org: Kabot) -> None:
    zhou = await start_visit(org)
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.send("昨天")
    assert "这次拜访谈了什么" in zhou.last_reply()
    await zhou.press("◀ 上一步")
    assert "什么时候拜访的" in zhou.last_reply()
    assert "当前：2026-11-19 周四" in zhou.last_reply()


async def test_cancel_saves_nothing_and_old_buttons_go_stale(org: Kabot) -> None:
    zhou = await start_visit(org)
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    stale_id, _, stale_data = zhou.buttons()[0]  # "just now", under the time question
    await zhou.send("/cancel")
    assert "已取消拜访报告，没有保存任何内容" in zhou.last_reply()
    assert await org.store.drafts.of(await zhou_id(org)) is None
    await zhou.press_data(stale_data, stale_id)
    assert "过期" in zhou.alert_text()
    await zhou.send("/cancel")
    assert "没有正在填写的内容" in zhou.last_reply()

    await zhou.send("/visit")
    await zhou.press("✖ 取消")
    assert "已取消拜访报告" in zhou.last_reply()
    visits = await org.store.reports.page("visit")
    assert visits.total == 0


async def test_a_restart_in_the_middle_loses_nothing(org: Kabot) -> None:
    zhou = await start_visit(org)
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.send("昨天下午3点")
    await org.restart()
    # The buttons sent before the restart still work.
    await zhou.press("逐项填写")
    assert "参加人员" in zhou.last_reply()
    await zhou.send("采购王经理")
    await org.restart()
    await zhou.send("销量持平")
    assert "合作中有什么问题" in zhou.last_reply()
    for _ in range(5):
        await zhou.press("跳过")
    await zhou.press("跳过")  # photos
    await zhou.send("跳过")  # location: a typed answer on the reply keyboard
    summary = zhou.last_reply()
    assert "例行拜访" in summary and "采购王经理" in summary and "销量持平" in summary
    await org.restart()
    # A routine visit unless she says otherwise, on the summary.
    await zhou.press("✏️ 类型")
    await zhou.press("专项拜访")
    assert "专项拜访" in zhou.last_reply()
    await zhou.press("提交")
    assert "V1" in zhou.last_reply()


async def test_wrong_kinds_of_answer_get_a_clear_word_and_the_question_again(org: Kabot) -> None:
    zhou = await start_visit(org)
    await zhou.send_sticker()
    reply = zhou.last_reply()
    assert "这里需要文字，您发来的是贴纸" in reply and "拜访了哪个客户" in reply
    await zhou.send("火星超市")
    assert "没有找到“火星超市”" in zhou.last_reply()
    await zhou.send("欧尚")  # a customer of 冰品事业本部
    assert "不是您本部的客户" in zhou.last_reply()
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")

    await zhou.send_voice()
    reply = zhou.last_reply()
    assert "您发来的是语音" in reply and "什么时候拜访的" in reply
    await zhou.send("明天上午")
    assert "拜访时间不能在将来" in zhou.last_reply()
    await zhou.send("随便什么")
    assert "没看懂这个时间" in zhou.last_reply()
    await zhou.send("8点")  # 08:00 has passed, 20:00 has not: no question needed
    assert "这次拜访谈了什么" in zhou.last_reply()
    await zhou.send_sticker()
    assert "这里需要文字，您发来的是贴纸" in zhou.last_reply()
    await zhou.send("业绩：" + "字" * 1600)
    assert "“业绩”太长了：1600 字，最多 1500 字" in zhou.last_reply()

    await zhou.press("逐项填写")
    await zhou.send("字" * 5000)
    assert "太长了：5000 字，这一项最多 200 字" in zhou.last_reply()
    await zhou.send_photo()
    assert "您发来的是照片" in zhou.last_reply()
    await zhou.send("采购王经理")
    for _ in range(5):
        await zhou.press("跳过")
    # Every content section skipped so far: the last one says the rule and cannot be skipped.
    reply = zhou.last_reply()
    assert "下一步计划是什么" in reply and "至少要有一部分内容" in reply
    assert not [t for _, t, _ in zhou.buttons() if "跳过" in t]
    await zhou.send("下周再访")
    await zhou.send("这是照片")
    assert "这里需要照片，您发来的是文字" in zhou.last_reply()
    await zhou.send_document("report.pdf")
    assert "这里需要照片，您发来的是文件" in zhou.last_reply()
    await zhou.press("跳过")
    await zhou.send("在门店")
    assert "请点下方“发送当前位置”" in zhou.last_reply()
    await zhou.send_location()
    assert "📍 位置已记录" in zhou.replies()[-2]
    await zhou.send_sticker()
    assert "这里需要文字，您发来的是贴纸" in zhou.last_reply()
    await zhou.press("提交")
    report = await org.store.reports.by_id("visit", 1)
    assert report is not None and report.answers["next_steps"] == "下周再访"


async def test_an_hour_that_could_be_morning_or_afternoon_is_asked_about(org: Kabot) -> None:
    org.clock.advance(timedelta(hours=8))  # 17:00: both 03:00 and 15:00 have passed
    zhou = await start_visit(org)
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.send("3点")
    reply = zhou.last_reply()
    assert "这个时间有几种理解" in reply
    assert "2026-11-20 周五 03:00" in reply and "2026-11-20 周五 15:00" in reply
    await zhou.press("11-20 15:00")
    assert "这次拜访谈了什么" in zhou.last_reply()
    draft = await org.store.drafts.of(await zhou_id(org))
    assert draft is not None and draft.answers["visited_at"]["at"].startswith("2026-11-20T15:00")


async def test_buttons_that_do_not_belong_are_refused(org: Kabot) -> None:
    zhou = await start_visit(org)
    stale_id, _, stale_data = zhou.buttons()[0]
    await zhou.send("家乐福")
    # The suggestions under the first question are stale now that results were shown.
    await zhou.press_data(stale_data, stale_id)
    assert "过期" in zhou.alert_text()
    assert "拜访了哪个客户" in zhou.last_reply()  # and the question comes again
    # Forged: the right draft and step, a customer of another unit.
    current = zhou.last_message()
    data = current["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    forged = data.rsplit(":", 1)[0] + ":21"  # C0021 belongs to 冰品事业本部
    await zhou.press_data(forged, current["message_id"])
    assert "没有权限" in zhou.alert_text()
    await zhou.press_data("f:not:a:button", current["message_id"])
    assert "过期" in zhou.alert_text()
    draft = await org.store.drafts.of(await zhou_id(org))
    assert draft is not None and "customer" not in draft.answers


async def test_a_second_visit_while_one_is_open_offers_to_continue(org: Kabot) -> None:
    zhou = await start_visit(org)
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.send("/visit")
    assert "您有一份没写完的拜访报告" in zhou.last_reply()
    await zhou.press("继续填写")
    assert "什么时候拜访的" in zhou.last_reply()
    await zhou.send("/issue")
    await zhou.press("放弃它，重新开始")
    assert "哪个客户的问题" in zhou.last_reply()


async def test_only_business_unit_staff_file_visits_and_never_in_a_group(org: Kabot) -> None:
    wang = org.person(WANG, "王建国")
    await wang.send("/visit")
    assert "您的角色不能填写" in wang.last_reply()

    group = await org.bound_group("YT", "液态奶KA群")
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/visit", group)
    card = zhou.last_message(group)
    assert "请私聊我填写" in card["text"]
    link = card["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link.endswith("?start=visit")
    # Following the link opens the visit report in private.
    await zhou.send("/start visit")
    assert "拜访了哪个客户" in zhou.last_reply()


async def test_an_english_visit_report(org: Kabot) -> None:
    emily = org.person(EMILY, "Emily", language_code="en")
    await emily.send("/visit")
    assert "Which customer did you visit?" in emily.last_reply()
    await emily.send("大润发")
    await emily.press("大润发（东北区）")
    await emily.send("last Friday 10am")
    assert "✓ When: taken as 2026-11-13 Fri 10:00" in emily.last_reply()
    await emily.send("Sales down 8% after the competitor's price cut\nNext: meet the buyer")
    summary = emily.last_reply()
    assert "Filed under: Business, Next" in summary
    await emily.press("✏️ Kind")
    await emily.press("Anomaly follow-up")
    await emily.press("✏️ When")
    assert "Your answer so far: 2026-11-13 Fri 10:00" in emily.last_reply()  # not "Now:"
    await emily.press("Back")
    summary = emily.last_reply()
    assert "Please check the visit report" in summary
    assert "2026-11-13 Fri 10:00" in summary and "Anomaly follow-up" in summary
    await emily.press("Submit")
    assert "Visit report V1 submitted" in emily.last_reply()
    assert "/myvisits" in emily.last_reply()
