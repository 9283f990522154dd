"""Pictures people would rather look at than read: the monthly summary's chart.

Rendered with matplotlib (no screen needed) in Noto Sans CJK SC, which the ``mplfonts``
package carries, so Chinese names and labels come out as characters on any machine — no
system font to install.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.ticker import MaxNLocator

from bot.texts import Texts

FONT_FILE = "NotoSansCJKsc-Regular.otf"
# At most this many people on the chart; the text and the workbook name everyone.
MAX_PEOPLE = 20


def cjk_font_path() -> Path:
    """Noto Sans CJK SC, as the mplfonts package ships it (the sandbox's page uses it too)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mplfonts package (CJK fonts for charts) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE


@cache
def cjk_font() -> str:
    """The family name of the CJK font, registered with matplotlib once."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@dataclass(frozen=True, slots=True)
class Bar:
    """One person on the chart: visits, the quota if they have one, short of it or not."""

    name: str
    visits: int
    quota: int | None
    short: bool


def monthly(
    texts: Texts, lang: str, *, title: str, people: list[Bar], by_grade: dict[str, int]
) -> bytes:
    """Visits per person against the quota, and visits by customer grade, as a PNG."""
    people = people[:MAX_PEOPLE]
    label = lambda key, **kw: texts.label(lang, f"chart.{key}", **kw)  # noqa: E731
    with plt.rc_context({"font.family": cjk_font(), "axes.unicode_minus": False}):
        height = max(3.0, 0.42 * len(people) + 1.6)
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(11, height), gridspec_kw={"width_ratios": [3, 2]}
        )
        names = [p.name for p in people][::-1]
        visits = [p.visits for p in people][::-1]
        colours = ["#d9534f" if p.short else "#337ab7" for p in people][::-1]
        bars = left.barh(names, visits, color=colours)
        left.bar_label(bars, padding=3)
        for row, person in enumerate(people[::-1]):
            if person.quota is not None:
                left.plot(person.quota, row, marker="|", markersize=18, color="#333333")
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_title(label("visits_by_person"))
        left.set_xlabel(label("visits"))
        left.spines[["top", "right"]].set_visible(False)
        grades = list(by_grade)
        counts = [by_grade[g] for g in grades]
        grade_bars = right.bar([label("grade", grade=g) for g in grades], counts, color="#5cb85c")
        right.bar_label(grade_bars, padding=2)
        right.margins(y=0.15)
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_title(label("visits_by_grade"))
        right.spines[["top", "right"]].set_visible(False)
        fig.suptitle(title, fontsize=14)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=110)
        plt.close(fig)
    return out.getvalue()
