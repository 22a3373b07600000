"""The bare reference page of bench_reruns and bench_browser: the sidebar's image and one slider that redraws it.

Not a benchmark itself (run_all skips it). bench_reruns runs it through the same AppTest harness as the lessons,
so both pay the picker and the harness; bench_browser opens it in Chromium beside the lessons, and the browser
load test's reference app (loadtest/bare_app.py) draws its pages with `sidebar_image`. Its slider moves the
window's level, so one step redraws the image, as a lesson's control redraws its figure: a small page's answer
to a control change.
"""

import numpy as np
import streamlit as st

from core.display import apply_window, auto_window
from ui.picker import current


def sidebar_image(slider: bool = True) -> None:
    """The sidebar's image (one slice); with `slider`, a slider that moves its window level and redraws it."""
    image = np.asarray(current().volume.slice2d())
    width, level = auto_window(image)
    shift = st.slider("Window level (% of the width)", -50, 50, 0, key="bare-slider") if slider else 0
    st.image(apply_window(image, width, level + shift / 100 * width), output_format="PNG")


if __name__ == "__main__":
    sidebar_image()
