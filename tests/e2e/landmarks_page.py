"""A page holding only the landmark section, on the Shepp-Logan phantom moved by a known motion (browser test)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's core and ui, not an installed copy

import streamlit as st  # noqa: E402
from skimage.data import shepp_logan_phantom  # noqa: E402
from skimage.transform import resize  # noqa: E402

from core.data.warps import Motion, make_problem  # noqa: E402
from ui.landmarks import landmark_section  # noqa: E402

st.set_page_config(page_title="Landmarks", layout="wide")
image = resize(shepp_logan_phantom(), (96, 96), anti_aliasing=True)
problem = make_problem(image, (1.0, 1.0), Motion(shift_mm=(4.0, -5.0), angles_deg=(12.0,)))
landmark_section(problem, ("phantom", 96, 12.0))
