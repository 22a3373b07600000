"""The bare reference page for bench_reruns: the sidebar's image shown windowed to uint8, and one slider.

Not a benchmark itself (run_all skips it): bench_reruns runs it through the
same AppTest harness as the lessons, so both pay the picker and the harness.
"""

import numpy as np
import streamlit as st

from core.display import apply_window, auto_window
from ui.picker import current_volume

if __name__ == "__main__":
    volume = current_volume()
    image = np.asarray(volume.slice2d())
    st.slider("A control that changes nothing", 0, 100, 50, key="bare-slider")
    st.image(apply_window(image, *auto_window(image)), output_format="PNG")
