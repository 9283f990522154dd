"""Who gets in: registered people, @username matches, invitations; and who is kept out."""

from __future__ import annotations

import re

import pytest

from tests.cli import run_cli
from tests.harness import Kabot

ZHOU = 500200102  # 周丽, field, 液态奶事业本部
LIU = 500100105  # 刘洋, admin (信息员)


async def test_unknown_person_gets_their_id_in_both_languages_and_nothing_else(
    org: Kabot,
) -> None:
    stranger = org.person(424242, "Bob", language_code="en")
    await stranger.send("/start")
    [answer] = stranger.replies()
    assert "您还没有登记" in answer and "not registered" in answer
    assert answer.count("424242") == 2
    assert "reply_markup" not in stranger.last_message()
    for attempt in ("/customers", "/me", "沃尔玛", "/help"):
        await stranger.send(attempt)
        [again] = stranger.replies()
        assert "424242" in again and "沃尔玛" not in again and "Walmart" not in again


async def test_unknown_person_is_silent_in_groups_and_refused_on_buttons(org: Kabot) -> None:
    liu = org.person(LIU, "刘洋")
    group = org.group("液态奶KA群")
    await liu.send("/bindgroup YT", group)
    stranger = org.person(424243, "Eve")
    await stranger.send("/help", group)
    assert stranger.replies(group) == []
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    message_id, _, data = zhou.buttons()[0]
    await stranger.press_data(data, message_id, zhou.private)
    alert = stranger.last_alert()
    assert alert is not None and alert["show_alert"] and "尚未登记" in alert["text"]


async def test_a_username_alone_waits_for_the_information_officer(org: Kabot) -> None:
    # The takeover a hostile tester found: whoever set the username chenjing_ka first became
    # KA004 陈静, a KA-centre manager, and could download the group-wide workbook.
    liu = org.person(500100105, "刘洋")  # the information officer
    await liu.send("/start")
    before = await org.store.staff.by_code("KA004")
    assert before is not None and before.telegram_id is None
    stranger = org.person(666000001, "Mallory", username="chenjing_ka")
    await stranger.send("hello")
    [waiting] = stranger.replies()
    assert "信息员确认" in waiting and "information officer confirms" in waiting
    await stranger.send("/export 2026-11")  # still nobody: nothing but the same answer
    assert "信息员确认" in stranger.last_reply() and "PK" not in stranger.last_reply()
    assert (await org.store.staff.by_code("KA004")).telegram_id is None  # type: ignore[union-attr]
    card = liu.private.bot_messages()[-1]
    assert all(part in card["text"] for part in ("陈静", "666000001", "@chenjing_ka"))
    old_press = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"], card["message_id"]
    assert len([m for m in liu.private.texts() if "666000001" in m]) == 1  # one card per account
    await liu.press("不是本人")
    assert "信息员没有确认" in stranger.last_reply()
    assert "已拒绝" in liu.private.bot_messages()[-1]["text"]
    assert (await org.store.staff.by_code("KA004")).telegram_id is None  # type: ignore[union-attr]

    # The real 陈静 writes from her own account; 刘洋 calls her and confirms.
    chen = org.person(600000004, "Jing", username="ChenJing_KA")  # case differs, as people type
    await chen.send("/start")
    assert "信息员确认" in chen.last_reply()
    await liu.press("确认是本人")
    assert "已确认您是 <b>陈静</b>" in chen.private.bot_messages()[-1]["_html"]
    await chen.send("/start")
    assert "陈静" in chen.last_reply()
    after = await org.store.staff.by_code("KA004")
    assert after is not None and after.telegram_id == 600000004
    history = await org.store.audit.for_entity("staff", after.id)
    assert "staff.bound" in [h.action for h in history]
    await liu.press_data(*old_press)  # the old card, pressed again: nothing changes
    assert "已经处理过了" in liu.alert_text()


async def test_only_an_information_officer_decides_a_claim(org: Kabot) -> None:
    liu = org.person(500100105, "刘洋")
    await liu.send("/start")
    stranger = org.person(666000001, "Mallory", username="chenjing_ka")
    await stranger.send("/start")
    card = liu.private.bot_messages()[-1]
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    zhou = org.person(500200102, "周丽")
    await zhou.send("/start")
    await zhou.press_data(data, zhou.last_message()["message_id"])  # a forged press
    assert "没有权限" in zhou.alert_text()
    assert (await org.store.staff.by_code("KA004")).telegram_id is None  # type: ignore[union-attr]


async def test_a_personal_link_binds_that_person_and_nobody_else(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output, _ = await run_cli(org, monkeypatch, "invite", "--staff", "KA004")
    assert code == 0, output
    assert "陈静" in output
    link = _invite_code(output)
    chen = org.person(600000004, "Jing")  # no username needed
    await chen.send(f"/start {link}")
    assert "陈静" in chen.last_reply()
    after = await org.store.staff.by_code("KA004")
    assert after is not None and after.telegram_id == 600000004
    other = org.person(666000002, "Eve")
    await other.send(f"/start {link}")
    assert "已经被使用过" in other.last_reply()


async def test_a_username_cannot_take_over_a_record_that_has_an_account(org: Kabot) -> None:
    # NF004 was imported with both a Telegram id and a username.
    impostor = org.person(600000099, "Emily", username="emily_hu_nf")
    await impostor.send("/start")
    assert "not registered" in impostor.last_reply()
    emily = await org.store.staff.by_code("NF004")
    assert emily is not None and emily.telegram_id == 500400104


def _invite_code(output: str) -> str:
    match = re.search(r"https://t\.me/kabot_test_bot\?start=([\w-]+)", output)
    assert match, output
    return match.group(1)


async def test_invitation_link_registers_one_person_once(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output, _ = await run_cli(org, monkeypatch, "invite", "--role", "field", "--unit", "BQ")
    assert code == 0, output
    assert "冰品事业本部" in output
    invite = _invite_code(output)

    newcomer = org.person(700000001, "小王", username="xiaowang")
    await newcomer.send(f"/start {invite}")
    assert "小王" in newcomer.last_reply() and "冰品事业本部" in newcomer.last_reply()
    staff = await org.store.staff.by_telegram_id(700000001)
    assert staff is not None and staff.role == "field"

    second = org.person(700000002, "小李")
    await second.send(f"/start {invite}")
    [answer] = second.replies()
    assert "已经被使用过" in answer and "already been used" in answer
    assert await org.store.staff.by_telegram_id(700000002) is None

    # the person who used it can go on using kabot; the link changes nothing for them
    await newcomer.send(f"/start {invite}")
    assert "无需再使用邀请链接" in newcomer.replies()[0]


async def test_expired_and_made_up_invitations_are_refused(org: Kabot) -> None:
    from datetime import timedelta

    from bot.models import Role

    # Made on kabot's own (test) clock: the command line would use the machine's.
    unit = await org.store.units.by_code("NF")
    assert unit is not None
    invite = await org.store.invites.create(Role.MANAGER, unit.id, timedelta(days=2))
    org.clock.advance(timedelta(days=2, minutes=1))
    late = org.person(700000003, "Late")
    await late.send(f"/start {invite.code}")
    assert "已过期" in late.last_reply() and "expired" in late.last_reply()
    assert await org.store.staff.by_telegram_id(700000003) is None

    guesser = org.person(700000004, "Guess")
    await guesser.send("/start AAAAAAAAAAAAAAAA")
    assert "邀请链接无效" in guesser.last_reply()
    await guesser.send("/start " + "x" * 3000)
    assert "邀请链接无效" in guesser.last_reply()


async def test_invite_needs_a_known_unit_for_field_staff(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = await run_cli(org, monkeypatch, "invite", "--role", "field")
    assert code == 1 and "需要指定本部" in err
    code, _, err = await run_cli(org, monkeypatch, "invite", "--role", "field", "--unit", "火星")
    assert code == 1 and "找不到本部“火星”" in err


async def test_deactivated_person_loses_access_at_once(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    assert "周丽" in zhou.last_reply()
    menu = zhou.buttons()

    code, output, _ = await run_cli(org, monkeypatch, "deactivate", "YT002")
    assert code == 0 and "已停用" in output

    await zhou.send("/customers")
    [answer] = zhou.replies()
    assert "已停用" in answer and "沃尔玛" not in answer
    message_id, _, data = menu[0]
    await zhou.press_data(data, message_id)
    alert = zhou.last_alert()
    assert alert is not None and "停用" in alert["text"]

    code, _, _ = await run_cli(org, monkeypatch, "activate", "YT002")
    assert code == 0
    await zhou.send("/me")
    assert "周丽" in zhou.last_reply() and "液态奶事业本部" in zhou.last_reply()


async def test_deactivating_someone_unknown_says_so(
    org: Kabot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = await run_cli(org, monkeypatch, "deactivate", "NOPE1")
    assert code == 1 and "找不到工号为 NOPE1 的人员" in err


async def test_unbound_group_stays_silent_except_to_tell_an_admin_how_to_bind(
    org: Kabot,
) -> None:
    group = org.group("冰品KA工作群")
    liu, zhou = org.person(LIU, "刘洋"), org.person(ZHOU, "周丽")

    await group.add_bot(liu)
    assert "/bindgroup" in group.texts()[-1]
    how_to = liu.buttons(group)

    await zhou.send("/help", group)
    await zhou.send("大家好", group)
    assert zhou.replies(group) == []
    await liu.send("   ", group)  # nothing to read: no answer, and no error either
    assert liu.replies(group) == []

    await liu.send("/help", group)
    [how] = liu.replies(group)
    assert "还没有绑定" in how and "BQ" in how

    # the message shown when kabot joined carries a button per unit: one tap binds
    message_id, _, data = next(b for b in how_to if "冰品事业本部" in b[1])
    await liu.press_data(data, message_id, group)
    assert "✅" in liu.last_reply(group)
    unit = await org.store.units.by_code("BQ")
    assert unit is not None and unit.group_chat_id == group.id


async def test_admin_binds_a_group_by_code(org: Kabot) -> None:
    group = org.group("冰品KA工作群")
    liu = org.person(LIU, "刘洋")
    await liu.send("/bindgroup@kabot_test_bot BQ", group)
    assert "冰品事业本部" in liu.last_reply(group) and "✅" in liu.last_reply(group)
    unit = await org.store.units.by_code("BQ")
    assert unit is not None and unit.group_chat_id == group.id
    history = await org.store.audit.for_entity("business_unit", unit.id)
    assert history[-1].action == "unit.bind_group" and history[-1].actor.startswith("staff:")

    # the group is now bound: everyone registered is heard there
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/help", group)
    assert "/help" in zhou.last_reply(group)


async def test_admin_binds_a_group_with_a_button_and_can_rebind(org: Kabot) -> None:
    first, second = org.group("中心群A"), org.group("中心群B")
    liu = org.person(LIU, "刘洋")
    await liu.send("/bindgroup", first)
    await liu.press("集团重点客户中心", first)
    assert "集团重点客户中心" in liu.last_reply(first)
    centre = await org.store.units.centre()
    assert centre is not None and centre.group_chat_id == first.id
    # the unit buttons are gone from the card once used
    assert liu.buttons(first) == []

    await liu.send("/bindgroup KA", second)
    assert "原来的工作群已不再接收通知" in liu.last_reply(second)
    centre = await org.store.units.centre()
    assert centre is not None and centre.group_chat_id == second.id

    # binding the second group to another unit leaves the centre without a group, and says so
    await liu.send("/bindgroup NF", second)
    assert "集团重点客户中心" in liu.last_reply(second) and "另行绑定" in liu.last_reply(second)


async def test_bindgroup_refuses_wrong_people_places_and_units(org: Kabot) -> None:
    group = org.group("液态奶群")
    liu, zhou = org.person(LIU, "刘洋"), org.person(ZHOU, "周丽")
    await liu.send("/bindgroup YT", group)

    await zhou.send("/bindgroup BQ", group)
    assert "只有信息员可以绑定群组" in zhou.last_reply(group)
    unit = await org.store.units.by_code("YT")
    assert unit is not None and unit.group_chat_id == group.id

    await liu.send("/bindgroup 火星本部", group)
    assert "找不到本部“火星本部”" in liu.last_reply(group)
    await liu.send("/bindgroup " + "长" * 5000, group)
    assert "找不到本部" in liu.last_reply(group)

    await liu.send("/bindgroup YT")
    assert "请在要绑定的群里发送" in liu.last_reply()

    # a field person pressing the admin's unit button is refused; nothing changes
    await liu.send("/bindgroup", group)
    message_id, _, data = liu.buttons(group)[0]
    await zhou.press_data(data, message_id, group)
    alert = zhou.last_alert()
    assert alert is not None and "只有信息员" in alert["text"]
    # forged unit ids are refused too
    await liu.press_data("bind:99999", message_id, group)
    assert "过期" in (liu.last_alert() or {})["text"]
    await liu.press_data("bind:abc", message_id, group)
    assert "过期" in (liu.last_alert() or {})["text"]
    unit = await org.store.units.by_code("YT")
    assert unit is not None and unit.group_chat_id == group.id
