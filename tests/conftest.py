from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import uvloop
from tests.harness import Kabot


@pytest.fixture
async def kabot(tmp_path: Path) -> AsyncIterator[Kabot]:
    """A running kabot with no organisation loaded. Fails the test on any Telegram-limit breach."""
    bot = await Kabot.launch(tmp_path)
    try:
        yield bot
    finally:
        await bot.close()
    assert not bot.world.violations, f"kabot broke Telegram's limits: {bot.world.violations}"


@pytest.fixture
async def org(kabot: Kabot) -> Kabot:
    """A running kabot with the sample organisation from examples/ imported."""
    code, output = await kabot.import_roster()
    assert code == 0, output
    return kabot


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The tests run on the event loop kabot runs on (``bot.app.run``)."""
    del config, item
    if uvloop is None:  # pragma: no cover - Windows
        return {"asyncio": asyncio.new_event_loop}
    return {"uvloop": uvloop.new_event_loop}
