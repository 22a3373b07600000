"""The dataset as a grid of small pictures, odd and corrupted files flagged on their tiles (EDA lesson)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import eda
from core.io import ImageLoadError, load_image
from core.io.png_writer import encode_png
from core.thumbnails import preview, tile_flags, tile_order
from ui.alt import show_image
from ui.memo import session_memo
from ui.room import lecturer_mode
from ui.safe_text import md

MAX_TILES = 48
COLUMNS = 8
"""Tiles per row."""
ROOM_COLUMNS = 5
"""Tiles per row in lecturer mode: fewer and larger, their names read from the back of the room."""


def _tiles(files: list[tuple[str, bytes]], names: list[str]) -> dict[str, tuple[bytes, bool] | None]:
    """PNG previews of the named files, each with whether it shows low values white (a grey MONOCHROME1 file, as
    it asks); None for a file that cannot be read."""
    contents = dict(files)
    tiles: dict[str, tuple[bytes, bool] | None] = {}
    for name in names:
        try:
            volume = load_image(contents[name], name)
            invert = volume.low_values_white
            tiles[name] = encode_png(preview(volume.data, volume.rgb, volume.is_4d, invert=invert)), invert
        except (ImageLoadError, KeyError, ValueError):
            tiles[name] = None
    return tiles


def show_thumbnail_grid(files: list[tuple[str, bytes]], table: pd.DataFrame, words: str) -> None:
    """One tile per file (flagged files first, at most `MAX_TILES`), each with the findings that concern it.

    The previews are made once per dataset and kept in this session only (drawn when this part is opened).

    Parameters
    ----------
    files : list of (str, bytes)
        The dataset's files.
    table : pandas.DataFrame
        Their `core.eda.file_table`.
    words : str
        The lesson's words on this first look.
    """
    st.header("Look at the images")
    flags = tile_flags(table, eda.quality_report(table))
    names = tile_order(flags, MAX_TILES)
    key = (len(table), tuple(table["file"]), tuple(table["pixel hash"].astype(str)))
    with st.spinner(f"Drawing {len(names)} previews..."):
        tiles = session_memo("exploring-tiles", key, lambda: _tiles(files, names), entries=2)
    flagged = sum(bool(flags[name]) for name in names)
    st.caption(f"{words} {flagged} flagged file(s) here."
               + (f" {len(names)} of {len(table)} files shown." if len(table) > len(names) else ""))
    blank = encode_png(np.full((48, 48), 40, np.uint8))
    per_row = ROOM_COLUMNS if lecturer_mode() else COLUMNS
    for start in range(0, len(names), per_row):
        for column, name in zip(st.columns(per_row), names[start:start + per_row]):
            found = flags[name]
            tile, inverted = tiles.get(name) or (None, False)
            caption = md(name) + (" · low values white (MONOCHROME1)" if inverted else "") + (
                " · ⚠ " + md("; ".join(found)) if found else "")
            alt = (f"Preview of {name}, middle slice" + (", low values white as its file asks" if inverted else "")
                   if tile else f"{name} could not be read: no preview") + (
                f"; flagged: {'; '.join(found)}" if found else "")
            show_image(column, tile or blank, alt, caption=caption, width="stretch")
