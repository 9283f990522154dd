"""Every benchmark, one after the other, each printing its figures and their reference.

    .venv/bin/python bench/run_all.py            # the full sizes (about 10 minutes)
    .venv/bin/python bench/run_all.py --smoke    # tiny sizes: does each still run? (CI)
    .venv/bin/python bench/run_all.py --db postgresql://kabot@127.0.0.1:5432/postgres
                                                 # the same on a PostgreSQL server

The full run produced the README's "Performance" table. The smoke run checks nothing about
speed (no figure is compared with a goal: a busy machine must not fail it); it proves every
benchmark still runs end to end and prints its line.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, full-size arguments, smoke arguments)
BENCHMARKS = [
    ("bench_when.py", [], []),
    (
        "bench_delivery.py",
        [],
        ["--updates", "20", "--people", "2", "--visits", "1", "--rounds", "1"],
    ),
    ("bench_fanout.py", [], ["--groups", "5", "--people", "10", "--per-group", "2"]),
    (
        "bench_fanout.py",
        ["--errors", "0.1"],
        ["--groups", "3", "--people", "5", "--errors", "0.1"],
    ),
    (
        "bench_fanout.py",
        ["--errors", "0.3"],
        ["--groups", "3", "--people", "5", "--errors", "0.3"],
    ),
    ("bench_due.py", [], ["--locals", "300", "--issues", "100"]),
    ("bench_due.py", ["--years", "3"], ["--locals", "300", "--issues", "100", "--years", "3"]),
    (
        "bench_summary.py",
        [],
        ["--units", "2", "--people", "20", "--visits", "500", "--month-visits", "50"],
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL server to run them on")
    args = parser.parse_args()
    failed = 0
    for script, full, smoke in BENCHMARKS:
        command = [sys.executable, str(HERE / script), *(smoke if args.smoke else full)]
        if args.db and script != "bench_when.py":  # bench_when has no database
            command += ["--db", args.db]
        print(f"$ {' '.join(command[1:])}", flush=True)
        result = subprocess.run(command, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
