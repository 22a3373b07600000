"""What a slider step's layout costs the learner's browser: lesson 4's noise step redrawn by pages that differ only
in how much the step sends again (issue 19's step goal).

Run with ``.venv/bin/python benchmarks/step_layout.py [--runs 5]``: it serves the bare page of bench_browser and one
page per layout below (this file, as a Streamlit script, with ``STEP_LAYOUT`` naming the layout), opens each in a
fresh headless Chromium tab per round, presses → on its slider and prints, per layout, the medians of the step's
time to idle, its renderer CPU and the server's messages, against the bare page's in the same rounds. Every layout
computes the same thing (the sidebar's slice, Gaussian noise at the slider's level, the noisy image, three numbers);
only what the step's fragment sends again differs. Not part of ``make bench``: a study, quoted in RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path

LAYOUTS = {
    "lesson": "lesson 4's layout: four controls in columns, three pictures in columns, three metrics, a code line",
    "lesson, one metrics line": "the same, its three numbers in one line",
    "lesson, one picture element": "the same, its pictures one st.image of three and its numbers one line",
    "slider alone": "only the slider, the pictures as one st.image of three and the numbers as one line",
    "eight controls": "lesson 5's problem panel: eight controls in four columns, then one picture element and one line",
}


def draw(layout: str) -> None:
    """One page of `LAYOUTS`: its controls, pictures and numbers in a fragment, as lesson 4's body."""
    import numpy as np
    import streamlit as st

    from core.display import apply_window, auto_window
    from ui.picker import current

    image = np.asarray(current().volume.slice2d()).astype(float)
    label = "Noise level (% of the image's range)"  # the page's first slider: the one stepped
    if layout == "eight controls":
        columns = st.columns(4)
        level = columns[0].slider(label, 0, 50, 10)
        for n in range(1, 8):
            columns[n // 2].slider(f"Control {n}", 0, 10, 5)
    elif layout.startswith("lesson"):
        st.radio("Work on", ["the slice", "a phantom"], horizontal=True)
        kind, level_column, seed = st.columns(3)
        kind.selectbox("Noise", ["gaussian", "salt & pepper"])
        level = level_column.slider(label, 0, 50, 10)
        seed.number_input("Seed", 0, 100, 0)
    else:
        level = st.slider(label, 0, 50, 10)
    noise = np.random.default_rng(0).normal(0, level / 100 * np.ptp(image), image.shape)
    width, centre = auto_window(image)
    pictures = [apply_window(values, width, centre) for values in (image, noise, image + noise)]
    numbers = {"Noise mean": f"{noise.mean():.3g}", "Noise std": f"{noise.std():.3g}",
               "Noisy range": f"{np.ptp(image + noise):.4g}"}
    if layout in ("lesson", "lesson, one metrics line"):
        for column, picture in zip(st.columns(3), pictures):
            column.image(picture, output_format="PNG", width="stretch")
    else:
        st.image(pictures, output_format="PNG", width=300)
    if layout == "lesson":
        for column, (name, value) in zip(st.columns(3), numbers.items()):
            column.metric(name, value)
    else:
        st.markdown(" · ".join(f"{name} {value}" for name, value in numbers.items()))
    if layout.startswith("lesson"):
        st.markdown(f"`add_noise(image, 'gaussian', {level}, seed=0)`")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_browser import (BARE, CHROMIUM, CHROMIUM_ARGS, DOM_RECORDER, STATE_RECORDER, Sample, measure_page,
                               serve)
    from common import median
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack, sync_playwright() as p:
        samples = [Sample(BARE, stack.enter_context(serve("benchmarks/bare_page.py")))]
        for layout in LAYOUTS:
            os.environ["STEP_LAYOUT"] = layout  # read by the server started next
            samples.append(Sample(layout, stack.enter_context(serve("benchmarks/step_layout.py"))))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_init_script(STATE_RECORDER + DOM_RECORDER)
        for n in range(runs + 1):  # the first round warms up
            for sample in samples:
                measure_page(context, sample, record=n > 0)
        browser.close()
    bare = median(samples[0].step_wall)
    print(f"median of {runs} fresh tabs, one → on the slider each; bare page: time to idle {bare * 1000:.0f} ms\n")
    print("| layout | time to idle (× bare) | renderer CPU | server messages |\n|---|---|---|---|")
    for sample in samples:
        wall = median(sample.step_wall)
        print(f"| {LAYOUTS.get(sample.name, sample.name)} | {wall * 1000:.0f} ms ({wall / bare:.2f}×) "
              f"| {median(sample.step_cpu) * 1000:.0f} ms | {median(part[3] for part in sample.step_parts):.0f} |")


if __name__ == "__main__":
    if "STEP_LAYOUT" in os.environ:
        import streamlit as st

        st.fragment(lambda: draw(os.environ["STEP_LAYOUT"]))()
    else:
        main()
