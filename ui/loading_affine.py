"""From voxel to world (Loading lesson): the file's affine applied to the probed voxel, row by row."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import describe
from core.io.orientation import axis_codes
from core.volume import Volume
from ui.lecture_table import numbers_table
from ui.lesson import explain


def show_affine(volume: Volume, index: tuple[int, ...], explanation: str) -> None:
    """The 4 × 4 affine and ``affine @ [i, j, k, 1]`` worked out for the probed voxel (3D images with an affine).

    Parameters
    ----------
    volume : Volume
        The image; nothing is shown without an affine or for a 2D image.
    index : tuple of int
        The probed index into ``volume.data`` (its last three are the voxel).
    explanation : str
        The lesson's words on the affine.
    """
    if volume.affine is None or not volume.is_3d:
        return
    st.header("From voxel to world: the affine")
    spatial = index[-3:]
    own = describe.file_index(volume, spatial)
    explain(f"{explanation} The probed voxel (slice {spatial[0]}, row {spatial[1]}, col {spatial[2]}) is "
            f"**(i, j, k) = {own}** in the file.")
    matrix, steps = st.columns([2, 3])
    numbers_table(matrix, pd.DataFrame(volume.file_affine, index=["x", "y", "z", ""], columns=["i", "j", "k", "1"]).round(4),
                  formats=dict.fromkeys(["i", "j", "k", "1"], "{:.4g}"), hide_index=False, width="stretch")
    numbers_table(steps, describe.affine_steps(volume.file_affine, own), formats={"mm": "{:.4g}"}, width="stretch")
    st.caption("Orientation codes of the file's axes (nibabel.aff2axcodes): "
               f"{''.join(axis_codes(volume.file_affine))}.")
