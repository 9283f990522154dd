"""The chart's CJK font: from KABOT_CJK_FONT, the system, the optional package — or none."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.reminders import charts
from bot.texts import Texts

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    charts.cjk_font.cache_clear()
    yield
    charts.cjk_font.cache_clear()


def _draw() -> bytes:
    people = [charts.Bar("周丽", 3, 4, True), charts.Bar("Emily Hu & Co", 5, None, False)]
    return charts.monthly(
        Texts(), "zh", title="2026-11 月度汇总", people=people, by_grade={"A": 2, "B": 6}
    )


def _packaged() -> Path:
    path = charts._packaged_font()
    assert path is not None, "the test extra brings mplfonts"
    return path


def test_the_setting_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    own = tmp_path / "own.otf"
    own.write_bytes(_packaged().read_bytes())
    monkeypatch.setenv("KABOT_CJK_FONT", str(own))
    assert charts.cjk_font_path() == own
    assert _draw().startswith(PNG)


def test_a_system_font_comes_before_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABOT_CJK_FONT", raising=False)
    system = _packaged()  # standing in for /usr/share/fonts/…/wqy-microhei.ttc
    monkeypatch.setattr(charts, "SYSTEM_FONTS", (Path("/nonexistent/font.ttc"), system))
    assert charts.cjk_font_path() == system
    assert _draw().startswith(PNG)


def test_the_package_when_the_system_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABOT_CJK_FONT", raising=False)
    monkeypatch.setattr(charts, "SYSTEM_FONTS", ())
    assert charts.cjk_font_path() == _packaged()


def test_without_any_font_the_chart_is_drawn_and_the_log_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("KABOT_CJK_FONT", raising=False)
    monkeypatch.setattr(charts, "SYSTEM_FONTS", ())
    monkeypatch.setattr(charts, "_packaged_font", lambda: None)  # as if it were not installed
    with caplog.at_level(logging.WARNING):
        assert _draw().startswith(PNG)
        assert _draw().startswith(PNG)
    said = [r for r in caplog.records if "fonts-noto-cjk" in r.getMessage()]
    assert len(said) == 1  # once, not per chart
