"""What each role sees: the /start menu, Telegram's command menus, /help, /me, /customers."""

from __future__ import annotations

from tests.harness import Kabot

ZHOU = 500200102  # 周丽, field, 液态奶事业本部 (YT)
SUN = 500200101  # 孙伟, manager, YT
WANG = 500100101  # 王建国, director, KA centre
LIU = 500100105  # 刘洋, admin
EMILY = 500400104  # 胡佳 (Emily Hu), field, 奶粉事业本部, English


def _button_texts(kabot: Kabot, person_id: int) -> list[str]:
    message = kabot.world.bot_messages(person_id)[-1]
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def test_start_menu_fits_the_role(org: Kabot) -> None:
    for telegram_id, name, has_roster in (
        (ZHOU, "周丽", False),
        (SUN, "孙伟", False),
        (WANG, "王建国", False),
        (LIU, "刘洋", True),
    ):
        person = org.person(telegram_id, name)
        await person.send("/start")
        assert name in person.last_reply()
        buttons = _button_texts(org, telegram_id)
        assert "🏪 查客户" in buttons and "👤 我的信息" in buttons
        assert ("📋 组织概况" in buttons) is has_roster


async def test_command_menus_are_registered_per_scope_language_and_person(org: Kabot) -> None:
    commands = org.world.commands
    assert [c["command"] for c in commands[("default", "")]] == ["start", "help", "language"]
    assert commands[("all_private_chats", "en")][1]["description"] == "What I can do for you"
    assert commands[("all_private_chats", "zh")][1]["description"] == "我能用的命令"
    assert [c["command"] for c in commands[("all_group_chats", "zh")]] == ["help"]
    assert "bindgroup" in [c["command"] for c in commands[("all_chat_administrators", "en")]]

    zhou, liu = org.person(ZHOU, "周丽"), org.person(LIU, "刘洋")
    await zhou.send("/start")
    await liu.send("/start")
    field_menu = [c["command"] for c in commands[(f"chat:{ZHOU}", "")]]
    admin_menu = [c["command"] for c in commands[(f"chat:{LIU}", "")]]
    assert "customers" in field_menu and "roster" not in field_menu
    assert "roster" in admin_menu


async def test_language_switch_changes_replies_and_menu(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/language")
    await zhou.press("English")
    assert "Switched to English" in (zhou.last_alert() or {})["text"]
    assert "welcome to kabot" in zhou.last_reply()
    assert "🏪 Customers" in _button_texts(org, ZHOU)
    menu = org.world.commands[(f"chat:{ZHOU}", "")]
    assert menu[0]["description"] == "Start"
    await zhou.send("/help")
    assert "Your commands" in zhou.last_reply()
    stored = await org.store.staff.by_code("YT002")
    assert stored is not None and stored.language == "en"

    # the choice survives a restart
    await org.restart()
    await zhou.send("/me")
    assert "My customers" in zhou.last_reply()

    await zhou.send("/language")
    await zhou.press("中文")
    assert "欢迎" in zhou.last_reply()


async def test_english_speaker_gets_english_from_the_start(org: Kabot) -> None:
    emily = org.person(EMILY, "Emily", language_code="en")
    await emily.send("/start")
    assert "Hello <b>" not in emily.last_reply()  # HTML was rendered, not shown
    assert "welcome to kabot" in emily.last_reply()
    assert "奶粉事业本部" in emily.last_reply()
    assert org.world.bot_messages(EMILY)[-1]["entities"][0]["type"] == "bold"


async def test_help_lists_the_role_commands(org: Kabot) -> None:
    zhou, liu = org.person(ZHOU, "周丽"), org.person(LIU, "刘洋")
    await zhou.send("/help")
    assert "/customers" in zhou.last_reply() and "/roster" not in zhou.last_reply()
    await liu.send("/help")
    assert "/roster" in liu.last_reply()


async def test_me_shows_unit_and_own_customers(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    await zhou.press("我的信息")
    card = zhou.last_reply()
    assert "周丽" in card and "液态奶事业本部" in card and "一线人员" in card
    mine = await org.store.customers.assigned_to((await org.store.staff.by_code("YT002")).id)  # type: ignore[union-attr]
    assert f"我负责的客户：{len(mine)} 家" in card
    assert mine[0].name in card
    others = await org.store.customers.search("", unit_id=None, limit=100)
    # (other units may serve a retailer of the same name; those names prove nothing)
    not_mine = [c for c in others.items if c.name not in {m.name for m in mine}]
    assert all(c.name not in card for c in not_mine)


async def test_customers_pages_and_cards(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/customers")
    first = zhou.last_reply()
    assert "共 20 家，第 1–8 家" in first  # the unit's customers only
    assert len([b for b in zhou.buttons() if "·" in b[1]]) == 8
    await zhou.press("下一页")
    page_two = zhou.last_message()["text"]
    assert "第 9–16 家" in page_two
    assert len(org.world.bot_messages(ZHOU)) == 1  # pages edit the one message in place
    await zhou.press("下一页")
    assert "第 17–20 家" in zhou.last_message()["text"]
    assert not [b for b in zhou.buttons() if "下一页" in b[1]]
    await zhou.press("上一页")
    assert "第 9–16 家" in zhou.last_message()["text"]

    name = zhou.buttons()[0][1].split(" · ", 1)[1]
    await zhou.press(name)
    card = zhou.last_message()["text"]
    assert name in card and "对接人员" in card and "拜访频次" in card
    await zhou.press("返回列表")
    assert "第 9–16 家" in zhou.last_message()["text"]


async def test_customers_search_by_part_of_a_name(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/customers 沃尔玛")
    result = zhou.last_reply()
    assert "客户查询：“沃尔玛”" in result and "沃尔玛（" in result
    await zhou.send("/customers 不存在的客户")
    assert "没有找到名称包含“不存在的客户”的客户" in zhou.last_reply()
    await zhou.send("/customers " + "沃" * 5000)
    assert "关键词太长了" in zhou.last_reply()
    await zhou.send("/customers <b>x</b>")
    assert "“<b>x</b>”" in zhou.last_reply()  # shown as typed, not as HTML


async def test_directors_search_every_unit_field_staff_only_their_own(org: Kabot) -> None:
    wang, zhou = org.person(WANG, "王建国"), org.person(ZHOU, "周丽")
    await wang.send("/customers")
    assert "共 60 家" in wang.last_reply()
    await zhou.send("/customers")
    assert "共 20 家" in zhou.last_reply()

    # a forged button for another unit's customer reveals nothing
    nf_customer = (await org.store.customers.search("", unit_id=4)).items[0]
    message_id = zhou.last_message()["message_id"]
    await zhou.press_data(f"cust:o:{nf_customer.id}:1:0", message_id)
    assert "没有权限" in (zhou.last_alert() or {})["text"]
    assert nf_customer.name not in zhou.last_message()["text"]


async def test_stale_and_malformed_buttons_change_nothing(org: Kabot) -> None:
    zhou, sun = org.person(ZHOU, "周丽"), org.person(SUN, "孙伟")
    await zhou.send("/customers")
    message_id, _, data = zhou.buttons()[-1]
    before = zhou.last_message()["text"]
    for forged in (
        "cust:p:99999:0",
        "cust:p:x:y",
        "cust:o:1:2",
        "cust:o:999999:1:0",
        "nonsense",
        "menu:roster",
        "lang:fr",
    ):
        await zhou.press_data(forged, message_id)
        alert = zhou.last_alert()
        assert alert is not None and alert["text"], forged
        assert zhou.last_message()["text"] == before
    # another person's search buttons are not theirs to page
    await sun.press_data(data, message_id, zhou.private)
    assert "过期" in (sun.last_alert() or {})["text"]


async def test_roster_overview_for_the_admin_only(org: Kabot) -> None:
    liu, zhou = org.person(LIU, "刘洋"), org.person(ZHOU, "周丽")
    await liu.send("/roster")
    overview = liu.last_reply()
    assert "在职人员 19 人，客户 60 家" in overview
    assert "未绑定工作群" in overview
    assert "尚未开始使用的人员（18）" in overview  # everyone but the admin himself
    assert "KA004 陈静（@chenjing_ka）" in overview  # imported by username
    assert "YT002 周丽" in overview  # imported with an id, but never wrote to kabot
    assert "C0060" in overview  # the leaver's customer
    assert "对接人员不足 2 名的A级客户" not in overview
    await zhou.send("/roster")
    assert "没有权限" in zhou.last_reply()
    await liu.send("/roster")
    assert "YT002 周丽" not in liu.last_reply()
    assert "尚未开始使用的人员（17）" in liu.last_reply()
    await org.store.staff.set_active("YT002", False, actor="test")  # 周丽 leaves
    await liu.send("/roster")
    assert "对接人员不足 2 名的A级客户" in liu.last_reply()


async def test_registered_person_sending_something_unexpected_gets_a_way_forward(
    org: Kabot,
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("随便说点什么")
    assert "没看懂" in zhou.last_reply()
    assert zhou.buttons()
    await zhou.send_sticker()
    assert "没看懂" in zhou.last_reply()
    await zhou.send_photo()
    assert "没看懂" in zhou.last_reply()
    await zhou.send("/nosuchcommand")
    assert "没看懂" in zhou.last_reply()
    await zhou.send("字" * 5000)
    assert "没看懂" in zhou.last_reply()
