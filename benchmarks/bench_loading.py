"""Speed of start-up and loading: the home page, a slice change in the MNI volume, a 200-slice DICOM series.

`rows(runs)` gives the table's rows (benchmarks/run_all.py); alone it prints them: medians of several runs, with the reference measured in
the same run where there is one (SimpleITK's ImageSeriesReader on the same
files), the goal, and the machine's core count.

Usage: .venv/bin/python benchmarks/bench_loading.py [--runs 5]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import (ROOT, Row, fragment_of, median, record_fragments, run_alone, timed,  # noqa: E402
                    timed_rerun)

HOME = f"""
import sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120)
start = time.perf_counter()
at.run()
print(time.perf_counter() - start, int(any(m in sys.modules for m in ("tensorflow", "keras", "SimpleITK"))))
"""


def home_first_run() -> tuple[float, bool]:
    """Seconds of the home page's first run in a fresh process (Streamlit itself already imported),
    and whether a heavy library got imported."""
    out = subprocess.run([sys.executable, "-c", HOME], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    seconds, heavy = out.split()[-2:]
    return float(seconds), heavy == "1"


def slice_change(runs: int) -> tuple[list[float], list[float]]:
    """Rerun times after moving the axial slider of the MNI volume on the Loading page: fragment-scoped, as the
    browser reruns the viewer's ``@st.fragment``, and the whole page (as after any change outside it)."""
    from harness import choose_sample, page_test, widget

    record_fragments()
    at = page_test("lessons/loading.py", timeout=300, state={"section": "Look at it"})  # the section with the viewer
    at.run()
    choose_sample(at, "MRI 3D: brain template (MNI152 2009)")
    key = "view_axial"
    widget(at, "slider", key).set_value(40)
    at.run()  # warm-up
    fragment = fragment_of(widget(at, "slider", key))
    scoped, full = [], []
    for n in range(runs):
        for times, ids in ((full, None), (scoped, fragment)):
            widget(at, "slider", key).set_value(60 + 10 * n + (5 if ids else 0))
            times.append(timed_rerun(at, ids))
            assert not at.exception
    return scoped if fragment else full, full


def series_files(n_slices: int = 200) -> list[tuple[str, bytes]]:
    from core.io.dicom_writer import write_dicom_series

    data = (np.random.default_rng(0).random((n_slices, 512, 512)) * 2000 - 1000).astype(np.int16)
    affine = np.array([[0, 0, -0.7, 0], [0, -0.7, 0, 0], [1.5, 0, 0, 0], [0, 0, 0, 1.0]])
    return write_dicom_series(data, affine, modality="CT")


def rows(runs: int = 5) -> list[Row]:
    out = []
    homes = [home_first_run() for _ in range(runs)]
    heavy = any(h for _, h in homes)
    home = median(s for s, _ in homes) * 1000
    out.append(Row("home page first run (AppTest, fresh process)", home,
                   goal="< 1000 ms, no TF/Keras/SimpleITK imported", ok=home < 1000 and not heavy,
                   note="TF/Keras/SimpleITK " + ("IMPORTED" if heavy else "not imported")))

    scoped, full = slice_change(runs)
    slice_ms = median(scoped) * 1000
    out.append(Row("MNI 197×233×189 slice change: the Loading page's viewer fragment rerun (AppTest)", slice_ms,
                   reference=median(full) * 1000, reference_name="the whole page rerun", goal="< 80 ms",
                   ok=slice_ms < 80))

    from core.io import load_series

    files = series_files()
    _, volume = timed(lambda: load_series(files), 1)
    tracemalloc.start()
    load_series(files)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    import SimpleITK as sitk

    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files:
            Path(folder, name).write_bytes(data)
        reader = sitk.ImageSeriesReader()
        reader.SetFileNames(reader.GetGDCMSeriesFileNames(folder))
        reader.Execute()  # warm-up: the files in the page cache, GDCM loaded
        for _ in range(runs):  # alternate, so both see the same load on a shared machine
            ours += timed(lambda: load_series(files), 1)[0]
            theirs += timed(reader.Execute, 1)[0]
    ours_ms, theirs_ms = median(ours) * 1000, median(theirs) * 1000
    out.append(Row("load 200 × 512 × 512 DICOM series (core.io, from memory)", ours_ms, reference=theirs_ms,
                   reference_name="SimpleITK ImageSeriesReader, from disk", goal="≤ 1.2× reference",
                   ok=ours_ms <= 1.2 * theirs_ms))
    size = volume.data.nbytes / 2**20
    out.append(Row("peak memory of that load (tracemalloc)", peak / 2**20, unit="MiB", reference=size,
                   reference_name="the volume's size", goal="≤ 2× the volume", ok=peak / 2**20 <= 2 * size))
    return out


if __name__ == "__main__":
    run_alone(rows, __doc__, runs=5)
