"""Lesson 2's pictures: the three planes as pictures with their labels and cursor, and the probe's clickable grid."""

from __future__ import annotations

import numpy as np

from core import samples
from ui.loading_chain import CLICK_SIDE, probe_figure
from ui.viewer import CURSOR_COLOUR, LABEL_COLOUR, plane_picture


def test_a_plane_is_a_picture_with_its_cursor_lines_and_its_four_edge_labels():
    grey = np.full((100, 80), 60, np.uint8)
    picture = plane_picture(grey, ("A", "P", "R", "L"), (30.0, 50.0))
    zoom = 3  # enlarged to at least 256 pixels a side, nearest neighbour
    assert picture.shape == (300, 240, 3) and picture.dtype == np.uint8
    row, col = int(30 * zoom + zoom / 2), int(50 * zoom + zoom / 2)
    assert (picture[row, 100:140] == CURSOR_COLOUR).all(axis=-1).all()  # the horizontal line through the cursor
    assert (picture[120:140, col] == CURSOR_COLOUR).all(axis=-1).all()  # the vertical one
    labelled = (picture == LABEL_COLOUR).all(axis=-1)
    for edge in (labelled[:40], labelled[-40:], labelled[:, :40], labelled[:, -40:]):  # a label on each edge
        assert edge.any()
    assert not labelled[120:180, 80:160].any()  # the middle stays the image


def test_the_probe_s_picture_takes_a_click_on_every_pixel_of_a_small_image_and_rings_the_probe():
    ct = samples.load("CT: chest slice (pydicom CT_small)")
    figure = probe_figure(ct, (20, 10), 400.0, 40.0)
    grid = next(t for t in figure.data if t.name == "pixels")
    assert len(grid.x) == ct.data.size <= CLICK_SIDE ** 2  # 128 × 128: every pixel
    ring = next(t for t in figure.data if t.name == "probe")
    assert list(ring.x) == [10] and list(ring.y) == [20]
    assert figure.layout.clickmode == "event+select"
    at = int(np.flatnonzero((np.asarray(grid.x) == 10) & (np.asarray(grid.y) == 20))[0])
    assert np.asarray(grid.customdata)[at] == ct.data[20, 10]  # the hover value is the pixel's own, in HU


def test_a_large_image_takes_a_click_every_few_pixels():
    big = samples.load("Photo: retina fundus (scikit-image)")
    figure = probe_figure(big, (700, 700), 1.0, 0.0)
    grid = next(t for t in figure.data if t.name == "pixels")
    assert 0 < len(grid.x) <= CLICK_SIDE ** 2 and max(grid.x) >= big.data.shape[1] - 12
