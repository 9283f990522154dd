"""The local Bot API server itself: Telegram's shapes and limits, checked over raw HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, FormData

from bot.botapi import BotApiServer, World
from bot.botapi.html import parse_html
from bot.delivery.ratelimit import KabotRateLimiter, SlidingWindow

TOKEN = "42:secret"


class Api:
    def __init__(self, world: World, session: ClientSession, url: str) -> None:
        self.world, self.session, self.url = world, session, url

    async def call(self, method: str, token: str = TOKEN, **params: Any) -> tuple[int, Any]:
        async with self.session.post(f"{self.url}/bot{token}/{method}", json=params) as r:
            return r.status, await r.json()


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    world = World(token=TOKEN)
    server = BotApiServer(world)
    await server.start()
    world.add_user(7, "Ann")
    world.send_text(7, 7, "hi")  # she has started the bot
    try:
        async with ClientSession() as session:
            yield Api(world, session, server.url)
    finally:
        await server.stop()


async def test_get_me_and_wrong_token(api: Api) -> None:
    status, body = await api.call("getMe")
    assert status == 200 and body["result"]["id"] == 42 and body["result"]["is_bot"]
    status, body = await api.call("getMe", token="42:wrong")
    assert status == 401 and body == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }


async def test_send_message_parses_html_into_entities(api: Api) -> None:
    status, body = await api.call(
        "sendMessage", chat_id=7, text="<b>粗体</b> and <i>x</i>", parse_mode="HTML"
    )
    assert status == 200
    message = body["result"]
    assert message["text"] == "粗体 and x"
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 7, "length": 1},
    ]
    assert message["from"]["id"] == 42 and message["chat"]["id"] == 7


async def test_a_json_body_is_read_as_telegram_reads_it_and_garbage_is_refused(
    api: Api,
) -> None:
    """Values in a JSON body may be given as strings (a chat id, a keyboard serialised), as
    in a form; a body or a keyboard that is not JSON is a 400, not a server error."""
    keyboard = {"inline_keyboard": [[{"text": "好", "callback_data": "y"}]]}
    status, body = await api.call(
        "sendMessage", chat_id="7", text="按钮", reply_markup=json.dumps(keyboard)
    )
    assert status == 200 and body["result"]["chat"]["id"] == 7
    assert body["result"]["reply_markup"] == keyboard
    url = f"{api.url}/bot{TOKEN}/sendMessage"
    headers = {"Content-Type": "application/json"}
    async with api.session.post(url, data=b"{not json", headers=headers) as r:
        assert r.status == 400 and (await r.json())["description"].startswith("Bad Request")
    status, body = await api.call("sendMessage", chat_id=7, text="x", reply_markup="{[")
    assert status == 400 and body["ok"] is False
    assert len(api.world.messages[7]) == 2  # her "hi" and the one message sent


async def test_limits_are_refused_and_recorded(api: Api) -> None:
    status, body = await api.call("sendMessage", chat_id=7, text="字" * 4097)
    assert status == 400 and "too long" in body["description"]
    status, _ = await api.call("sendMessage", chat_id=7, text="<foo>x</foo>", parse_mode="HTML")
    assert status == 400
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "审" * 22}]]}
    status, body = await api.call("sendMessage", chat_id=7, text="x", reply_markup=markup)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]
    assert len(api.world.violations) == 3


async def test_group_flood_limit_is_enforced(api: Api) -> None:
    group = api.world.add_group("g")
    for _ in range(20):
        status, _ = await api.call("sendMessage", chat_id=group["id"], text="x")
        assert status == 200
    status, body = await api.call("sendMessage", chat_id=group["id"], text="x")
    assert status == 429 and body["parameters"]["retry_after"] == 30
    assert "a minute to group" in api.world.violations[0]


async def test_private_chat_with_someone_who_never_started(api: Api) -> None:
    api.world.add_user(8, "Ben")
    status, body = await api.call("sendMessage", chat_id=8, text="hello")
    assert status == 403 and "can't initiate conversation" in body["description"]


async def test_edits_and_not_modified(api: Api) -> None:
    _, body = await api.call("sendMessage", chat_id=7, text="one")
    message_id = body["result"]["message_id"]
    status, body = await api.call("editMessageText", chat_id=7, message_id=message_id, text="two")
    assert status == 200 and body["result"]["text"] == "two" and "edit_date" in body["result"]
    status, body = await api.call("editMessageText", chat_id=7, message_id=message_id, text="two")
    assert status == 400 and "not modified" in body["description"]
    assert api.world.violations == []


async def test_updates_long_poll_and_offsets(api: Api) -> None:
    _, body = await api.call("getUpdates", offset=0, timeout=0)
    [update] = body["result"]
    assert update["message"]["text"] == "hi"
    _, body = await api.call("getUpdates", offset=update["update_id"] + 1, timeout=0)
    assert body["result"] == []
    assert api.world.all_confirmed()


async def test_injected_failures(api: Api) -> None:
    api.world.fail("sendMessage", 429, retry_after=3)
    status, body = await api.call("sendMessage", chat_id=7, text="x")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    status, _ = await api.call("sendMessage", chat_id=7, text="x")
    assert status == 200


async def test_photo_upload_and_download(api: Api) -> None:
    form = FormData()
    form.add_field("chat_id", "7")
    form.add_field("photo", b"\x89PNG fake", filename="chart.png", content_type="image/png")
    async with api.session.post(f"{api.url}/bot{TOKEN}/sendPhoto", data=form) as r:
        body = await r.json()
    file_id = body["result"]["photo"][-1]["file_id"]
    _, body = await api.call("getFile", file_id=file_id)
    async with api.session.get(f"{api.url}/file/bot{TOKEN}/{body['result']['file_path']}") as r:
        assert await r.read() == b"\x89PNG fake"


async def test_two_uploads_with_one_name_stay_two_files(api: Api) -> None:
    paths = []
    for data in (b"first", b"second"):
        form = FormData()
        form.add_field("chat_id", "7")
        form.add_field("document", data, filename="sales.csv", content_type="text/csv")
        async with api.session.post(f"{api.url}/bot{TOKEN}/sendDocument", data=form) as r:
            body = await r.json()
        assert body["result"]["document"]["file_name"] == "sales.csv"
        _, got = await api.call("getFile", file_id=body["result"]["document"]["file_id"])
        paths.append(got["result"]["file_path"])
    contents = []
    for path in paths:
        async with api.session.get(f"{api.url}/file/bot{TOKEN}/{path}") as r:
            contents.append(await r.read())
    assert contents == [b"first", b"second"]


def test_html_lengths_count_utf16_like_telegram() -> None:
    text, entities = parse_html("👍<b>ok</b>")
    assert text == "👍ok" and entities == [{"type": "bold", "offset": 2, "length": 2}]


def test_sliding_window_allows_exactly_the_limit() -> None:
    now = [0.0]
    window = SlidingWindow(20, 60.0, lambda: now[0])
    for _ in range(20):
        assert window.wait_time() == 0
        window.record()
    assert window.wait_time() == pytest.approx(60.0)
    now[0] = 59.9
    assert window.wait_time() == pytest.approx(0.1)
    now[0] = 60.0
    assert window.wait_time() == 0


async def test_album_and_document_uploads(api: Api) -> None:
    form = FormData()
    form.add_field("chat_id", "7")
    form.add_field(
        "media",
        '[{"type": "photo", "media": "attach://a", "caption": "<b>店面</b>", '
        '"parse_mode": "HTML"}, {"type": "photo", "media": "attach://b"}]',
    )
    form.add_field("a", b"one", filename="a.jpg", content_type="image/jpeg")
    form.add_field("b", b"two", filename="b.jpg", content_type="image/jpeg")
    async with api.session.post(f"{api.url}/bot{TOKEN}/sendMediaGroup", data=form) as r:
        body = await r.json()
    first, second = body["result"]
    assert first["media_group_id"] == second["media_group_id"]
    assert first["caption"] == "店面" and first["caption_entities"][0]["type"] == "bold"

    form = FormData()
    form.add_field("chat_id", "7")
    form.add_field(
        "document",
        b"PK xlsx",
        filename="summary.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    async with api.session.post(f"{api.url}/bot{TOKEN}/sendDocument", data=form) as r:
        body = await r.json()
    assert body["result"]["document"]["file_name"] == "summary.xlsx"
    status, body = await api.call("sendMediaGroup", chat_id=7, media=[])
    assert status == 400
    assert api.world.violations == ["wrong number of media in the album (2-10)"]


async def test_a_group_at_its_limit_does_not_hold_up_other_chats() -> None:
    now = [0.0]  # a clock that stands still: the full group stays full
    limiter = KabotRateLimiter(clock=lambda: now[0])
    sent: list[int] = []

    async def send(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    async def request(chat_id: int) -> object:
        return await limiter.process_request(
            send, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    for _ in range(20):
        await request(-100)
    waiting = asyncio.create_task(request(-100))  # the 21st must wait a minute
    await asyncio.sleep(0)
    assert await asyncio.wait_for(request(7), 1) is True  # a private reply goes at once
    assert await asyncio.wait_for(request(-200), 1) is True  # and so does another group
    assert not waiting.done() and sent.count(-100) == 20
    waiting.cancel()


async def test_replies_in_private_chats_are_not_held_to_the_bulk_rate() -> None:
    now = [0.0]  # a clock that stands still: a full second stays full
    limiter = KabotRateLimiter(clock=lambda: now[0])
    sent: list[int] = []

    async def send(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    async def request(chat_id: int, bulk: bool) -> object:
        return await limiter.process_request(
            send, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, {"bulk": bulk}
        )

    for person in range(1, 30):  # 29 notices: bulk leaves one slot of the second free
        await request(person, bulk=True)
    notice = asyncio.create_task(request(100, bulk=True))
    await asyncio.sleep(0)
    # Sixty people answered at once: every reply goes, the second full of notices or not.
    for person in range(200, 260):
        assert await asyncio.wait_for(request(person, bulk=False), 1) is True
    assert not notice.done() and len(sent) == 29 + 60
    # In a group everything counts: the one free slot goes to the reply, then it waits.
    assert await asyncio.wait_for(request(-100, bulk=False), 1) is True
    group = asyncio.create_task(request(-200, bulk=False))
    await asyncio.sleep(0.01)
    assert not group.done()
    notice.cancel()
    group.cancel()


async def test_the_local_api_counts_replies_apart_from_the_bulk_rate(api: Api) -> None:
    for person in range(1000, 1040):
        api.world.add_user(person, f"P{person}")
        api.world.started.add(person)
    for person in range(1000, 1030):  # notices to people who have not written lately
        status, _ = await api.call("sendMessage", chat_id=person, text="notice")
        assert status == 200
    status, _ = await api.call("sendMessage", chat_id=1030, text="one notice too many")
    assert status == 429 and "more than 30 messages in one second" in api.world.violations[0]
    api.world.send_text(1031, 1031, "你好")  # 1031 just wrote: the answer is a reply
    status, _ = await api.call("sendMessage", chat_id=1031, text="reply")
    assert status == 200 and len(api.world.violations) == 1
