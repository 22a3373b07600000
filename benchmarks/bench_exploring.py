"""Speed of the Exploratory data analysis page: the table of 300 small DICOM files, and a histogram redraw.

1. The per-file table of 300 DICOM files of 116 × 98 pixels (MNI slices with
   noise), built by `core.eda.file_table` with a progress callback (as the
   page's progress bar uses it), and the whole page run in AppTest after
   uploading the 300 files (progress bar, charts, quality report). Goal: < 5 s.
2. The histogram of a 512 × 512 image compared with a noisy copy, redrawn as
   the page's fragment does when a control moves: `compare_histograms` and
   `histogram_figure` plus the figure's JSON (what Streamlit sends). Goal: < 100 ms.

Prints medians as table rows, with the machine's core count.

Usage: .venv/bin/python benchmarks/bench_exploring.py [--runs 5]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import Row, median, run_alone  # noqa: E402


def small_dicom_files(n: int = 300) -> list[tuple[str, bytes]]:
    """`n` single-slice MR files of 116 × 98 pixels from the MNI template, with Rician-like noise."""
    from core import samples
    from core.io.dicom_writer import write_dicom_slice
    from core.io import load_image

    mni = load_image(samples.SAMPLES[2].path).data
    rng = np.random.default_rng(0)
    files = []
    for i, k in enumerate(np.linspace(20, 170, n).astype(int)):
        image = mni[k, ::2, ::2].astype(float) * 3.5
        pixels = np.hypot(image + rng.normal(0, 14, image.shape), rng.normal(0, 14, image.shape)).astype(np.int16)
        files.append((f"IM{i:04d}.dcm", write_dicom_slice(
            pixels, position_lps=(0.0, 0.0, 2.0 * i), pixel_spacing=(2.0, 2.0), instance=i + 1,
            series_uid="1.2.826.0.1.3680043.8.498.1", study_uid="1.2.826.0.1.3680043.8.498.2",
            patient={"PatientID": "BENCH"})))
    return files


def table_times(files, runs: int) -> list[float]:
    from core.eda import file_table

    times = []
    for _ in range(runs):
        done = []
        start = time.perf_counter()
        table = file_table(files, progress=lambda i, n, name: done.append(i))
        times.append(time.perf_counter() - start)
        assert len(table) == len(files) == done[-1] and table["readable"].all()
    return times


def page_upload_time(files) -> float:
    """The page's run right after the 300 files are uploaded (reading them with the progress bar included)."""
    from harness import page_test, widget

    at = page_test("lessons/exploring.py", timeout=600)
    at.run()
    widget(at, "radio", "eda_source").set_value("My own files").run()
    widget(at, "file_uploader", "eda_upload").set_value([(n, d, "application/dicom") for n, d in files])
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Images"] == str(len(files))
    return seconds


def redraw_times(runs: int) -> list[float]:
    import skimage

    from core import eda
    from core.io import load_image
    from core.data.noise import add_noise

    camera = load_image(Path(skimage.__file__).parent / "data" / "camera.png").data
    assert camera.shape == (512, 512)
    noisy = add_noise(camera, "gaussian", 12.0, seed=0)
    times = []
    for n in range(runs + 1):  # the first run warms the imports up
        start = time.perf_counter()
        view = eda.compare_histograms([("camera", camera, camera), ("noisy", noisy, noisy)], 256 if n % 2 else 128)
        eda.histogram_figure(view.curves, log=bool(n % 2)).to_json()
        times.append(time.perf_counter() - start)
    return times[1:]


def rows(runs: int = 5) -> list[Row]:
    files = small_dicom_files()
    table = median(table_times(files, runs)) * 1000
    page = page_upload_time(files) * 1000
    redraw = median(redraw_times(runs)) * 1000
    return [
        Row("exploring: table of 300 DICOM files of 116 × 98 (core.eda.file_table, progress callback)", table,
            goal="< 5000 ms", ok=table < 5000),
        Row("exploring: the page's run after uploading those 300 files (AppTest, progress bar)", page,
            goal="< 5000 ms", ok=page < 5000, note="one run"),
        Row("exploring: histogram redraw, 512 × 512 and a noisy copy (compare_histograms + figure + JSON)", redraw,
            goal="< 100 ms", ok=redraw < 100),
    ]


if __name__ == "__main__":
    run_alone(rows, __doc__, runs=5)
