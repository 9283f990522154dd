"""Decisions with inline buttons: review, approvals, issue handling — exactly once.

Plays the reporter (周丽), the centre director (王建国), a second centre director invited
for the occasion, the marketing director (李志强), the centre's KA manager (张敏) and
outsiders, through every flow, including concurrent presses, stale cards, forged data and a
restart between submission and decision.
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.app import settle
from bot.delivery.outbox import NOTICE, Outbox
from bot.models import Role
from bot.reminders import approvals
from tests.flows import file_visit
from tests.harness import Kabot, Person
from tests.test_promo_and_data import plan_promotion

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
SUN = 500200101  # 孙伟, manager, YT
WANG = 500100101  # 王建国, KA centre director (中心主任)
LI = 500100102  # 李志强, marketing director (营销总监)
ZHANG = 500100103  # 张敏, the KA centre's KA manager
ZHAO_DIRECTOR = 500100199  # a second centre director, invited in the test


async def started(kabot: Kabot, telegram_id: int, name: str) -> Person:
    person = kabot.person(telegram_id, name)
    await person.send("/start")
    return person


async def second_director(kabot: Kabot) -> Person:
    centre = await kabot.store.units.by_code("KA")
    assert centre is not None
    invite = await kabot.store.invites.create(Role.DIRECTOR, centre.id, timedelta(days=7))
    person = kabot.person(ZHAO_DIRECTOR, "赵主任")
    await person.send(f"/start {invite.code}")
    return person


async def audit_actions(kabot: Kabot, entity: str = "decisions") -> list[str]:
    rows = await kabot.store.db.fetch_all(
        "SELECT actor, action FROM audit_log WHERE entity = ? ORDER BY id", (entity,)
    )
    return [f"{r['actor']} {r['action']}" for r in rows]


async def test_a_visit_is_reviewed_and_every_copy_of_the_card_updates(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    li = await started(org, LI, "李志强")
    zhao = await second_director(org)
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)

    card = wang.last_message()
    card_id, _, approve = wang.buttons()[0]
    assert (
        "拜访报告审阅" in card["text"]
        and "V1" in card["text"]
        and "家乐福（华东区）" in card["text"]
    )
    assert "拜访报告审阅" in zhao.last_message()["text"]
    assert not any("V1" in t for t in li.private.texts())  # a marketing matter only later
    await wang.press("✅ 通过")
    assert "已通过" in wang.alert_text()

    for director in (wang, zhao):
        shown = director.private.bot_messages()[-1]
        assert "✅ <b>" not in shown["text"]  # plain text as shown, not markup
        assert "王建国 于" in shown["text"] and "通过" in shown["text"]
        assert "reply_markup" not in shown or not shown["reply_markup"].get("inline_keyboard")
    assert "已由王建国通过" in zhou.last_reply() and "已存入客户档案" in zhou.last_reply()
    visit = await org.store.reports.by_id("visit", 1)
    assert visit is not None and visit.status == "approved"
    assert "KA001 decision.approved" in await audit_actions(org)

    # The second director presses the (now plain) card's old button anyway.
    await zhao.press_data(approve, card_id)
    assert "已由王建国通过" in zhao.alert_text()


async def test_two_directors_pressing_together_make_one_decision(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhao = await second_director(org)
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    first = wang.tap("✅ 通过")
    second = zhao.tap("✅ 通过")
    again = wang.tap("✅ 通过")  # and one of them twice
    assert first and second
    await org.deliver(again)
    alerts = [wang.alert_text(), zhao.alert_text()]
    decided = await org.store.decisions.of_subject("visit", 1)
    assert [d.status for d in decided] == ["approved"]
    winner = decided[0].decided_by_name
    assert winner in ("王建国", "赵主任")
    assert any(f"已由{winner}通过" in a for a in alerts)
    approvals = [a for a in await audit_actions(org) if a.endswith("decision.approved")]
    assert len(approvals) == 1
    told = [t for t in zhou.private.texts() if "已由" in t and "V1" in t]
    assert len(told) == 1


async def test_a_returned_visit_is_revised_and_reviewed_again(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    await wang.press("退回并提建议")
    assert "对这份拜访报告的建议" in wang.last_reply()
    await wang.send("竞品信息太少")
    await wang.send("下次拍端架照片，记录竞品价格")
    assert "请确认退回意见" in wang.last_reply()
    await wang.press("提交")
    assert "已退回" in wang.last_reply()
    told = zhou.last_reply()
    assert "已由王建国退回" in told and "竞品信息太少" in told and "记录竞品价格" in told
    card = next(m for m in wang.private.bot_messages() if "V1" in (m.get("text") or ""))
    assert "退回" in card["text"] and "竞品信息太少" in card["text"]

    org.clock.advance(timedelta(days=3))  # a returned report can be revised after the window
    await zhou.send("/myvisits")
    await zhou.press("V1 ·")
    await zhou.press("修改")
    await zhou.press("✏️ 竞品")
    await zhou.send("竞品A降价5%，端架被占两个")
    await zhou.press("提交")
    visit = await org.store.reports.by_id("visit", 1)
    assert visit is not None and visit.status == "submitted" and visit.version == 2
    card = wang.last_message()["text"]
    assert "竞品A降价5%" in card  # a new card for the new version, with what changed
    assert "自退回后改了" in card and "竞品信息（原：—）" in card
    await wang.press("✅ 通过")
    visit = await org.store.reports.by_id("visit", 1)
    assert visit is not None and visit.status == "approved"


async def test_a_card_for_an_older_version_is_refused(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    old_id, _, old_data = wang.buttons()[0]
    await zhou.send("/myvisits")
    await zhou.press("V1 ·")
    await zhou.press("修改")  # corrected within the window while the review waits
    await zhou.press("✏️ 计划")
    await zhou.send("下周补货")
    await zhou.press("提交")
    old_card = next(m for m in wang.private.bot_messages() if m["message_id"] == old_id)
    assert "作废" in old_card["text"]
    await wang.press_data(old_data, old_id)
    assert "已过时" in wang.alert_text()
    forged = old_data.replace(":1:ok", ":2:ok")  # the old decision with the new version
    await wang.press_data(forged, old_id)
    assert "已过时" in wang.alert_text()
    decisions = await org.store.decisions.of_subject("visit", 1)
    assert [d.status for d in decisions] == ["withdrawn", "pending"]
    assert "KA001 decision.refused" in await audit_actions(org, "callback")


async def test_outsiders_and_forged_buttons_change_nothing(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    li = await started(org, LI, "李志强")
    zhou = org.person(ZHOU, "周丽")
    sun = org.person(SUN, "孙伟")
    await file_visit(zhou)
    _, _, data = wang.buttons()[0]
    await sun.send("/start")
    anchor = sun.last_message()["message_id"]
    for person in (zhou, sun, li):  # the author, her manager, the wrong director
        await person.press_data(
            data, anchor if person is sun else person.last_message()["message_id"]
        )
        alert = person.alert_text()
        assert "没有权限" in alert and "V1" not in alert
    for forged in ("d:1:1:maybe", "d:99:1:ok", "d:1", "d:" + "9" * 60):
        await wang.press_data(forged, wang.last_message()["message_id"])
        assert "过期" in wang.alert_text()
    decisions = await org.store.decisions.of_subject("visit", 1)
    assert [d.status for d in decisions] == ["pending"]
    refusals = [a for a in await audit_actions(org, "callback") if a.endswith("refused")]
    assert len(refusals) == 7


async def test_a_decision_after_a_restart(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    await org.restart()
    await wang.press("✅ 通过")
    visit = await org.store.reports.by_id("visit", 1)
    assert visit is not None and visit.status == "approved"


async def test_a_promotion_needs_both_directors(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    li = await started(org, LI, "李志强")
    group = await org.bound_group("YT", "液态奶KA群")
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/promo")
    await zhou.press("新活动方案")
    await zhou.send("双十二大促")
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.press("选好了")
    for answer in ("提升销量", "温暖过冬"):
        await zhou.send(answer)
    await zhou.press("跳过")
    await zhou.send("12月1日至12月31日")
    await zhou.send("华东20家门店")
    await zhou.press("跳过")
    await zhou.press("跳过")
    await zhou.send("5万")
    await zhou.send("增量30万")
    await zhou.press("提交")

    assert "中心主任审批" in wang.last_message()["text"]
    assert not any("P1" in t for t in li.private.texts())
    await wang.press("✅ 通过")
    assert "待营销总监审批" in zhou.last_reply()
    assert "营销总监审批" in li.last_message()["text"]
    await li.send("/approvals")  # which step it is at, and who took the one before
    listing = li.replies()[-2]
    assert "P1 · 活动方案 · 营销总监审批" in listing
    assert "↳ 活动方案 · 中心主任审批：王建国 11-20 已通过" in listing
    # The marketing director's no: the unit runs it as its own activity (seed 000 5.5.3).
    await li.press("驳回")
    await li.send("集团本季度不做，由本部自行开展")
    await li.press("提交")
    assert "集团本季度不做" in zhou.last_reply() and "系统内的活动" in zhou.last_reply()
    promotion = await org.store.reports.by_id("promotion", 1)
    assert promotion is not None and promotion.status == "unit_activity"
    assert any("系统内的活动" in t and "P1" in t for t in group.texts())
    steps = [(d.step, d.status) for d in await org.store.decisions.of_subject("promotion", 1)]
    assert steps == [("centre", "approved"), ("marketing", "returned")]


async def test_a_promotion_the_centre_returns_is_corrected_and_starts_over(org: Kabot) -> None:
    wang, li = await started(org, WANG, "王建国"), await started(org, LI, "李志强")
    group = await org.bound_group("YT", "液态奶KA群")
    zhou = org.person(ZHOU, "周丽")
    await plan_promotion(zhou)
    await zhou.press("提交")
    await wang.press("驳回")
    await wang.send("预算太高，请控制在3万以内")
    await wang.press("提交")
    assert "预算太高" in zhou.last_reply()
    promotion = await org.store.reports.by_id("promotion", 1)
    assert promotion is not None and promotion.status == "returned"
    await zhou.send("/promos")
    await zhou.press("P1 ·")
    await zhou.press("修改")
    await zhou.press("✏️ 预算")
    await zhou.send("3万")
    await zhou.press("提交")
    assert "中心主任审批" in wang.last_message()["text"]  # starts over at the first step
    await wang.press("✅ 通过")
    await li.press("✅ 通过")
    promotion = await org.store.reports.by_id("promotion", 1)
    assert promotion is not None and promotion.status == "approved"
    assert any("已通过两级审批" in t and "P1" in t for t in group.texts())
    steps = [(d.step, d.status) for d in await org.store.decisions.of_subject("promotion", 1)]
    assert steps == [("centre", "returned"), ("centre", "approved"), ("marketing", "approved")]


async def test_the_centre_handles_an_issue_and_the_reporter_sees_each_step(org: Kabot) -> None:
    unit_group = await org.bound_group("YT", "液态奶KA群")
    centre_group = await org.bound_group("KA", "KA中心群")
    zhang = await started(org, ZHANG, "张敏")
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/issue")
    await zhou.send("永辉")
    await zhou.press("永辉超市（华南区）")
    await zhou.press("跳过")
    await zhou.press("价格")
    await zhou.press("较重")
    await zhou.send("门店售价比约定高2元")
    await zhou.press("跳过")
    await zhou.press("提交")
    unit_card = next(m for m in unit_group.bot_messages() if "I1" in (m.get("text") or ""))
    assert "reply_markup" not in unit_card  # the unit's copy has no buttons

    # A field person pressing the centre's button (forwarded, forged) is refused.
    await zhou.press_data("ih:1:ack", centre_group.bot_messages()[-1]["message_id"], centre_group)
    assert "没有权限" in zhou.alert_text()
    await zhang.press("受理", centre_group)
    assert "已受理" in zhang.alert_text()
    assert "已由张敏受理" in zhou.last_reply()
    for group in (unit_group, centre_group):
        card = next(m for m in group.bot_messages() if "I1" in (m.get("text") or ""))
        assert "受理：张敏" in card["text"] and "已受理" in card["text"]
    handling = [b[1] for b in zhang.buttons(centre_group) if b[2].startswith("ih:")]
    assert handling == ["✍️ 书面回复并关闭"]

    await zhang.press("书面回复并关闭", centre_group)
    # The group's button opens her private chat with the form ready.
    answer = zhang.last_alert()
    assert answer is not None and answer["url"].endswith("?start=draft")
    assert "请写书面回复" in zhang.last_reply()
    await zhang.send("已与门店沟通，明日起按约定价执行")
    await zhang.press("提交")
    assert "已回复并关闭问题 I1" in zhang.last_reply()
    told = zhou.last_reply()
    assert "书面回复并关闭" in told and "明日起按约定价执行" in told
    card = next(m for m in unit_group.bot_messages() if "I1" in (m.get("text") or ""))
    assert "已结束" in card["text"] and "明日起按约定价执行" in card["text"]
    issue = await org.store.reports.by_id("issue", 1)
    assert issue is not None and issue.status == "closed"

    posts = len(centre_group.bot_messages())
    await zhou.press("重新打开")  # from the notice that it was answered
    assert "为什么重新打开" in zhou.last_reply()
    await zhou.send("门店还是按原价卖")
    await zhou.press("提交")
    assert "已重新打开" in zhou.last_reply()
    issue = await org.store.reports.by_id("issue", 1)
    assert issue is not None and issue.status == "open"
    card = next(m for m in centre_group.bot_messages() if "I1" in (m.get("text") or ""))
    assert "待处理" in card["text"]  # the centre's card is back to work, buttons and all
    assert "受理" in str(card["reply_markup"])
    # … and a new post at the bottom of the busy group says who reopened it and why.
    assert len(centre_group.bot_messages()) == posts + 1
    reopened = centre_group.bot_messages()[-1]
    assert "重新打开（周丽" in reopened["text"] and "门店还是按原价卖" in reopened["text"]
    assert "受理" in str(reopened["reply_markup"])
    actions = await audit_actions(org, "issues")
    assert actions == [
        "YT002 create",
        "KA003 issue.acknowledge",
        "KA003 issue.reply",
        "YT002 issue.reopen",
    ]


async def test_a_new_ka_customer_is_admitted_after_both_steps(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    li = await started(org, LI, "李志强")
    zhang = await started(org, ZHANG, "张敏")
    await zhang.send("/admission")
    await zhang.send("盒马鲜生（华东区）")
    await zhang.press("液态奶事业本部")
    await zhang.press("KA零售")
    await zhang.press("战略伙伴")
    await zhang.press("A级")
    await zhang.press("每月")
    await zhang.send("新零售头部客户，门店扩张快")
    await zhang.send("年销售额预计800万")
    await zhang.press("提交")
    assert "A1" in zhang.last_reply()
    await wang.press("✅ 通过")
    await li.press("✅ 通过")
    assert "客户已加入" in zhang.last_reply()
    found = await org.store.customers.search("盒马", unit_id=None)
    assert [c.code for c in found.items] == ["N0001"]
    assert found.items[0].grade == "A" and found.items[0].staff_names == ("张敏",)

    zhou = org.person(ZHOU, "周丽")  # field staff propose no customers
    await zhou.send("/admission")
    assert "您的角色不能填写" in zhou.last_reply()


async def _remind(org: Kabot) -> int:
    """The approval reminders of one run of due work, delivered."""
    assert org.settings is not None
    texts = org.app.bot_data.texts
    outbox = Outbox(org.store.outbox, NOTICE)
    after = org.settings.approval_reminder
    recorded = await approvals.remind(outbox, org.store, texts, org.clock.now(), after)
    await settle(org.app)
    return recorded


async def test_approvals_lists_what_waits_and_reminds_once_a_day(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    li = await started(org, LI, "李志强")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    org.clock.advance(timedelta(hours=2))
    await file_visit(zhou)

    await wang.send("/approvals")
    listing = wang.replies()[0]
    assert "共 2 项" in listing and listing.index("V1") < listing.index("V2")
    await li.send("/approvals")
    assert "没有等您决定的事项" in li.last_reply()

    assert await _remind(org) == 0  # not waiting 24 h yet
    org.clock.advance(timedelta(hours=23))
    assert await _remind(org) == 1  # V1: 25 h
    assert "V1" in wang.last_message()["text"] and "已等您决定" in wang.last_message()["text"]
    org.clock.advance(timedelta(hours=3))
    assert await _remind(org) == 1  # V2 now; V1 not again today
    org.clock.advance(timedelta(hours=22))
    assert await _remind(org) == 1  # V1, a day after its reminder
    await wang.press("✅ 通过")
    org.clock.advance(timedelta(days=2))
    assert await _remind(org) == 1  # only what still waits


async def test_the_words_say_where_a_report_stands(org: Kabot) -> None:
    # A submitted visit is not in the customer's file yet; a promotion's author hears what
    # comes next without "接下来由待营销总监审批".
    wang = await started(org, WANG, "王建国")
    await started(org, LI, "李志强")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    saved = next(t for t in zhou.private.texts() if "已提交拜访报告" in t)
    assert "已存入客户档案" not in saved and "审阅通过后存入客户档案" in saved
    await wang.press("✅ 通过")
    assert "已存入客户档案" in zhou.last_reply()
    from tests.test_promo_and_data import plan_promotion

    await plan_promotion(zhou)
    await zhou.press("提交")
    await wang.press("✅ 通过")
    told = zhou.last_reply()
    assert "下一步：待营销总监审批" in told and "接下来由待" not in told


async def test_an_item_just_filed_has_waited_under_an_hour_not_0_hours(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    await file_visit(org.person(ZHOU, "周丽"))
    await wang.send("/approvals")
    listing = wang.replies()[0]
    assert "不到 1 小时" in listing and "0 小时" not in listing


async def test_the_review_card_comes_with_the_photos_and_the_place(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/visit")
    await zhou.press("家乐福（华东区）")
    await zhou.press("就是现在")
    await zhou.send("陈列：端架到位")
    await zhou.send_album(2, caption="陈列：端架 <A区>")
    await zhou.send_location()
    await zhou.press("提交")
    sent = [c for c in org.world.calls if c.ok and str(c.params.get("chat_id")) == str(WANG)]
    methods = [c.method for c in sent]
    album = methods.index("sendMediaGroup")
    assert methods[album + 1] == "sendLocation" and methods[album + 2] == "sendMessage"
    media = sent[album].params["media"]
    captions = [m.get("caption") for m in (json.loads(media) if isinstance(media, str) else media)]
    assert captions[0] == "V1 · 陈列 · 端架 &lt;A区&gt;" and captions[1] == "V1"
    card = wang.last_message()["text"]
    assert "照片在上面" in card and "位置在地图上" in card


async def test_a_director_approves_with_a_suggestion(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    await wang.press("通过并附建议")
    assert "给拜访人的建议及改善方法" in wang.last_reply()
    await wang.send("下次把竞品价格也记上")
    await wang.press("提交")
    visit = await org.store.reports.by_id("visit", 1)
    assert visit is not None and visit.status == "approved"
    told = zhou.last_reply()
    assert "已由王建国通过" in told and "建议：下次把竞品价格也记上" in told
    card = next(m for m in wang.private.bot_messages() if "V1" in (m.get("text") or ""))
    assert "下次把竞品价格也记上" in card["text"] and "reply_markup" not in card
    # The same button pressed again after the decision: told who decided, nothing changes.
    await wang.press_data("d:1:1:note", card["message_id"])
    assert "已由王建国通过" in wang.alert_text()


async def test_routine_visits_are_approved_together_after_a_look(org: Kabot) -> None:
    wang = await started(org, WANG, "王建国")
    zhou = org.person(ZHOU, "周丽")
    for _ in range(3):
        await file_visit(zhou)
        org.clock.advance(timedelta(minutes=30))
    await zhou.send("/visit")  # a special one: decided on its own card
    await zhou.press("家乐福（华东区）")
    await zhou.press("就是现在")
    await zhou.send("年度合作洽谈")
    await zhou.press("✏️ 类型")
    await zhou.press("专项拜访")
    await zhou.press("提交")

    await wang.send("/approvals")
    listing = next(m for m in wang.private.bot_messages() if "待我审批" in (m.get("text") or ""))
    assert "V4 · 拜访报告审阅（专项拜访）" in listing["text"]
    await wang.press("全部通过这 3 份例行拜访")
    assert "确认通过这 3 份例行拜访报告？" in wang.last_reply()
    assert "V1、V2、V3" in wang.last_reply()
    await wang.press("确认通过 3 份")
    assert "已通过 3 份" in wang.alert_text()
    assert "已一起通过：V1、V2、V3" in wang.last_message()["text"]
    statuses = [(await org.store.reports.by_id("visit", n)) for n in (1, 2, 3, 4)]
    assert [v.status for v in statuses if v] == ["approved", "approved", "approved", "submitted"]
    assert sum("已由王建国通过" in t for t in zhou.private.texts()) == 3
    # Pressed again, or forged: nothing more to approve, nothing approved twice.
    await wang.press_data("ab:3:yes", wang.last_message()["message_id"])
    assert "已经没有待审的了" in wang.alert_text()
    for forged in ("ab:", "ab:x", "ab:1:no"):
        await wang.press_data(forged, wang.last_message()["message_id"])
        assert "过期" in wang.alert_text()
    outsider = await started(org, ZHOU, "周丽")
    await outsider.press_data("ab:9:yes", outsider.last_message()["message_id"])
    assert "已经没有待审的了" in outsider.alert_text()
