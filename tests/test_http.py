"""kabot's HTTP client for the Bot API (PTB's request interface on aiohttp): what it sends,
and the errors PTB expects of a request when the network fails."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.delivery.http import AiohttpRequest


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, object]]]]:
    seen: list[dict[str, object]] = []

    async def answer(request: web.Request) -> web.Response:
        if request.path.endswith("/slow"):
            await asyncio.sleep(1)  # far longer than the timeout asked for
        if request.content_type == "application/json":
            seen.append({"json": await request.json()})
            return web.json_response({"ok": True, "result": True})
        form = await request.post()
        fields: dict[str, object] = {}
        for name, value in form.items():
            if isinstance(value, web.FileField):
                fields[name] = (value.filename, value.file.read(), value.content_type)
            else:
                fields[name] = value
        seen.append(fields)
        return web.json_response({"ok": True, "result": True})

    runner, url = await _serve(answer)
    yield url, seen
    await runner.cleanup()


async def _serve(
    answer: Callable[[web.Request], Awaitable[web.Response]],
) -> tuple[web.AppRunner, str]:
    """A local HTTP server answering every request with ``answer``; its runner and URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def _proxy_env(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    """HTTP_PROXY names ``proxy``, and no NO_PROXY exempts the local servers."""
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def _closed_port() -> int:
    """A port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_parameters_go_as_json_and_files_keep_their_chinese_names(
    server: tuple[str, list[dict[str, object]]],
) -> None:
    url, seen = server
    request = AiohttpRequest()
    await request.initialize()
    try:
        plain = RequestData(
            [
                RequestParameter.from_input("chat_id", 7),
                RequestParameter.from_input("text", "你好"),
                RequestParameter.from_input(
                    "reply_markup",
                    InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="y")]]),
                ),
            ]
        )
        status, body = await request.do_request(f"{url}/sendMessage", "POST", plain)
        assert status == 200 and json.loads(body)["ok"] is True
        upload = InputFile(b"PK\x03\x04 workbook", filename="KA月度汇总-2026-11.xlsx")
        files = RequestData(
            [
                RequestParameter.from_input("chat_id", -100),
                RequestParameter.from_input("document", upload),
            ]
        )
        await request.do_request(f"{url}/sendDocument", "POST", files)
    finally:
        await request.shutdown()
    keyboard = {"inline_keyboard": [[{"text": "好", "callback_data": "y"}]]}
    assert seen[0] == {"json": {"chat_id": 7, "text": "你好", "reply_markup": keyboard}}
    sent = seen[1]
    assert sent["chat_id"] == "-100"
    name, content, _ = next(v for v in sent.values() if isinstance(v, tuple))
    assert name == "KA月度汇总-2026-11.xlsx" and content == b"PK\x03\x04 workbook"


async def test_a_silent_server_is_a_timeout_and_a_closed_port_a_network_error(
    server: tuple[str, list[dict[str, object]]],
) -> None:
    url, _ = server
    request = AiohttpRequest()
    await request.initialize()
    closed = _closed_port()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/slow", "POST", read_timeout=0.05)
        with pytest.raises(NetworkError) as refused:
            await request.do_request(f"http://127.0.0.1:{closed}/getMe", "POST")
        assert not isinstance(refused.value, TimedOut)
    finally:
        await request.shutdown()
    with pytest.raises(RuntimeError):  # shut down: refuses rather than open a new pool
        await request.do_request(f"{url}/getMe", "POST")


async def test_the_proxy_the_environment_names_is_used(
    server: tuple[str, list[dict[str, object]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An office behind a proxy: HTTP_PROXY is honoured (here a proxy nobody runs, so the
    request fails to connect instead of reaching the server directly)."""
    url, seen = server
    _proxy_env(monkeypatch, f"http://127.0.0.1:{_closed_port()}")
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"{url}/getMe", "POST")
    finally:
        await request.shutdown()
    assert seen == []


async def test_a_proxy_s_credentials_are_sent_to_it_and_no_proxy_goes_direct(
    server: tuple[str, list[dict[str, object]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy is looked up once per server: credentials in its address reach the proxy as
    Proxy-Authorization (and not the Bot API), and NO_PROXY sends the request direct."""
    url, seen = server
    told: list[tuple[str, str]] = []

    async def relay(request: web.Request) -> web.Response:
        told.append((str(request.url), request.headers.get("Proxy-Authorization", "")))
        return web.json_response({"ok": True, "result": "via the proxy"})

    runner, proxy = await _serve(relay)
    _proxy_env(monkeypatch, proxy.replace("http://", "http://ka%40office:s%3Acret@"))
    request = AiohttpRequest()
    await request.initialize()
    try:
        for _ in range(2):
            status, body = await request.do_request(f"{url}/getMe", "POST")
            assert status == 200 and json.loads(body)["result"] == "via the proxy"
    finally:
        await request.shutdown()
        await runner.cleanup()
    expected = "Basic " + base64.b64encode(b"ka@office:s:cret").decode()
    assert told == [(f"{url}/getMe", expected)] * 2 and seen == []

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = AiohttpRequest()
    await direct.initialize()
    try:
        status, body = await direct.do_request(f"{url}/getMe", "POST")
    finally:
        await direct.shutdown()
    assert json.loads(body)["result"] is True and len(seen) == 1
