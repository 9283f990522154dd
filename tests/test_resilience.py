"""Telegram failing, kabot failing, kabot restarting: nothing lost, nothing doubled."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import KabotContext
from bot.store.db import IntegrityError
from tests.harness import Kabot

ZHOU = 500200102


async def test_flood_control_429_is_waited_out_and_delivered_exactly_once(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    org.world.fail("sendMessage", 429, retry_after=1)
    await zhou.send("/me")
    assert len(zhou.replies()) == 1
    assert "周丽" in zhou.last_reply()
    attempts = [c for c in org.world.calls if c.method == "sendMessage"]
    assert [c.ok for c in attempts] == [False, True]


async def test_server_error_is_retried_and_delivered_exactly_once(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    org.world.fail("sendMessage", 500, times=2)
    await zhou.send("/help")
    assert len(zhou.replies()) == 1
    attempts = [c.ok for c in org.world.calls if c.method == "sendMessage"]
    assert attempts == [False, False, True]


async def test_a_slow_telegram_still_gets_one_message(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    org.world.slow("sendMessage", 0.5)
    await zhou.send("/help")
    assert len(zhou.replies()) == 1


def install_bug(org: Kabot) -> None:
    """A handler with a bug, first in line: /boom and the button "boom" write, send, then fail.
    What it wrote and sent must not survive its failure."""

    async def half_done(update: Update, context: KabotContext) -> None:
        chat = update.effective_chat
        assert chat is not None
        await context.store.facts.set("half-done", "yes")
        await context.outbox.message(chat.id, "half done")
        if update.callback_query is not None:
            await context.outbox.answer(update.callback_query, "half done")
        raise RuntimeError("injected bug")

    org.app.handlers[0].insert(0, CommandHandler("boom", half_done))
    org.app.handlers[0].insert(0, CallbackQueryHandler(half_done, pattern="^boom$"))


async def test_a_failing_handler_gets_a_friendly_word_and_the_bot_goes_on(
    org: Kabot, caplog: pytest.LogCaptureFixture
) -> None:
    zhou = org.person(ZHOU, "周丽")
    install_bug(org)
    with caplog.at_level(logging.ERROR):
        await zhou.send("/boom")
    # Only the apology: what the handler had sent and written went with its failure.
    assert zhou.replies() == [
        "抱歉，刚才出了点问题，我们已经记录下来。请稍后再试；如果一直不行，请联系信息员。"
    ]
    assert await org.store.facts.get("half-done") is None
    assert any(r.exc_info for r in caplog.records)
    assert not any("/boom" in r.getMessage() for r in caplog.records)  # no message text
    row = await org.store.db.fetch_one(
        "SELECT status, error FROM inbox WHERE update_id = ?", (org.sent_updates[-1]["update_id"],)
    )
    assert row is not None and (row["status"], row["error"]) == ("failed", "RuntimeError")
    await zhou.send("/me")
    assert "周丽" in zhou.last_reply()


async def test_the_error_message_uses_the_language_chosen_in_kabot(org: Kabot) -> None:
    # Her Telegram is in Chinese, but she chose English in kabot.
    zhou = org.person(ZHOU, "周丽", language_code="zh-hans")
    await zhou.send("/language")
    await zhou.press("English")
    install_bug(org)
    await zhou.send("/boom")
    assert zhou.last_reply().startswith("Sorry, something went wrong")


async def test_a_failure_in_a_bound_group_is_told_to_the_group(org: Kabot) -> None:
    liu = org.person(500100105, "刘洋")
    group = org.group("液态奶群")
    await liu.send("/bindgroup YT", group)
    install_bug(org)
    await liu.send("/boom", group)
    assert liu.replies(group) == [
        "抱歉，刚才出了点问题，我们已经记录下来。请稍后再试；如果一直不行，请联系信息员。"
    ]


async def test_a_failing_button_gets_an_alert_in_the_person_s_language(org: Kabot) -> None:
    emily = org.person(500400104, "Emily", language_code="en")
    await emily.send("/start")
    install_bug(org)
    await emily.press_data("boom", emily.last_message()["message_id"])
    alert = emily.last_alert()
    assert alert is not None and alert["text"].startswith("Something went wrong")
    assert "half done" not in emily.private.texts()


async def test_a_message_telegram_refuses_is_recorded_not_retried(org: Kabot) -> None:
    emily = org.person(500400104, "Emily", language_code="en")
    await emily.send("/start")
    org.world.fail("sendMessage", 400, description="Bad Request: injected failure")
    await emily.send("/help")
    assert emily.replies() == []
    await emily.send("/help")  # the next one goes: one refusal holds nothing up
    assert "/customers" in emily.last_reply()
    failed = await org.store.outbox.undelivered([emily.id])
    assert [(u.status, u.count, u.reason) for u in failed] == [("failed", 1, "Injected failure")]
    assert len([c for c in org.world.calls if c.method == "sendMessage"]) == 3


async def test_updates_redelivered_after_a_crash_are_not_handled_twice(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/help")
    await zhou.send("/me")
    assert len(org.world.bot_messages(ZHOU)) == 2
    # The bot crashed before confirming its last batch: Telegram hands the updates out again.
    await org.stop()
    org.world.redeliver_from(org.sent_updates[0]["update_id"], org.sent_updates)
    await org.start()
    await org.settle()
    assert len(org.world.bot_messages(ZHOU)) == 2
    await zhou.send("/help")
    assert len(org.world.bot_messages(ZHOU)) == 3


async def test_a_person_who_blocked_the_bot_does_not_break_it(org: Kabot) -> None:
    zhou, sun = org.person(ZHOU, "周丽"), org.person(500200101, "孙伟")
    await zhou.send("/start")
    org.world.block(ZHOU)
    org.world.started.discard(ZHOU)  # the next message she sends unblocks; a press does not
    await zhou.press_data("menu:help", zhou.last_message()["message_id"])
    await sun.send("/help")
    assert "/customers" in sun.last_reply()


async def test_the_store_survives_a_restart(org: Kabot) -> None:
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/customers 沃尔玛")
    message_id, _, data = zhou.buttons()[0]
    await org.restart()
    await zhou.press_data(data, message_id)  # a button from before the restart still works
    assert "对接人员" in zhou.last_message()["text"]


async def test_timed_work_has_fixed_ids_and_is_made_up_when_late_not_skipped(
    org: Kabot,
) -> None:
    # APScheduler's default grace is one second: a busy loop would silently skip a run.
    assert org.scheduled == {"due-work": (600, True)}
    await org.restart()
    assert set(org.scheduled) == {"due-work"}  # replaced, not doubled


async def test_minutes_of_flood_control_hold_nothing_up(org: Kabot) -> None:
    # Telegram asks the bot to wait 10 minutes before setting menus: /start answers anyway,
    # and the messages' own flood waits are sat out in the outbox, not in a handler.
    zhou = org.person(ZHOU, "周丽")
    org.world.fail("setMyCommands", 429, retry_after=600)
    await zhou.send("/start")
    assert "周丽" in zhou.last_reply()
    org.world.fail("sendMessage", 429, retry_after=600)
    await zhou.send("/help")  # the 429 is waited out at the cap, in the outbox
    assert "/customers" in zhou.last_reply()


async def test_a_read_asked_again_in_a_transaction_is_answered_until_a_write(org: Kabot) -> None:
    db, statements = org.store.db, list[str]()
    count = "SELECT COUNT(*) AS n FROM audit_log"
    await db.trace(statements.append)
    try:
        async with db.transaction():
            first = await db.fetch_one(count)
            assert first is not None
            again = await db.fetch_one(count)
            assert again is not None and again["n"] == first["n"]
            assert statements.count(count) == 1  # asked once
            await db.execute(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id)"
                " VALUES ('now', 'test', 'x', 'y', '1')"
            )
            after = await db.fetch_one(count)
            assert after is not None and after["n"] == first["n"] + 1  # a write: asked again
        alone = await db.fetch_one(count)  # outside a transaction: always asked
        assert alone is not None and alone["n"] == first["n"] + 1
        assert statements.count(count) == 3
    finally:
        await db.trace(None)


_AUDIT = (
    "INSERT INTO audit_log (at, actor, action, entity, entity_id) VALUES (?, 'test', ?, 'y', '1')"
)
_COUNT = "SELECT COUNT(*) AS n FROM audit_log WHERE action = ?"


async def test_a_queued_write_rides_with_the_next_trip_and_goes_with_a_rollback(
    org: Kabot,
) -> None:
    db = org.store.db
    made: list[int] = []
    async with db.transaction():
        trips = db.trips
        await db.queue(_AUDIT, ("now", "queued"), then=made.append)
        assert db.trips == trips and made == []  # not sent yet
        seen = await db.fetch_one(_COUNT, ("queued",))  # one trip: BEGIN, the write, the read
        assert seen is not None and seen["n"] == 1
        assert db.trips == trips + 1 and len(made) == 1 and made[0] > 0
        await db.queue(_AUDIT, ("now", "at commit"))
    after = await db.fetch_one(_COUNT, ("at commit",))
    assert after is not None and after["n"] == 1  # went with the COMMIT

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction():
            await db.queue(_AUDIT, ("now", "rolled back"))
            await db.fetch_one(_COUNT, ("rolled back",))
            raise Boom
    gone = await db.fetch_one(_COUNT, ("rolled back",))
    assert gone is not None and gone["n"] == 0
    # A queued write that fails fails its transaction, at the next trip.
    with pytest.raises(IntegrityError):
        async with db.transaction():
            await db.queue("INSERT INTO audit_log (at) VALUES (NULL)")
            await db.queue(_AUDIT, ("now", "with the bad one"))
    kept = await db.fetch_one(_COUNT, ("with the bad one",))
    assert kept is not None and kept["n"] == 0
    # A transaction that ran nothing sends nothing.
    trips = db.trips
    async with db.transaction():
        pass
    assert db.trips == trips


async def test_what_a_transaction_remembers_is_forgotten_by_a_write_naming_its_table(
    org: Kabot,
) -> None:
    db = org.store.db
    assert db.recall(("k",)) == (False, None)
    db.remember(("k",), 1, ("drafts",))  # outside a transaction: nothing kept
    assert db.recall(("k",)) == (False, None)
    async with db.transaction():
        db.remember(("k",), 1, ("staff",))
        await db.queue(_AUDIT, ("now", "staff_id is not staff"))
        await db.execute("UPDATE drafts SET seq = seq WHERE staff_id = -1")
        assert db.recall(("k",)) == (True, 1)  # neither write names the staff table
        db.remember(("kept",), 2, ())  # naming no table: kept to the end
        await db.execute("UPDATE staff SET active = active WHERE id = -1")
        assert db.recall(("k",)) == (False, None)
        assert db.recall(("kept",)) == (True, 2)
    async with db.transaction():
        assert db.recall(("k",)) == (False, None)  # gone with its transaction


async def test_a_form_step_reads_the_person_with_their_draft_and_the_centre(org: Kabot) -> None:
    """The person's read brings their draft, their question's row and the centre: a step
    asks none of them again, and a draft written in the step is read back as written."""
    zhou = org.person(ZHOU, "周丽")
    await zhou.send("/visit")
    await zhou.send("家乐福")
    statements: list[str] = []
    await org.store.db.trace(statements.append)
    try:
        await zhou.press("家乐福（华东区）")
    finally:
        await org.store.db.trace(None)
    assert "什么时候拜访的" in zhou.last_reply()
    assert not [s for s in statements if s.startswith("SELECT * FROM drafts")]
    assert not [s for s in statements if "is_centre = 1" in s and "LEFT JOIN" not in s]
    assert not [s for s in statements if s.startswith("SELECT * FROM outbox WHERE id")]
    person = await org.store.staff.by_telegram_id(ZHOU)
    assert person is not None
    async with org.store.db.transaction():
        await org.store.staff.writing(ZHOU)
        draft = await org.store.drafts.of(person.id)
        assert draft is not None and draft.step != "customer"
        draft.answers["notes"] = "not saved"
        assert "notes" not in ((await org.store.drafts.of(person.id)) or draft).answers
        await org.store.drafts.save(replace(draft, step="notes"))
        again = await org.store.drafts.of(person.id)
        assert (
            again is not None and again.step == "notes" and again.answers["notes"] == "not saved"
        )
