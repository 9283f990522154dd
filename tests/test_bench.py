"""The benchmarks still run: each at a tiny size, its figure line printed (no timing is
judged here — speed goals live in bench/ and the README, not in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import engines

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_every_benchmark_runs_at_a_smoke_size() -> None:
    on = ["--db", engines.SERVER] if engines.SERVER else []  # the suite's engine
    result = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--smoke", *on],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.count("on PostgreSQL" if on else "on SQLite") == 7  # all but bench_when
    assert "| kabot /help (inbox + outbox) |" in out
    assert out.count("fan-out: ") == 3
    # Delivered exactly once, within Telegram's limits, 429s or not.
    assert out.count("missing 0, doubled 0, limits broken 0") == 3
    assert out.count("due work, ") == 4  # one year of history, then three
    assert out.count("start-up on that database: first getUpdates after") == 2
    assert "Bot API calls an update:" in out
    assert "figures + chart of 3 summaries" in out and "the whole job (3 summaries sent)" in out
