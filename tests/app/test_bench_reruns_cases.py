"""`make bench` still finds every control it moves: each lesson's case of benchmarks/bench_reruns.py is set up and
its control moved once, as the benchmark does; each of these controls reruns its fragment, not the page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_reruns  # noqa: E402


@pytest.mark.parametrize("name", list(bench_reruns.CASES))
def test_the_benchmark_finds_and_moves_each_lessons_control(name):
    case = bench_reruns.CASES[name]
    at = bench_reruns.prepare(case, bench_reruns.camera_png())  # raises when a control is missing or the page fails
    seconds, scoped = bench_reruns.rerun_after(at, *case.control, 0)
    assert seconds > 0
    assert scoped, f"{case.control[1]} reruns the whole page: its section or lesson body lost its fragment"
