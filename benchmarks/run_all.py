"""Every benchmark in one table: `make bench` runs this.

Collects ``rows(runs)`` of each benchmarks/bench_*.py (the reruns of every
lesson against a bare page, loading, pixels, exploring, preparing,
registration, the CNN, learned registration, the server's memory with real browser sessions, the
learner's browser: renderer CPU of every page against a bare page) and
prints one markdown table: median of several runs, the reference measured in
the same run and the ratio, the goal, pass or miss, and the machine's core
count. A benchmark that fails prints its error as a row and the others go on.

Usage: .venv/bin/python benchmarks/run_all.py [--runs 5] [--only reruns memory] [--out FILE]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import Row, table  # noqa: E402

# name: runs for that benchmark (None: the --runs value); the slow ones run fewer times to stay bounded
BENCHES = {"reruns": None, "loading": None, "pixels": None, "exploring": None, "preparing": None,
           "registration": 5, "cnn": 2, "learned_registration": 1, "memory": 1,
           "browser": 3}


def collect(names: list[str], runs: int) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        module = importlib.import_module(f"bench_{name}")
        start = time.perf_counter()
        try:
            if name == "memory":
                found = module.rows()
            else:
                found = module.rows(min(runs, BENCHES[name] or runs))
        except Exception as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            found = [Row(f"{name}: FAILED ({exc.__class__.__name__}: {exc})", None, ok=False)]
        rows += found
        print(f"[{name}: {time.perf_counter() - start:.0f} s]", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=list(BENCHES), help="run only these benchmarks")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()
    rows = collect(args.only or list(BENCHES), args.runs)
    text = table(rows, args.runs)
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
