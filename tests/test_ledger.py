"""Fines and incentives: recorded by the KA centre, posted, appealed, waived — each once."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Role
from tests.harness import Group, Kabot, Person

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
SUN = 500200101  # 孙伟, manager, YT
WANG = 500100101  # 王建国, KA centre director
ZHANG = 500100103  # 张敏, the KA centre's KA manager


async def started(kabot: Kabot, telegram_id: int, name: str) -> Person:
    person = kabot.person(telegram_id, name)
    await person.send("/start")
    return person


async def fine(zhang: Person, who: str, amount: str, reason: str) -> None:
    await zhang.send("/penalty")
    await zhang.send(who)
    assert "找到 1 位同事" in zhang.last_reply()  # people, not customers
    await zhang.press(f"{who} ·")
    await zhang.send(amount)
    await zhang.send(reason)
    await zhang.press("提交")


async def setting(org: Kabot) -> tuple[Group, Person, Person, Person]:
    group = await org.bound_group("YT", "液态奶KA群")
    zhang = await started(org, ZHANG, "张敏")
    wang = await started(org, WANG, "王建国")
    zhou = await started(org, ZHOU, "周丽")
    return group, zhang, wang, zhou


async def test_a_fine_is_posted_appealed_and_waived(org: Kabot) -> None:
    group, zhang, wang, zhou = await setting(org)
    await fine(zhang, "周丽", "50", "R2：10月存在问题未报告")
    assert "已记入罚款 #1" in zhang.last_reply()
    notice = group.texts()[-1]
    assert "罚款通知 #1" in notice and "周丽" in notice and "¥50" in notice and "未报告" in notice
    assert "罚款通知 #1" in zhou.last_reply()

    sun = await started(org, SUN, "孙伟")
    await sun.press("申诉", group)  # not his fine
    assert "没有权限" in sun.alert_text()

    await zhou.press("申诉")
    assert "申诉的理由" in zhou.last_reply()
    await zhou.send("问题已在9号口头报告过孙经理")
    await zhou.press("跳过")  # no evidence to attach
    await zhou.press("提交")
    assert "申诉已提交" in zhou.last_reply()
    assert "申诉中" in group.texts()[-1] and "口头报告" in group.texts()[-1]
    assert "申诉中" in wang.last_message()["text"]

    await wang.press("申诉成立")
    entry = await org.store.ledger.by_id(1)
    assert entry is not None and entry.status == "waived" and entry.decision_note == "申诉成立"
    assert any("已由王建国豁免" in t for t in group.texts())
    assert "已由王建国豁免" in zhou.last_reply()
    await wang.press_data("pl:1:uphold", wang.last_message()["message_id"])
    assert "已豁免" in wang.alert_text()  # decided already: nothing changes


async def test_a_director_waives_and_two_presses_decide_once(org: Kabot) -> None:
    group, zhang, wang, zhou = await setting(org)
    await fine(zhang, "周丽", "100", "R7：合同副本逾期")
    await wang.press_data("pl:1:waive", group.bot_messages()[-1]["message_id"], group)
    assert "请在私聊中填写理由" in wang.alert_text()
    await wang.send("台风停运，不可抗因素")
    await wang.press("提交")
    assert "已豁免" in wang.last_reply()
    assert any("台风停运" in t for t in group.texts())

    await fine(zhang, "周丽", "50", "R2：11月存在问题未报告")
    await zhou.press("申诉")
    await zhou.send("没有问题需要报告")
    await zhou.press("跳过")  # no evidence to attach
    await zhou.press("提交")
    centre = await org.store.units.by_code("KA")
    assert centre is not None
    invite = await org.store.invites.create(Role.DIRECTOR, centre.id, timedelta(days=1))
    zhao = org.person(500100199, "赵主任")
    await zhao.send(f"/start {invite.code}")
    anchor = group.bot_messages()[-1]["message_id"]
    org.world.press(WANG, group.id, anchor, "pl:2:uphold")
    last = org.world.press(500100199, group.id, anchor, "pl:2:grant")
    await org.deliver(last)
    entry = await org.store.ledger.by_id(2)
    assert entry is not None and entry.status in ("waived", "upheld")
    decided = await org.store.db.fetch_all(
        "SELECT action FROM audit_log WHERE entity = 'penalty_ledger' AND entity_id = '2'"
        " AND action IN ('ledger.waived', 'ledger.upheld')"
    )
    assert len(decided) == 1


async def test_only_the_centre_records_fines_and_only_directors_incentives(org: Kabot) -> None:
    group, _zhang, wang, zhou = await setting(org)
    sun = await started(org, SUN, "孙伟")
    await sun.send("/penalty")  # a unit manager is not the KA centre: refused at once
    assert "只有KA中心" in sun.last_reply()
    await zhou.send("/incentive")
    assert "您的角色不能填写" in zhou.last_reply()
    await zhou.send("/penalty")
    assert "您的角色不能填写" in zhou.last_reply()

    await wang.send("/incentive")
    await wang.send("火星人")
    assert "没有找到“火星人”" in wang.last_reply()
    await wang.send("周丽")
    await wang.press("周丽 ·")
    await wang.send("五百")
    assert "请写金额" in wang.last_reply()
    await wang.send("500")
    await wang.send("双十二活动执行出色")
    await wang.press("提交")
    assert "已记入奖励 #1" in wang.last_reply()
    assert "奖励通知 #1" in group.texts()[-1]
    assert "reply_markup" not in group.bot_messages()[-1]  # nothing to appeal
    assert await org.store.ledger.by_id(1) is not None


async def test_penalties_shows_each_their_share_of_the_ledger(org: Kabot) -> None:
    _group, zhang, wang, zhou = await setting(org)
    await fine(zhang, "周丽", "50", "R2 未报告")
    await fine(
        zhang,
        "郑芳",
        "80",
        "R7：地采合同副本逾期未交回集团重点客户中心，两次催促，到期日 2026-11-05，已超 3 天",
    )
    await fine(zhang, "马琳", "60", "R2 未报告")  # 冰品事业本部
    await zhou.send("/penalties")
    mine = zhou.last_reply()
    assert "周丽" in mine and "郑芳" not in mine and "¥50" in mine
    sun = await started(org, SUN, "孙伟")
    await sun.send("/penalties")
    unit = sun.last_reply()
    assert "郑芳" in unit and "周丽" in unit and "马琳" not in unit and "¥130" in unit
    # A long reason is shortened before its date, not in the middle of it.
    assert "2026-11-0…" not in unit and "2026-11-05" not in unit and "到期日…" in unit
    await wang.send("/penalties 2026-11")
    assert "马琳" in wang.last_reply() and "¥190" in wang.last_reply()
    await wang.send("/penalties 十一月")
    assert "2026-11" in wang.last_reply()
    await wang.send("/penalties 2026-10")
    assert "这个月没有记录" in wang.last_reply()


async def test_the_same_breach_is_written_once(org: Kabot) -> None:
    zhou = await org.store.staff.by_code("YT002")
    assert zhou is not None
    first = await org.store.ledger.record(
        person=zhou,
        kind="penalty",
        amount_fen=5000,
        reason="R2",
        period="2026-11",
        source="R2:2026-11:YT",
        rule="R2",
    )
    again = await org.store.ledger.record(
        person=zhou,
        kind="penalty",
        amount_fen=5000,
        reason="R2",
        period="2026-11",
        source="R2:2026-11:YT",
        rule="R2",
    )
    assert first is not None and again is None


async def test_an_appeal_from_the_group_reaches_someone_who_never_wrote_to_kabot(
    org: Kabot,
) -> None:
    group, zhang, _, _ = await setting(org)
    await fine(zhang, "郑芳", "50", "R2：10月存在问题未报告")
    zheng = org.person(500200104, "郑芳")  # in the roster, never opened kabot
    await zheng.press("申诉", group)
    answer = zheng.last_alert()
    # The answer opens her private chat with kabot; nothing can arrive there before that.
    assert answer is not None and answer["url"] == "https://t.me/kabot_test_bot?start=draft"
    assert not zheng.private.bot_messages()
    await zheng.send("/start draft")
    assert "申诉的理由" in zheng.last_reply()
    assert len([t for t in zheng.private.texts() if "申诉的理由" in t]) == 1  # once
    await zheng.send("/start draft")  # the link again: pointed to the question, not a copy
    assert "要填写的在这里" in zheng.last_reply()
    await zheng.send("那天我在休假")
    await zheng.press("跳过")  # no evidence to attach
    await zheng.press("提交")
    assert "申诉已提交" in zheng.last_reply()
    entry = await org.store.ledger.by_id(1)
    assert entry is not None and entry.status == "appealed"
