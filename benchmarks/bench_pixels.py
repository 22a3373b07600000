"""Speed of the page "How a computer sees an image": moving the bit-depth slider on a 512 × 512 image.

The learner's upload is a 512 × 512 16-bit PNG (the Shepp-Logan phantom on a
0-4095 scale with a little noise). The bit-depth slider is moved to a new
value and the page rerun in AppTest, two ways:

- fragment rerun: what the browser triggers, only the bit-depth section
  (``@st.fragment(key="px-bits")``) reruns: re-quantisation, histogram,
  picture and code panel;
- full page rerun: the whole page, as after a change of image.

Goal: under 100 ms for the fragment rerun (the issue's target for a slider).
Prints one table row: medians of several runs and the machine's core count.

Usage: .venv/bin/python benchmarks/bench_pixels.py [--runs 9]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import Row, fragment_reruns, median, run_alone  # noqa: E402

PAGE = "lessons/pixels.py"
SLIDER = "Bits per value, n"
FRAGMENT_KEY = "px-bits"


def phantom_png() -> bytes:
    """A 512 × 512 16-bit PNG: the Shepp-Logan phantom, 0-4095, with Gaussian noise."""
    import imageio.v3 as iio
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    image = resize(shepp_logan_phantom(), (512, 512), order=1) * 4000
    image += np.random.default_rng(0).normal(0, 20, image.shape)
    return iio.imwrite("<bytes>", np.clip(image, 0, 4095).astype(np.uint16), extension=".png")


def slider(at):
    return next(s for s in at.slider if s.label == SLIDER)


def timed_moves(at, values: list[int]) -> list[float]:
    """Seconds per rerun after moving the slider to each value; checks the page shows the new level count."""
    seconds = []
    for value in values:
        slider(at).set_value(value)
        start = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception[0].value)
        shown = {m.label: m.value for m in at.metric}.get("Levels possible")
        if shown != f"{2 ** value:,}":
            raise RuntimeError(f"after moving to {value} bits the page shows {shown!r} levels")
    return seconds


def rows(runs: int = 9) -> list[Row]:
    from harness import page_test, upload

    at = page_test(PAGE, timeout=300)
    at.query_params["section"] = "Bit depth"  # the lesson shows one section at a time
    at.run()
    upload(at, ("phantom512.png", phantom_png()))
    if at.exception or not any("Your image: phantom512.png" in m.value for m in at.markdown):
        raise RuntimeError("the upload did not load")
    values = [4 + (3 * i) % 12 for i in range(runs + 1)]  # 4, 7, 10, 13, 5, ...: always a new value
    timed_moves(at, [16])  # warm-up: imports, first figure
    full = timed_moves(at, values[:runs])
    fragment_ids = at._fragment_storage.resolve_target(FRAGMENT_KEY)
    with fragment_reruns(fragment_ids):
        timed_moves(at, [16])
        fragment = timed_moves(at, values[:runs])
    ms = median(fragment) * 1000
    return [Row("pixels: bit-depth slider on a 512 × 512 16-bit upload, fragment rerun (AppTest)", ms,
                reference=median(full) * 1000, reference_name="the full page rerun", goal="< 100 ms", ok=ms < 100)]


if __name__ == "__main__":
    run_alone(rows, __doc__, runs=9)
