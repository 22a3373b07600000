"""The bounded working copy of the sidebar's image, announced on the page (see `core.io.working_copy`)."""

from __future__ import annotations

import streamlit as st

from core.volume import Volume
from core.io.working_copy import MAX_WORKING_PIXELS, working_copy


def bounded(volume: Volume) -> Volume:
    """`volume`, or its working copy with a note saying how it was thinned, when one 2D image is too large."""
    work, step = working_copy(volume)
    if step > 1:
        rows, cols = volume.spatial_shape[-2:]
        kept = work.spatial_shape[-2:]
        st.info(f"Your image has {rows:,} × {cols:,} pixels, more than the {MAX_WORKING_PIXELS:,} this page works "
                f"on at once: it keeps one row and one column in {step}, **{kept[0]:,} × {kept[1]:,} pixels** whose "
                f"values are as stored (pixel size × {step}). Page 2 (Loading data) reads every pixel.",
                icon=":material/photo_size_select_small:")
    return work
