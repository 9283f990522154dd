"""How fast kabot reads time expressions: the grammar, dateparser's fallback, the cold start.

    .venv/bin/python bench/bench_when.py

Goals (a 2-core machine): the first call after start-up under 2 s (paid at start, by
``when.warm_up``); a phrase the grammar reads under 1 ms; one that falls through to
dateparser under 20 ms. A visit answer is read off the event loop either way.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.forms import when
from tests.test_when import CASES

NOW = datetime(2026, 11, 20, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
FALLBACK = ["18 Nov 14:00", "November 18th, 2026", "Tuesday at 4pm", "上个月", "一会儿"]


def timed(texts: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            when.parse_when(text, NOW)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    start = time.perf_counter()
    when.warm_up()
    print(f"warm-up (dateparser's first calls): {time.perf_counter() - start:.2f} s")
    phrases = [text for text, _ in CASES if text not in FALLBACK]
    for name, texts in (("whole table", phrases), ("dateparser fallback", FALLBACK)):
        samples = timed(texts, 20)
        print(
            f"{name}: {len(samples)} parses, median {statistics.median(samples):.3f} ms,"
            f" p95 {statistics.quantiles(samples, n=20)[18]:.3f} ms, max {max(samples):.3f} ms"
        )


if __name__ == "__main__":
    main()
