"""Pictures people would rather look at than read: the monthly summary's chart.

Rendered with matplotlib (no screen needed) in a CJK font found, in this order: the file
``KABOT_CJK_FONT`` names; a system font (Debian's fonts-noto-cjk, fonts-wqy-microhei,
fonts-droid-fallback); the optional ``mplfonts`` package (``pip install kabot[fonts]``).
With none, the chart is still drawn (Chinese shows as boxes) and the log says once what to
install.
"""

from __future__ import annotations

import html
import importlib.util
import io
import logging
import os
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

from bot.texts import Texts

_LOGGER = logging.getLogger(__name__)
FONT_FILE = "NotoSansCJKsc-Regular.otf"
# At most this many people on the chart; the text and the workbook name everyone.
MAX_PEOPLE = 20


# Where Debian's CJK font packages put their fonts, the best first.
SYSTEM_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # fonts-noto-cjk
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # fonts-wqy-microhei
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),  # fonts-droid-fallback
)


def _packaged_font() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    return path if path.is_file() else None


def cjk_font_path() -> Path | None:
    """The CJK font charts are drawn in (the sandbox's page uses it too), or None."""
    chosen = os.environ.get("KABOT_CJK_FONT", "").strip()
    if chosen and Path(chosen).is_file():
        return Path(chosen)
    found = next((p for p in SYSTEM_FONTS if p.is_file()), None)
    return found or _packaged_font()


@cache
def cjk_font() -> str | None:
    """The family name of the CJK font, registered with matplotlib once; None without one."""
    path = cjk_font_path()
    if path is None:
        _LOGGER.warning(
            "No CJK font for charts: install Debian's fonts-noto-cjk or fonts-wqy-microhei,"
            " or pip install 'kabot[fonts]', or set KABOT_CJK_FONT to a font file"
        )
        return None
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


@dataclass(frozen=True, slots=True)
class Bar:
    """One person on the chart: visits, the quota if they have one, short of it or not."""

    name: str
    visits: int
    quota: int | None
    short: bool


def _width(name: str) -> float:
    """A name's width on the axis, in Latin letters (a CJK character is about two)."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in name)


def monthly(
    texts: Texts, lang: str, *, title: str, people: list[Bar], by_grade: dict[str, int]
) -> bytes:
    """Visits per person against the quota, and visits by customer grade, as a PNG."""
    people = people[:MAX_PEOPLE]
    # A chart is plain text: the labels' HTML escaping taken back.
    label = lambda key, **kw: html.unescape(texts.label(lang, f"chart.{key}", **kw))  # noqa: E731
    title = html.unescape(title)
    family = cjk_font()
    style: Any = {"axes.unicode_minus": False}
    if family is not None:
        style["font.family"] = family
    with matplotlib.rc_context(style), warnings.catch_warnings():
        # Without a CJK font every Chinese character warns of a missing glyph: said once above.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        height = max(3.0, 0.42 * len(people) + 1.6)
        # A bare Figure: no pyplot figure manager to create and close.
        fig = Figure(figsize=(11, height))
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        names = [p.name for p in people][::-1]
        visits = [p.visits for p in people][::-1]
        colours = ["#d9534f" if p.short else "#337ab7" for p in people][::-1]
        rows = range(len(names))
        left.barh(rows, visits, color=colours)
        # Names and counts as plain texts beside the bars: an axis of ticks and a bar_label's
        # annotations draw the same words at several times the cost.
        beside = left.get_yaxis_transform()
        for row, name, count in zip(rows, names, visits, strict=True):
            left.text(-0.01, row, name, transform=beside, ha="right", va="center")
            left.annotate(
                f"{count}", (count, row), xytext=(3, 0), textcoords="offset points", va="center"
            )
        quotas = [(p.quota, row) for row, p in enumerate(people[::-1]) if p.quota is not None]
        if quotas:
            # One line of markers, not one artist a person.
            xs, ys = zip(*quotas, strict=True)
            left.plot(xs, ys, linestyle="none", marker="|", markersize=18, color="#333333")
        left.set_title(label("visits_by_person"), y=1.0, pad=6)
        grades = list(by_grade)
        counts = [by_grade[g] for g in grades]
        grade_bars = right.bar([label("grade", grade=g) for g in grades], counts, color="#5cb85c")
        right.bar_label(grade_bars, padding=2)
        right.margins(y=0.15)
        right.set_title(label("visits_by_grade"), y=1.0, pad=6)
        # Every bar says its count: the axes of counts (their ticks, a good part of a
        # chart's drawing) would say it again.
        left.xaxis.set_visible(False)
        left.yaxis.set_visible(False)
        right.yaxis.set_visible(False)
        left.spines[["top", "right", "bottom"]].set_visible(False)
        right.spines[["top", "right", "left"]].set_visible(False)
        fig.suptitle(title, fontsize=14)
        # Margins worked out from the longest name, not by tight_layout (which draws the
        # whole figure once more to measure it: a third of a chart's time).
        longest = max((_width(p.name) for p in people), default=4)
        fig.subplots_adjust(
            left=min(0.45, (0.35 + 0.095 * longest) / 11),
            right=0.98,
            bottom=0.55 / height,
            top=1 - 0.8 / height,
            wspace=0.25,
        )
        out = io.BytesIO()
        # zlib's level 1: a third of level 6's time, a file a fifth bigger (Telegram
        # re-encodes photos anyway).
        fig.savefig(out, format="png", dpi=110, pil_kwargs={"compress_level": 1})
    return out.getvalue()
