"""The sandbox: kabot with a local Telegram and a page, on 127.0.0.1 — through its API, then in
a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, FormData

from bot.sandbox.runner import Sandbox
from bot.sandbox.web import SandboxWeb
from tests.harness import TZ

ZHOU = 500200102  # 周丽, YT field
WANG = 500100101  # 王建国, the centre's director
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Running:
    sandbox: Sandbox
    page: SandboxWeb
    http: ClientSession

    @property
    def token(self) -> dict[str, str]:
        return {"X-Kabot-Token": self.page.token}

    async def get(self, path: str) -> Any:
        url = self.page.url.rstrip("/") + path
        async with self.http.get(url, headers=self.token) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        url = self.page.url.rstrip("/") + path
        async with self.http.post(url, json=body, headers=self.token) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()


async def _open(folder: Path) -> Running:
    sandbox = Sandbox(folder, TZ)
    await sandbox.start()
    assert sandbox.app is not None
    for job in sandbox.app.job_queue.jobs():  # timed work runs when the test jumps
        job.schedule_removal()
    sandbox.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    page = SandboxWeb(sandbox, port=0)
    await page.start()
    return Running(sandbox, page, ClientSession())


async def _close(running: Running) -> None:
    await running.http.close()
    await running.page.stop()
    await running.sandbox.stop()


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Running]:
    running = await _open(tmp_path / "sandbox")
    yield running
    await _close(running)


async def test_the_sandbox_speaks_telegram_keeps_its_state_and_resets(tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    running = await _open(folder)
    try:
        state = await running.get("/api/state")
        zhou = next(p for p in state["people"] if p["id"] == ZHOU)
        assert zhou["name"] == "周丽" and [c["title"] for c in zhou["chats"]] == [
            "kabot",
            "液态奶事业本部 KA群",
        ]
        assert any(p["role"] == "director" for p in state["people"])
        assert running.page.host == "127.0.0.1"

        status, _ = await running.post("/api/send", {"as": ZHOU, "chat": ZHOU, "text": "/start"})
        assert status == 200
        chat = await running.get(f"/api/chat?as={ZHOU}&chat={ZHOU}")
        welcome = chat["messages"][-1]
        assert welcome["from_bot"] and "周丽" in welcome["text"] and welcome["buttons"]
        assert any(c["command"] == "visit" for c in chat["commands"])
        menu_button = next(b for row in welcome["buttons"] for b in row if "拜访" in b["text"])
        status, _ = await running.post(
            "/api/press",
            {"as": ZHOU, "chat": ZHOU, "message": welcome["id"], "data": menu_button["data"]},
        )
        assert status == 200
        chat = await running.get(f"/api/chat?as={ZHOU}&chat={ZHOU}")
        assert "拜访" in chat["messages"][-1]["text"]

        # Someone else's chat, a chat that is not hers, a bad request: refused.
        status, _ = await running.post("/api/send", {"as": ZHOU, "chat": WANG, "text": "hi"})
        assert status == 403
        status, _ = await running.post("/api/send", {"as": ZHOU, "chat": ZHOU, "text": "  "})
        assert status == 400
        status, _ = await running.post("/api/jump", {"to": "next tuesday"})
        assert status == 400

    finally:
        await _close(running)
    running = await _open(folder)  # a restart keeps the chats, the database and the clock
    try:
        chat = await running.get(f"/api/chat?as={ZHOU}&chat={ZHOU}")
        assert any("周丽" in m["text"] for m in chat["messages"])
        status, _ = await running.post("/api/send", {"as": ZHOU, "chat": ZHOU, "text": "/cancel"})
        assert status == 200
        chat = await running.get(f"/api/chat?as={ZHOU}&chat={ZHOU}")
        assert chat["messages"][-1]["from_bot"]  # kabot still answers after the restart

        form = FormData()
        form.add_field("as", str(ZHOU))
        form.add_field("chat", str(ZHOU))
        form.add_field(
            "file", b"code,sales\nC0001,100\n", filename="销售.csv", content_type="text/csv"
        )
        upload = running.page.url + "api/upload"
        async with running.http.post(upload, data=form, headers=running.token) as response:
            assert response.status == 200
        chat = await running.get(f"/api/chat?as={ZHOU}&chat={ZHOU}")
        sent = next(m for m in reversed(chat["messages"]) if "document" in m)
        assert sent["document"]["name"] == "销售.csv" and not sent["from_bot"]
        async with running.http.get(
            running.page.url.rstrip("/") + sent["document"]["url"], headers=running.token
        ) as r:
            assert await r.read() == b"code,sales\nC0001,100\n"
        assert chat["messages"][-1]["from_bot"]  # kabot answered the file

        status, _ = await running.post("/api/reset", {})
        assert status == 200
        chat = await running.get(f"/api/chat?as={ZHOU}&chat={ZHOU}")
        assert chat["messages"] == []
    finally:
        await _close(running)


async def test_the_time_machine_runs_what_is_due(box: Running) -> None:
    status, report = await box.post("/api/jump", {"to": "2026-12-01T09:00"})
    assert status == 200 and report["now"] == "2026-12-01T09:00+08:00"
    assert report["summaries"] == 4  # each unit's group and the centre's
    state = await box.get("/api/state")
    yt = next(c["id"] for c in state["people"][0]["chats"] if "液态奶" in c["title"])
    chat = await box.get(f"/api/chat?as={WANG}&chat={yt}")
    assert any("2026-11 月度汇总" in m["text"] for m in chat["messages"])
    chart = next(m["photo"] for m in chat["messages"] if "photo" in m)
    async with box.http.get(box.page.url.rstrip("/") + chart, headers=box.token) as response:
        assert (await response.read()).startswith(b"\x89PNG")


# ---------------------------------------------------------------------- in a browser


async def _wait(page: Any) -> None:
    await page.wait_for_timeout(50)
    await page.wait_for_function("window.kabotBusy === 0")


async def _say(page: Any, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")
    await _wait(page)


def _shelf(number: int) -> dict[str, Any]:
    """A picture of a shelf, as a phone would send it (drawn: no image is stored here)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    for row in range(4):
        y = 60 + row * 105
        draw.rectangle((40, y + 80, 600, y + 90), fill=(120, 90, 60))
        for slot in range(9):
            x = 50 + slot * 61
            colour = [(200, 40, 40), (40, 110, 200), (240, 200, 40)][(slot + row + number) % 3]
            draw.rectangle((x, y, x + 50, y + 78), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"name": f"shelf{number}.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


async def _tap(page: Any, label: str) -> None:
    await page.locator(".inline button", has_text=label).last.click()
    await _wait(page)


async def test_in_a_browser_a_visit_is_logged_approved_and_summed_up(box: Running) -> None:
    if CHROMIUM is None or not _has_playwright():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs chromium and playwright")
        pytest.skip("needs Debian's chromium and the playwright package")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 860})
        await page.goto(box.page.url)
        await _wait(page)

        await page.select_option("#who", str(WANG))  # the director says hello first
        await _wait(page)
        await _say(page, "/start")

        await page.select_option("#who", str(ZHOU))
        await _wait(page)
        await _say(page, "/start")
        await _say(page, "/visit")
        await _say(page, "家乐福")
        await _tap(page, "家乐福（华东区）")
        await _say(page, "昨天下午3点")
        await _say(page, "业绩：10月销量同比增长12%\n陈列：端架到位，堆头缺一个")
        # Two shelf photos as one album, the text typed beside them their caption.
        await page.fill("#text", "陈列：端架")
        await page.set_input_files("#photo", [_shelf(i) for i in range(2)])
        await _wait(page)
        assert "2 张照片" in await page.locator(".bubble").last.inner_text()
        await _tap(page, "提交")
        assert "已提交拜访报告 V1" in await page.locator(".bubble").last.inner_text()

        await page.select_option("#who", str(WANG))
        await _wait(page)
        card = page.locator(".bubble", has_text="拜访报告审阅").last
        shown = await card.inner_text()
        assert "家乐福（华东区）" in shown and "照片在上面" in shown
        photos = page.locator(".bubble", has=page.locator("img"), has_text="V1")
        assert await photos.count() == 2
        assert "陈列 · 端架" in await photos.first.inner_text()
        if os.environ.get("KABOT_SCREENSHOT_REVIEW"):  # the README's picture of a review
            await page.set_viewport_size({"width": 1280, "height": 980})
            await page.wait_for_timeout(500)
            await page.screenshot(path=os.environ["KABOT_SCREENSHOT_REVIEW"])
            await page.set_viewport_size({"width": 1280, "height": 860})
        await page.locator(".inline button", has_text=re.compile(r"^✅ 通过$")).last.click()
        await _wait(page)
        assert "已通过" in await page.locator("#toast").inner_text()

        await page.fill("#moment", "2026-12-01T09:00")
        await page.click("#jump")
        await _wait(page)
        await page.locator("#chats button", has_text="液态奶事业本部").click()
        await _wait(page)
        summary = page.locator(".bubble", has_text="2026-11 月度汇总").last
        assert "共 1 次" in await summary.inner_text()
        chart = page.locator(".bubble img").last
        await chart.scroll_into_view_if_needed()
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 600")
        if os.environ.get("KABOT_SCREENSHOT"):  # how the README's picture is made
            await page.wait_for_timeout(500)
            await page.screenshot(path=os.environ["KABOT_SCREENSHOT"])
        await browser.close()


def _has_playwright() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


async def test_other_sites_cannot_drive_or_read_the_sandbox(box: Running) -> None:
    url = box.page.url.rstrip("/")
    send = {"as": ZHOU, "chat": ZHOU, "text": "/start"}
    before = len(box.sandbox.world.bot_messages(ZHOU))
    # A cross-site "simple" POST: text/plain, from another origin, no token.
    forged = {"Content-Type": "text/plain", "Origin": "http://evil.example"}
    async with box.http.post(f"{url}/api/send", data=json.dumps(send), headers=forged) as r:
        assert r.status == 403
    # Even with the token: not JSON, or from another origin, is refused.
    plain = {**box.token, "Content-Type": "text/plain"}
    async with box.http.post(f"{url}/api/send", data=json.dumps(send), headers=plain) as r:
        assert r.status == 415
    elsewhere = {**box.token, "Origin": "http://evil.example"}
    async with box.http.post(f"{url}/api/jump", json={"to": "2027-01-01"}, headers=elsewhere) as r:
        assert r.status == 403
    async with box.http.post(f"{url}/api/reset", json={}) as r:  # no token
        assert r.status == 403
    # DNS rebinding: the right address under a foreign name is not answered.
    rebound = {**box.token, "Host": "evil.example"}
    async with box.http.get(f"{url}/api/state", headers=rebound) as r:
        assert r.status == 421
    assert len(box.sandbox.world.bot_messages(ZHOU)) == before
    async with box.http.get(f"{url}/") as r:  # the page itself carries this start's token
        assert box.page.token in await r.text()
