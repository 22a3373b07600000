"""Selections on a picture (points, boxes, lassos) to pixel coordinates and masks."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from core import selection
from core.selection import (box_mask, click_grid, lasso_mask, selected_boxes, selected_lassos, selected_points)

SHAPE = (20, 30)


def test_doctests():
    assert doctest.testmod(selection).failed == 0


def event(points=(), box=(), lasso=()):
    """An event as Streamlit 1.67 returns it from st.plotly_chart(on_select=...)."""
    return {"selection": {"points": list(points), "point_indices": [p.get("point_index", 0) for p in points],
                          "box": list(box), "lasso": list(lasso)}}


def test_points_are_rows_and_columns_in_click_order_clipped_to_the_image():
    clicks = [{"x": 4.4, "y": 7.6, "curve_number": 1, "point_index": 3},
              {"x": 40.0, "y": -3.0, "curve_number": 1, "point_index": 9},
              {"x": 2.0, "y": 2.0, "curve_number": 0, "point_index": 1}]
    assert selected_points(event(clicks), SHAPE).tolist() == [[8.0, 4.0], [0.0, 29.0], [2.0, 2.0]]
    assert selected_points(event(clicks), SHAPE, curve=1).tolist() == [[8.0, 4.0], [0.0, 29.0]]
    assert selected_points(event(clicks[:1]), SHAPE, snap=False).tolist() == [[7.6, 4.4]]


def test_points_in_mm_are_divided_by_the_spacing():
    clicks = [{"x": 9.0, "y": 5.0}]
    assert selected_points(event(clicks), SHAPE, spacing=(0.5, 3.0)).tolist() == [[10.0, 3.0]]


@pytest.mark.parametrize("empty", [None, {}, {"selection": {}}, event(), {"selection": None}, "nonsense"])
def test_no_selection_is_empty_never_an_error(empty):
    assert selected_points(empty, SHAPE).shape == (0, 2)
    assert selected_boxes(empty, SHAPE) == [] and selected_lassos(empty, SHAPE) == []


def test_malformed_entries_are_skipped():
    clicks = [{"x": None, "y": 1}, {"y": 1}, {"x": "a", "y": 1}, {"x": float("nan"), "y": 1}, {"x": 1, "y": 2}]
    assert selected_points(event(clicks), SHAPE).tolist() == [[2.0, 1.0]]
    boxes = [{"x": [1]}, {"x": [1, 2], "y": None}, {"x": [1, 5], "y": [2, 6]}]
    assert selected_boxes(event(box=boxes), SHAPE) == [((2, 6), (1, 5))]


def test_boxes_hold_the_pixels_whose_centres_they_cover():
    boxes = [{"xref": "x", "yref": "y", "x": [10.5, 2.5], "y": [3.0, 6.2]},
             {"x": [100, 200], "y": [1, 2]},  # wholly outside: dropped
             {"x": [-5, 3.2], "y": [15.5, 99]}]  # partly outside: clipped
    found = selected_boxes(event(box=boxes), SHAPE)
    assert found == [((3, 6), (3, 10)), ((16, 19), (0, 3))]
    mask = box_mask(SHAPE, found[0])
    assert mask.sum() == 4 * 8 and mask[3, 3] and mask[6, 10] and not mask[2, 3] and not mask[3, 11]


def test_lassos_become_polygon_masks():
    square = {"x": [2, 8, 8, 2], "y": [1, 1, 5, 5]}
    broken = [{"x": [1, 2], "y": [1, 2]}, {"x": [1, 2, 3], "y": [1, 2]}, {"x": "abc", "y": [1]}, {"y": [1, 2, 3]}]
    polygons = selected_lassos(event(lasso=[square, *broken]), SHAPE)
    assert len(polygons) == 1 and polygons[0].tolist() == [[1, 2], [1, 8], [5, 8], [5, 2]]
    mask = lasso_mask(SHAPE, polygons[0])
    assert mask.shape == SHAPE and mask.sum() == 5 * 7 and mask[3, 5] and not mask[0, 5]


def test_click_grid_covers_the_image_within_its_budget():
    rows, cols = click_grid((256, 256), max_points=4096)
    assert len(rows) == len(cols) <= 4096 and rows.max() >= 250 and cols.max() >= 250
    rows, cols = click_grid((10, 12))
    assert len(rows) == 120  # a small image: every pixel
