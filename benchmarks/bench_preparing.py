"""Speed of the Preparing page: a control change on a 512 × 512 image, and the whole pipeline on a volume.

Runs the page in AppTest (server-side script time, no browser; the whole
page reruns, where the browser reruns only the slider's fragment). First row:
upload scikit-image's 512 × 512 camera picture, warm up once, then move the
"Manual level" slider to a new value several times and time each rerun: the
median and the worst (target: under 100 ms), and the first run for
comparison. Second row: on the MNI template (189 × 233 × 197), a five-step
pipeline (Rician noise, median 3 × 3, Gaussian, Otsu, Canny) run on every
slice with the page's button and progress bar (target: under 10 s).

Usage: .venv/bin/python benchmarks/bench_preparing.py [--runs 7]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import Row, median, run_alone  # noqa: E402


def rows(runs: int = 7) -> list[Row]:
    import skimage
    from core import samples
    from harness import choose_sample, page_test, upload, widget

    camera = (Path(skimage.__file__).parent / "data" / "camera.png").read_bytes()
    at = page_test("lessons/preparing.py", timeout=600)
    at.query_params["section"] = "Thresholds"  # the lesson shows one section at a time
    start = time.perf_counter()
    at.run()
    upload(at, ("camera.png", camera))
    first = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    slider = lambda: widget(at, "slider", "prep-level")  # noqa: E731
    slider().set_value(100).run()  # warm-up: the new level's table is computed once
    times = []
    for n in range(runs):
        slider().set_value(110 + n)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]
    at = page_test("lessons/preparing.py", timeout=600)
    at.query_params["section"] = "Pipeline builder"
    at.run()
    choose_sample(at, samples.SAMPLES[2].name)
    for n, (kind, option) in enumerate((("noise", "rician"), ("median", ""), ("gaussian", ""), ("threshold", "otsu"),
                                         ("edges", "canny")), 1):
        widget(at, "selectbox", f"prep-step{n}").set_value(kind).run()
        if option:
            widget(at, "selectbox", f"prep-step{n}-{kind}").set_value(option).run()
    shape = " × ".join(str(v) for v in samples.load(samples.SAMPLES[2].name).data.shape)
    button = next(b for b in at.button if b.label.startswith("Run the pipeline on all"))
    start = time.perf_counter()
    button.click().run()
    volume_seconds = time.perf_counter() - start
    assert not at.exception and "Result" in [m.label for m in at.metric]

    ms = 1000 * median(times)
    return [Row("preparing: threshold slider on the 512 × 512 camera.png, whole-page rerun (AppTest)", ms,
                goal="< 100 ms", ok=ms < 100, note=f"worst {1000 * max(times):.0f} ms, first run with upload "
                                                   f"{first:.2f} s"),
            Row(f"preparing: 5-step pipeline on the whole MNI volume {shape} (button, progress bar)",
                volume_seconds, unit="s", goal="< 10 s", ok=volume_seconds < 10, note="one run")]


if __name__ == "__main__":
    run_alone(rows, __doc__, runs=7)
