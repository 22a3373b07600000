"""The files of a DICOM series, their positions and the order the course put them in (Loading lesson)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.io.dicom import series_by_name
from core.volume import Volume


def show_series_table(volume: Volume) -> None:
    """A table of the series' files: name, instance number, position along the slice normal, place in the stack.

    Shows nothing for an image that is not a DICOM series. File names are shown as table cells (plain text).
    """
    if not volume.series_files:
        return
    rows, moved = series_by_name(volume.series_files)
    st.subheader("The series: files, positions and order")
    st.caption(f"{len(rows)} files, listed by name as a file browser shows them. Each file's position is its "
               "ImagePositionPatient projected on the slice normal (the cross product of the two "
               "ImageOrientationPatient directions); the stack is sorted by that position, not by name: "
               + (f"**{moved} of {len(rows)} files** sit at another place in the stack than in the name order."
                  if moved else "here the name order happens to be the position order, which nothing guarantees."))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(35 * (len(rows) + 1) + 3, 320),
                 column_config={"position (mm)": st.column_config.NumberColumn(format="%.2f")})
