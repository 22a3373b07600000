"""Rerun time of every lesson after one typical control change on a 512 × 512 image, against a bare page.

Every lesson is run in AppTest through the course harness (the sidebar picker,
then the page), with scikit-image's 512 × 512 camera.png uploaded in the
sidebar. One typical control is moved to a new value each run and the rerun
is timed: fragment-scoped when the control sits in an ``@st.fragment`` (what
the browser triggers), else the whole page. The reference is a bare page
(benchmarks/bare_page.py) that only shows the same image and one slider that moves its window,
through the same harness, timed the same way in the same process, rerun
alternately with each lesson so that both see the same load.

Goal (issue 10): under 100 ms and at most 1.5 × the bare page. Server-side
script time only: no browser, no network, no rendering.

Usage: .venv/bin/python benchmarks/bench_reruns.py [--runs 7] [--only pixels]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import ROOT, Row, fragment_of, median, print_table, record_fragments, timed_rerun  # noqa: E402


@dataclass
class Case:
    """A lesson, the steps that open the view (kind, label, value) and the control moved (kind, label)."""

    page: str
    control: tuple[str, str]
    setup: list[tuple[str, str, object]] = field(default_factory=list)
    what: str = ""



CASES = {
    "loading": Case("lessons/loading.py", ("slider", "Level"), [("button_group", "Section", "Look at it")],
                    what="window level slider"),
    "pixels": Case("lessons/pixels.py", ("slider", "Bits per value, n"), [("button_group", "Section", "Bit depth")],
                   what="bit-depth slider"),
    "exploring": Case("lessons/exploring.py", ("slider", "Noise σ (in the image's units)"),
                      [("button_group", "Section", "Histogram"), ("selectbox", "Image", "image of the sidebar"),
                       ("selectbox", "Compare with", "a noisy copy")],
                      what="noise σ of the histogram's noisy copy, sidebar image"),
    "preparing": Case("lessons/preparing.py", ("slider", "Manual level v (8-bit scale)"),
                      [("button_group", "Section", "Thresholds")], what="manual threshold slider"),
    "unsupervised": Case("lessons/unsupervised.py", ("slider", "Shift down (mm)"),
                         what="shift of the moving image (preview, no registration)"),
    "supervised": Case("lessons/supervised.py", ("slider", "Row of the output pixel"),
                       [("button_group", "Section", "Convolution")], what="row of the convolution's output pixel"),
    "case_study": Case("lessons/case_study.py", ("slider", "Atrophy (mm)"), what="atrophy slider (before Run)"),
}
BARE = Case(str(Path(__file__).resolve().parent.relative_to(ROOT) / "bare_page.py"),
            ("slider", "Window level (% of the width)"), what="bare page: the image and one slider")


def camera_png() -> bytes:
    import skimage

    return (Path(skimage.__file__).parent / "data" / "camera.png").read_bytes()


def find(at, kind: str, label: str):
    matches = [w for w in at.get(kind) if w.label == label]
    if not matches:
        raise KeyError(f"no {kind} labelled {label!r} on the page")
    return matches[0]


def new_value(widget, i: int):
    """A value different from the current one, spread over the widget's range."""
    if widget.type in ("selectbox", "select_slider", "radio"):
        options = list(widget.options)
        return options[(options.index(str(widget.value)) + 1) % len(options)] if widget.type == "selectbox" \
            else options[(i + 1) % len(options)]
    lo, hi, step = widget.min, widget.max, widget.step
    n_steps = max(int(round((hi - lo) / step)), 1)
    k = int(n_steps * (0.3 + 0.4 * ((i * 7) % 11) / 10))
    value = lo + k * step
    if value == widget.value:
        value = lo + ((k + 1) % (n_steps + 1)) * step
    return type(widget.value)(value)


def rerun_after(at, kind: str, label: str, i: int) -> tuple[float, bool]:
    """Move the control, rerun as the browser would; seconds and whether the rerun was fragment-scoped."""
    widget = find(at, kind, label)
    fragment = fragment_of(widget)
    widget.set_value(new_value(widget, i))
    seconds = timed_rerun(at, fragment)
    if at.exception:
        raise RuntimeError(f"{label}: {at.exception[0].value}")
    return seconds, bool(fragment)


def prepare(case: Case, image: bytes):
    """The page in AppTest with the image uploaded, the view opened and one warm-up change made."""
    from harness import page_test, upload

    record_fragments()
    at = page_test(case.page, timeout=600)
    at.run()
    upload(at, ("camera.png", image))
    for kind, label, value in case.setup:
        if kind == "selectbox":
            value = next(o for o in find(at, kind, label).options if value in o)
        find(at, kind, label).set_value(value)
        at.run()
    if at.exception:
        raise RuntimeError(f"{case.page}: {at.exception[0].value}")
    rerun_after(at, *case.control, -1)  # warm-up: first figure, caches
    return at


def rows(runs: int = 7, only: list[str] | None = None) -> list[Row]:
    """One row per lesson; the bare page is rerun alternately with each lesson, so both see the same load."""
    image = camera_png()
    bare_at = prepare(BARE, image)
    out, all_bare = [], []
    for name, case in CASES.items():
        if only and name not in only:
            continue
        at = prepare(case, image)
        bare, lesson, scoped = [], [], False
        for i in range(runs):
            bare.append(rerun_after(bare_at, *BARE.control, i)[0])
            seconds, scoped = rerun_after(at, *case.control, i)
            lesson.append(seconds)
        all_bare += bare
        ms, bare_ms = median(lesson) * 1000, median(bare) * 1000
        out.append(Row(f"{name}: {case.what} ({'fragment' if scoped else 'full page'} rerun)", ms,
                       reference=bare_ms, reference_name="bare page", goal="< 100 ms and ≤ 1.5× bare",
                       ok=ms < 100 and ms <= 1.5 * bare_ms))
    return [Row("bare page: the 512 × 512 image and one slider (reference, all its reruns)", median(all_bare) * 1000),
            *out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="lesson names, e.g. pixels loading")
    args = parser.parse_args()
    print_table(rows(args.runs, args.only), args.runs)


if __name__ == "__main__":
    main()
