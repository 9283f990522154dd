"""``python run_bot.py`` as an operator runs it, pointed at a local Bot API server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.botapi import BotApiServer, World

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "987654321:RUN-bot-token"
DEADLINE = 30.0  # seconds; a hang guard, never a timing assertion
ZHOU, LIU = 500200102, 500100105


class Process:
    def __init__(self, world: World, server: BotApiServer, tmp_path: Path) -> None:
        self.world, self.server, self.tmp_path = world, server, tmp_path
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KABOT_")}
        self.env = {
            **clean,
            "KABOT_TOKEN": TOKEN,
            "KABOT_API_URL": server.url,
            "KABOT_DB": str(tmp_path / "kabot.db"),
        }
        self.proc: asyncio.subprocess.Process | None = None

    async def run(self, *args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            *args,
            env=self.env,
            cwd=self.tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), DEADLINE)
        return proc.returncode or 0, out.decode()

    async def start(self, *args: str) -> None:
        self.log = (self.tmp_path / "bot.log").open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            *args,
            env=self.env,
            cwd=self.tmp_path,
            stdout=self.log,
            stderr=self.log,
        )

    async def stop(self) -> str:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.proc.wait(), DEADLINE)
        self.log.close()
        return (self.tmp_path / "bot.log").read_text()

    async def wait_for(self, condition: object) -> None:
        changed = self.world.changed()
        async with changed:
            await asyncio.wait_for(changed.wait_for(condition), DEADLINE)  # type: ignore[arg-type]

    async def say(self, user_id: int, chat_id: int, text: str) -> str:
        """Send ``text`` and wait for the bot's answer in that chat."""
        before = len(self.world.bot_messages(chat_id))
        self.world.send_text(user_id, chat_id, text)
        await self.server.deliver()
        await self.wait_for(lambda: len(self.world.bot_messages(chat_id)) > before)
        return str(self.world.bot_messages(chat_id)[-1]["text"])


@pytest.fixture
async def process(tmp_path: Path) -> AsyncIterator[Process]:
    world = World(token=TOKEN)
    server = BotApiServer(world)
    await server.start()
    world.add_user(ZHOU, "周丽")
    world.add_user(LIU, "刘洋")
    world.add_user(31337, "Stranger", language_code="en")
    try:
        yield Process(world, server, tmp_path)
    finally:
        await server.stop()
    assert not world.violations


async def _walk_through(process: Process) -> None:
    reply = await process.say(ZHOU, ZHOU, "/start")
    assert "周丽" in reply and "液态奶事业本部" in reply
    menu = process.world.bot_messages(ZHOU)[-1]["reply_markup"]["inline_keyboard"]
    assert any("查客户" in b["text"] for row in menu for b in row)
    reply = await process.say(ZHOU, ZHOU, "/customers")
    assert "共 20 家" in reply
    reply = await process.say(31337, 31337, "/start")
    assert "31337" in reply and "not registered" in reply
    group = process.world.add_group("液态奶KA群")
    reply = await process.say(LIU, group["id"], "/bindgroup YT")
    assert "液态奶事业本部" in reply


async def test_long_polling_end_to_end(process: Process) -> None:
    code, output = await process.run("import", str(ROOT / "examples" / "roster"))
    assert code == 0, output
    await process.start()
    try:
        await process.wait_for(lambda: process.world.poll_generation > 0)
        await _walk_through(process)
    finally:
        log = await process.stop()
    assert "Traceback" not in log, log
    assert process.proc is not None and process.proc.returncode == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_end_to_end(process: Process) -> None:
    code, output = await process.run("import", str(ROOT / "examples" / "roster.xlsx"))
    assert code == 0, output
    port = _free_port()
    await process.start(
        "--webhook", f"http://127.0.0.1:{port}/kabot-hook", "--listen", f"127.0.0.1:{port}"
    )
    try:
        await process.wait_for(lambda: process.world.webhook is not None)
        assert process.world.webhook is not None
        assert process.world.webhook["secret_token"]
        await _walk_through(process)
    finally:
        log = await process.stop()
    assert "Traceback" not in log, log


async def test_invite_before_the_bot_ever_ran_asks_telegram_for_its_name(
    process: Process,
) -> None:
    code, output = await process.run("import", str(ROOT / "examples" / "roster"))
    assert code == 0, output
    code, output = await process.run("invite", "--role", "admin", "--unit", "KA")
    assert code == 0, output
    assert f"https://t.me/{process.world.bot_username}?start=" in output
    assert [c.method for c in process.world.calls] == ["getMe"]


async def test_a_second_bot_on_the_same_database_refuses_with_one_line(
    process: Process,
) -> None:
    code, output = await process.run("import", str(ROOT / "examples" / "roster"))
    assert code == 0, output
    await process.start()
    try:
        await process.wait_for(lambda: process.world.poll_generation > 0)
        code, output = await process.run()
        assert code == 1
        assert output.strip().count("\n") == 0, output
        assert "another kabot is running" in output and "Traceback" not in output
        # `jobs run-due` next to it only records; the running bot delivers.
        code, output = await process.run("jobs", "run-due", "--now", "2026-12-05T09:00")
        assert code == 0 and "kabot 正在运行" in output, output
        assert await process.say(ZHOU, ZHOU, "/start")  # the first one goes on
    finally:
        log = await process.stop()
    assert "Traceback" not in log, log


async def _webhook(process: Process) -> str:
    """The sample organisation, and run_bot.py started behind a webhook; its URL."""
    code, output = await process.run("import", str(ROOT / "examples" / "roster"))
    assert code == 0, output
    port = _free_port()
    url = f"http://127.0.0.1:{port}/kabot-hook"
    await process.start("--webhook", url, "--listen", f"127.0.0.1:{port}")
    return url


async def test_the_webhook_answers_only_what_it_stored(process: Process) -> None:
    url = await _webhook(process)
    try:
        await process.wait_for(lambda: process.world.webhook is not None)
        async with ClientSession() as http:
            async with http.post(url, json={"update_id": 1}) as forged:
                assert forged.status == 403  # no secret: not from Telegram
            secret = {"X-Telegram-Bot-Api-Secret-Token": process.world.webhook["secret_token"]}
            async with http.post(url, data=b"{not json", headers=secret) as garbage:
                assert garbage.status == 400
        assert "周丽" in await process.say(ZHOU, ZHOU, "/start")
    finally:
        log = await process.stop()
    assert "Traceback" not in log, log


async def test_the_sandbox_stops_at_the_first_ctrl_c_with_a_tab_open(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABOT_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        "sandbox",
        "--no-browser",
        "--port",
        str(port),
        "--dir",
        str(tmp_path / "box"),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    printed = b""
    while f"127.0.0.1:{port}".encode() not in printed:
        printed += await asyncio.wait_for(proc.stdout.readline(), DEADLINE)
    async with ClientSession() as http:
        page = await (await http.get(f"http://127.0.0.1:{port}/")).text()
        token = page.split('name="kabot-token" content="')[1].split('"')[0]
        events = await http.get(f"http://127.0.0.1:{port}/api/events?token={token}")  # a tab
        assert events.status == 200
        proc.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(proc.communicate(), 5.0)  # a hang guard
        events.close()
    assert proc.returncode == 0
    assert b"Traceback" not in printed + out, (printed + out).decode()


async def test_json_logs_carry_ids_and_no_message_text(process: Process) -> None:
    code, output = await process.run("import", str(ROOT / "examples" / "roster"))
    assert code == 0, output
    assert output.count("schema 0 → ") == 1  # nineteen migrations, one line
    process.env["KABOT_LOG_FORMAT"] = "json"
    await process.start()
    try:
        await process.wait_for(lambda: process.world.poll_generation > 0)
        await process.say(ZHOU, ZHOU, "/start")
        await process.say(ZHOU, ZHOU, "绝密客户备注 123")
    finally:
        log = await process.stop()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    handled = [entry for entry in lines if entry.get("update_id") is not None]
    assert {e["outcome"] for e in handled} == {"done"} and len(handled) == 2
    assert all(e["person"] == ZHOU and e["duration_ms"] >= 0 for e in handled)
    assert "绝密客户备注" not in log and "周丽" not in log


async def test_the_webhook_answers_healthz(process: Process) -> None:
    url = await _webhook(process)
    try:
        await process.wait_for(lambda: process.world.webhook is not None)
        healthz = url.replace("/kabot-hook", "/healthz")
        async with ClientSession() as http, http.get(healthz) as r:
            health = await r.json()
        assert health["running"] is True and health["schema"] >= 19
        # Due work has not run yet (its first run is 30 s after the start): a monitor hears.
        assert r.status == 503 and "due_work_stale" in health["problems"]
    finally:
        log = await process.stop()
    assert "Traceback" not in log, log
