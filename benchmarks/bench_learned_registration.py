"""Learned registration (lesson 5): does a minute of training on 2 cores give a useful network?

Trains `core.learned_registration.train` with the lesson's defaults (the
VoxelMorph recipe in 2D on 64 × 64 MNI152 slices with random known motions:
an affine stage, then three U-Nets in a cascade),
then registers held-out pairs (slices and motions it never saw) with the
network and with SimpleITK's affine + B-spline (`core.registration.register`)
on the same pairs, and scores both against the known motion:

1. Training time with the defaults (goal: about a minute, at most 90 s).
2. Median TRE on the held-out pairs, the network against B-spline (goal:
   within 1.5× B-spline's), with "no registration" in the note.
3. Time per pair once trained: one forward pass against one optimisation
   (goal: at least 20× faster).
4. Folding (share of pixels with a Jacobian determinant ≤ 0), a detail.

Training runs once (`--runs` repeats the per-pair timings only).

Usage: .venv/bin/python benchmarks/bench_learned_registration.py [--runs 3] [--pairs 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import Row, median, print_table  # noqa: E402


def rows(runs: int = 1, pairs: int = 10) -> list[Row]:
    from core import learned_registration as lr

    load = os.getloadavg()[0]
    start = time.perf_counter()
    cpu = time.process_time()
    trained = lr.train(lr.Config())
    train_seconds = time.perf_counter() - start
    train_cpu = time.process_time() - cpu
    load = max(load, os.getloadavg()[0])
    problems = lr.held_out_pairs(trained, pairs).problems
    lr.register_learned(trained.model, problems[0])  # warm-up (the first forward pass builds the graph)
    learned, bspline, nothing = [], [], []
    learned_times, bspline_times = [], []
    for problem in problems:
        for _ in range(max(1, runs)):
            result = lr.register_learned(trained.model, problem)
            learned_times.append(result.seconds)
        learned.append(result)
        for _ in range(max(1, runs)):
            result = lr.register_bspline(problem)
            bspline_times.append(result.seconds)
        bspline.append(result)
        nothing.append(lr.identity(problem).tre_mm)
    tre_learned = round(median(r.tre_mm for r in learned), 3)
    tre_bspline = round(median(r.tre_mm for r in bspline), 3)
    t_learned, t_bspline = median(learned_times), median(bspline_times)
    config = trained.config
    return [
        Row(f"learned registration: training, {config.pairs} pairs × {config.epochs} epochs, "
            f"{config.size} × {config.size}", train_seconds, "s", goal="about 60 s (≤ 90 s)", ok=train_seconds <= 90,
            note=f"{train_cpu:.0f} s of CPU, machine load average up to {load:.1f}"),
        Row(f"learned registration: median TRE on {pairs} held-out pairs", tre_learned, "mm", tre_bspline,
            "SimpleITK affine + B-spline", "≤ 1.5× B-spline", tre_learned <= 1.5 * tre_bspline,
            note=f"no registration {median(nothing):.2f} mm, pixel {trained.spacing[0]:.2f} mm"),
        Row("learned registration: time per pair once trained", t_learned * 1000, "ms", t_bspline * 1000,
            "SimpleITK affine + B-spline", "≥ 20× faster", t_bspline >= 20 * t_learned,
            note=f"{t_bspline / t_learned:.0f}× faster"),
        Row("learned registration: folding (Jacobian ≤ 0), network / B-spline",
            100 * float(np.mean([r.folding for r in learned])), "%",
            100 * float(np.mean([r.folding for r in bspline])), "B-spline"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args()
    print_table(rows(args.runs, args.pairs), args.runs)


if __name__ == "__main__":
    main()
