from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
