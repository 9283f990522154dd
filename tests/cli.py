"""Run ``run_bot.py``'s command line in-process, as an operator would from a shell."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import datetime

import pytest

from bot.app import settle
from bot.cli import main
from tests.harness import TZ, Kabot


async def run_cli(
    kabot: Kabot, monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``python run_bot.py ARGS`` against kabot's database."""
    assert kabot.settings is not None
    if "--now" in args:  # the calendar walked this far: so has Telegram's flood window
        moment = datetime.fromisoformat(args[args.index("--now") + 1])
        kabot.monotonic.reach(moment if moment.tzinfo else moment.replace(tzinfo=TZ))
    monkeypatch.setenv("KABOT_TOKEN", kabot.settings.token)
    monkeypatch.setenv("KABOT_API_URL", kabot.settings.api_url)
    monkeypatch.setenv("KABOT_DB", str(kabot.settings.database))
    monkeypatch.setenv("KABOT_DATA_DIR", str(kabot.settings.db_path.parent))
    out, err = io.StringIO(), io.StringIO()

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(list(args))

    code = await asyncio.to_thread(call)  # main() runs its own event loop
    if kabot.app is not None:  # the running bot delivers what the command recorded
        await settle(kabot.app)
    return code, out.getvalue(), err.getvalue()
