"""The inbox and the outbox on their own: order per chat, retries, refusals, superseded edits,
Telegram's 4,096 characters, messages that wait for a person's first /start, updates stored
but not handled when kabot stopped, one bot per database."""

from __future__ import annotations

from datetime import datetime

import pytest
from telegram import (
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.app import settle, start_polling
from bot.botapi.html import parse_html, telegram_length
from bot.delivery.lock import AlreadyRunning
from bot.delivery.outbox import MAX_TEXT, NOTICE, Outbox, split_html
from tests.engines import sqlite_only
from tests.flows import file_visit
from tests.harness import TZ, Kabot

ZHOU = 500200102  # 周丽, field staff of YT
WANG = 500100101  # 王建国, the KA centre's director
SUN = 500200101  # 孙伟, YT's first responsible person


def sent(kabot: Kabot, method: str, chat_id: int) -> list[dict[str, object]]:
    return [c for c in kabot.calls(method) if c.get("chat_id") == chat_id]


def notices(kabot: Kabot) -> Outbox:
    return Outbox(kabot.store.outbox, NOTICE)


async def test_messages_to_one_chat_keep_their_order_through_failures(org: Kabot) -> None:
    zhou, sun = org.person(ZHOU, "周丽"), org.person(SUN, "孙伟")
    await zhou.send("/start")
    await sun.send("/start")
    org.world.fail("sendMessage", 500, times=3)
    async with org.store.db.transaction():
        for n in range(5):
            await notices(org).message(ZHOU, f"第{n}条")
        await notices(org).message(SUN, "给孙伟")
    await settle(org.app)
    assert zhou.private.texts()[-5:] == [f"第{n}条" for n in range(5)]  # each once, in order
    assert sun.private.texts()[-1] == "给孙伟"


async def test_an_outage_is_waited_out_and_nothing_is_sent_twice(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    org.world.fail("*", 502, times=12)  # every request fails for a while, polling too
    await zhou.send("/help")
    await settle(org.app)
    assert len([t for t in zhou.private.texts() if "/customers" in t]) == 1


async def test_a_group_that_refuses_photos_gets_the_rest_of_the_summary_once(
    org: Kabot,
) -> None:
    group = await org.bound_group("KA", "KA中心群")
    refusal = "Bad Request: not enough rights to send photos to the chat"
    org.world.fail("sendPhoto", 400, description=refusal)
    async with org.store.db.transaction():
        await notices(org).message(group.id, "十一月汇总")
        await notices(org).photo(group.id, b"\x89PNG chart", name="2026-11.png")
        await notices(org).document(group.id, b"PK workbook", name="2026-11.xlsx")
    await settle(org.app)
    assert group.texts()[-2:] == ["十一月汇总", ""]  # the text, then the workbook
    assert len(sent(org, "sendDocument", group.id)) == 1
    failed = await org.store.outbox.undelivered([group.id])
    assert [(u.status, u.count, u.name) for u in failed] == [("failed", 1, "集团重点客户中心")]
    await settle(org.app)  # nothing is tried again
    assert len([c for c in org.world.calls if c.method == "sendPhoto"]) == 1


async def test_an_edit_that_a_later_edit_replaces_is_skipped(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    async with org.store.db.transaction():
        handle = await notices(org).message(ZHOU, "原文")
    await settle(org.app)
    message_id = zhou.private.bot_messages()[-1]["message_id"]
    async with org.store.db.transaction():
        await notices(org).edit(ZHOU, handle, "第一次修改")
        await notices(org).edit(ZHOU, message_id, "第二次修改")
    await settle(org.app)
    edits = sent(org, "editMessageText", ZHOU)
    assert [e["text"] for e in edits] == ["第二次修改"]
    assert zhou.private.texts()[-1] == "第二次修改"


async def test_an_edit_of_a_message_still_waiting_changes_what_will_be_delivered(
    org: Kabot,
) -> None:
    # 王建国 never wrote to kabot: his card waits; decided meanwhile, it arrives as decided.
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    assert sent(org, "sendMessage", WANG) == []
    waiting = await org.store.outbox.undelivered([WANG])
    assert [(u.status, u.count) for u in waiting] == [("waiting", 1)]
    card = await org.store.db.fetch_one(
        "SELECT id FROM outbox WHERE chat_id = ? AND status = 'waiting'", (WANG,)
    )
    assert card is not None
    async with org.store.db.transaction():
        await notices(org).edit(WANG, -card["id"], "已由他人处理", None)
    wang = org.person(WANG, "王建国")
    await wang.send("/start")
    texts = wang.private.texts()
    assert texts[0] == "已由他人处理" and "欢迎" in texts[1]
    assert sent(org, "editMessageText", WANG) == []


async def test_cards_wait_for_a_director_who_never_wrote_and_come_at_his_first_start(
    org: Kabot,
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)
    await file_visit(zhou, business_review="第二次拜访")
    wang = org.person(WANG, "王建国")
    await wang.send("/start")
    texts = wang.private.texts()
    assert "V1" in texts[0] and "V2" in texts[1]  # oldest first, before the welcome
    assert "2</b> 项等您审批" in wang.private.bot_messages()[2]["_html"]
    await wang.press("✅ 通过")  # the cards' buttons work
    assert "已由王建国通过" in zhou.last_reply()


async def test_someone_who_blocked_kabot_gets_what_waited_when_they_come_back(
    org: Kabot,
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    org.world.block(ZHOU)
    before = len(org.world.calls)
    async with org.store.db.transaction():
        await notices(org).message(ZHOU, "提醒一")
        await notices(org).message(ZHOU, "提醒二")
    await settle(org.app)
    assert [(u.status, u.count) for u in await org.store.outbox.undelivered([ZHOU])] == [
        ("waiting", 2)
    ]
    await settle(org.app)  # held, not re-sent in a loop: one refused attempt in all
    tried = [c for c in org.world.calls[before:] if c.method == "sendMessage"]
    assert [(c.params["chat_id"], c.ok) for c in tried] == [(ZHOU, False)]
    await zhou.send("/help")  # writing unblocks
    assert zhou.private.texts()[-3:-1] == ["提醒一", "提醒二"]
    assert "/customers" in zhou.private.texts()[-1]
    assert await org.store.outbox.undelivered([ZHOU]) == []


async def test_a_long_message_is_split_at_lines_and_never_refused(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    lines = [f"<b>第{n}行</b> " + "销量同比增长" * 12 for n in range(120)]
    text = "\n".join(lines)
    assert telegram_length(parse_html(text)[0]) > 2 * MAX_TEXT
    async with org.store.db.transaction():
        await notices(org).message(ZHOU, f"<i>{text}</i>")
    await settle(org.app)
    parts = [m for m in zhou.private.bot_messages() if "第" in (m.get("text") or "")]
    assert len(parts) >= 3
    assert all(telegram_length(m["text"]) <= MAX_TEXT for m in parts)
    assert "".join(m["text"] for m in parts).count("行") == 120  # nothing lost at the cuts
    assert not org.world.violations


def test_the_splitter_closes_and_reopens_tags_at_its_cuts() -> None:
    text = "<b>" + "\n".join("甲" * 50 for _ in range(10)) + "</b>"
    parts = split_html(text, limit=120, fits=120)
    assert len(parts) > 1
    for part in parts:
        parse_html(part)  # each part is valid HTML on its own
        assert part.startswith("<b>") and part.endswith("</b>")


async def test_buttons_go_to_telegram_as_ptb_would_send_them(org: Kabot) -> None:
    """kabot's own buttons (text and data) are written without PTB's slow to_dict; a link,
    a copy button, a keyboard of another kind go exactly as PTB writes them."""
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认 ✅", callback_data="a:1"),
                InlineKeyboardButton("看看", url="https://t.me/kabot"),
            ],
            [InlineKeyboardButton("复制", copy_text=CopyTextButton("KA-7"))],
        ]
    )
    removal = ReplyKeyboardRemove()
    async with org.store.db.transaction():
        await notices(org).message(ZHOU, "按钮", keyboard)
        await notices(org).message(ZHOU, "去掉", removal)
    await settle(org.app)
    with_buttons, without = sent(org, "sendMessage", ZHOU)[-2:]
    assert with_buttons["reply_markup"] == keyboard.to_dict()
    assert with_buttons["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "确认 ✅",
        "callback_data": "a:1",
    }
    assert without["reply_markup"] == removal.to_dict() == {"remove_keyboard": True}
    assert zhou.buttons()[0][1:] == ("确认 ✅", "a:1")


async def test_an_update_stored_but_not_handled_is_handled_at_the_next_start(
    org: Kabot,
) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/start")
    # As if kabot died after committing the update and before handling it.
    update = org.world.send_text(ZHOU, ZHOU, "/help")
    org.world.confirm(update["update_id"])
    await org.store.inbox.receive([update])
    await org.restart()
    await org.settle()
    assert "/customers" in zhou.private.texts()[-1]
    assert not await org.store.inbox.take(update["update_id"])


@sqlite_only  # on a server the second waits as the standby: tests/test_postgres.py
async def test_a_second_bot_on_the_same_database_refuses_to_start(org: Kabot) -> None:
    assert org.settings is not None
    from bot.app import build_application

    second = build_application(org.settings, org.clock)
    with pytest.raises(AlreadyRunning, match="another kabot is running"):
        await start_polling(second)
    await second.shutdown()
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/help")  # the first one goes on
    assert "/customers" in zhou.last_reply()


async def test_approval_reminders_wait_for_the_morning(org: Kabot) -> None:
    from bot.reminders.engine import run_due

    wang = org.person(WANG, "王建国")
    await wang.send("/start")
    await file_visit(org.person(ZHOU, "周丽"))
    assert org.settings is not None
    rules, texts = org.app.bot_data.rules, org.app.bot_data.texts
    night = datetime(2026, 11, 21, 23, 0, tzinfo=TZ)  # 26 h later, in quiet hours
    report = await run_due(org.store, rules, texts, night, org.settings)
    assert report.approvals == 0
    sunday = datetime(2026, 11, 22, 9, 0, tzinfo=TZ)  # a rest day: Monday morning, then
    report = await run_due(org.store, rules, texts, sunday, org.settings)
    assert report.approvals == 0 and report.rest_day
    morning = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    report = await run_due(org.store, rules, texts, morning, org.settings)
    assert report.approvals == 1
    await settle(org.app)
    assert "已等您决定" in wang.private.texts()[-1]


async def test_old_delivered_rows_are_forgotten_unless_a_card_still_points_at_them(
    org: Kabot,
) -> None:
    from datetime import timedelta

    await org.person(WANG, "王建国").send("/start")
    zhou = org.person(ZHOU, "周丽")
    await file_visit(zhou)  # the director's card is a stored handle; the questions are not
    before = await org.store.db.fetch_one("SELECT COUNT(*) AS n FROM outbox")
    assert before is not None and before["n"] > 10
    org.clock.advance(timedelta(days=31))
    assert await org.store.outbox.prune() > 0
    kept = await org.store.db.fetch_all("SELECT id, status FROM outbox")
    card = await org.store.db.fetch_one("SELECT message_id FROM decision_cards")
    assert card is not None
    assert [(-r["id"], r["status"]) for r in kept] == [(card["message_id"], "sent")]
