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


def test_a_click_outside_the_image_can_be_dropped_instead_of_clipped():
    clicks = [{"x": 1, "y": 2}, {"x": 3.4, "y": 9.6}, {"x": 3, "y": 30}, {"x": -0.6, "y": 4}, {"x": 19.5, "y": 0}]
    inside = selected_points(event(clicks), (20, 20), drop_outside=True)
    assert inside.tolist() == [[2.0, 1.0], [10.0, 3.0]]  # nearest pixels; column -1 and 20 are outside
    edge = [{"x": -0.4, "y": 19.4}]  # its nearest pixel is the corner: kept, and snapped or clipped onto it
    assert selected_points(event(edge), (20, 20), drop_outside=True).tolist() == [[19.0, 0.0]]
    assert selected_points(event(edge), (20, 20), snap=False, drop_outside=True).tolist() == [[19.0, 0.0]]
    assert selected_points(event([{"x": float("inf"), "y": 2}, {"curve_number": 0}]), (20, 20),
                           drop_outside=True).shape == (0, 2)


def test_points_in_mm_are_divided_by_the_spacing():
    clicks = [{"x": 9.0, "y": 5.0}]
    assert selected_points(event(clicks), SHAPE, spacing=(0.5, 3.0)).tolist() == [[10.0, 3.0]]


@pytest.mark.parametrize("empty", [None, {}, {"selection": {}}, event(), {"selection": None}, "nonsense",
                                   {"selection": [1, 2]}, {"selection": {"points": [3, "a"], "box": [4], "lasso": [5]}},
                                   {"selection": {"points": 7}}])
def test_no_selection_is_empty_never_an_error(empty):
    assert selected_points(empty, SHAPE).shape == (0, 2)
    assert selected_points(empty, SHAPE, drop_outside=True).shape == (0, 2)
    assert selected_boxes(empty, SHAPE) == [] and selected_boxes(empty, SHAPE, nearest=True) == []
    assert selected_lassos(empty) == []


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


def test_a_box_is_read_in_any_direction_and_clipped_to_the_image():
    shape = (100, 80)
    forwards = selected_boxes(event(box=[{"x": [5.0, 20.0], "y": [10.2, 40.7]}]), shape)
    backwards = selected_boxes(event(box=[{"x": [20.0, 5.0], "y": [40.7, 10.2]}]), shape)
    assert forwards == backwards == [((11, 40), (5, 20))]
    assert box_mask(shape, forwards[0]).sum() == 30 * 16
    assert selected_boxes(event(box=[{"x": [-1, 79.4], "y": [-30, 500]}]), shape) == [((0, 99), (0, 79))]
    box = {"x": [9.5, 20.5], "y": [0.5, 3.49]}  # edges between pixel centres
    assert selected_boxes(event(box=[box]), (64, 80)) == [((1, 3), (10, 20))]


def test_a_box_narrower_than_a_pixel_is_dropped_or_takes_the_nearest_pixel():
    thin = [{"x": [1.0, 2.0], "y": [3.2, 3.8]}]  # no pixel centre between rows 3.2 and 3.8
    assert selected_boxes(event(box=thin), (10, 10)) == []
    assert selected_boxes(event(box=thin), (10, 10), nearest=True) == [((4, 4), (1, 2))]
    assert selected_boxes(event(box=[{"x": [4.1, 4.4], "y": [-9, 3]}]), SHAPE, nearest=True) == [((0, 3), (4, 4))]
    border = [{"x": [-0.4, -0.2], "y": [18.6, 19.4]}]  # within the half pixel left of column 0
    assert selected_boxes(event(box=border), SHAPE) == []
    assert selected_boxes(event(box=border), SHAPE, nearest=True) == [((19, 19), (0, 0))]
    outside = [{"x": [-3, -0.6], "y": [1, 2]}, {"x": [3, 4], "y": [19.6, 25]}]  # beyond the pixels' edges
    assert selected_boxes(event(box=outside), SHAPE, nearest=True) == []


def test_several_boxes_keep_their_drawing_order():
    boxes = [{"x": [0, 5], "y": [0, 5]}, {"x": [70.2, 200.0], "y": [60.7, 90.0]}]
    assert selected_boxes(event(box=boxes), (64, 80), nearest=True) == [((0, 5), (0, 5)), ((61, 63), (71, 79))]
    assert selected_boxes(event(box=[{"x": [100, 120], "y": [1, 2]}]), (64, 80), nearest=True) == []
    assert selected_boxes(event(box=[{"x": [float("nan"), 3], "y": [1, 2]}]), (64, 80), nearest=True) == []
    assert selected_boxes(event(box=[{"x": [3], "y": [1, 2]}]), (64, 80), nearest=True) == []


def test_lassos_become_polygon_masks():
    square = {"x": [2, 8, 8, 2], "y": [1, 1, 5, 5]}
    broken = [{"x": [1, 2], "y": [1, 2]}, {"x": [1, 2, 3], "y": [1, 2]}, {"x": "abc", "y": [1]}, {"y": [1, 2, 3]},
              {"x": [1, float("nan"), 3], "y": [1, 2, 3]}]
    polygons = selected_lassos(event(lasso=[square, *broken]))
    assert len(polygons) == 1 and polygons[0].tolist() == [[1, 2], [1, 8], [5, 8], [5, 2]]
    mask = lasso_mask(SHAPE, polygons[0])
    assert mask.shape == SHAPE and mask.sum() == 5 * 7 and mask[3, 5] and not mask[0, 5]
    assert selected_lassos(event(lasso=[square]), spacing=(0.5, 2.0))[0].tolist() == [[2, 1], [2, 4], [10, 4], [10, 1]]


def test_a_lasso_keeps_the_pixels_whose_centres_it_holds():
    square = lasso_mask((20, 20), np.array([[2, 3], [2, 13], [12, 13], [12, 3]]))
    assert int(square.sum()) == 11 * 11 and square[2, 3] and square[12, 13] and not square[13, 13]
    triangle = lasso_mask((20, 20), np.array([[0, 0], [0, 10], [10, 0]]))
    assert triangle[1, 1] and not triangle[9, 9]


def test_a_lasso_s_vertices_beyond_the_image_are_kept_so_its_edges_do_not_move():
    drawn = {"x": [0, 10, 5], "y": [0, 0, 100]}  # a long triangle, its tip far below a 20-row image
    [polygon] = selected_lassos(event(lasso=[drawn]))
    assert polygon.tolist() == [[0, 0], [0, 10], [100, 5]]
    mask = lasso_mask(SHAPE, polygon)
    assert mask[19, 1] and mask[19, 9]  # the triangle is still over 8 columns wide at row 19


def test_click_grid_covers_the_image_within_its_budget():
    rows, cols = click_grid((256, 256), max_points=4096)
    assert len(rows) == len(cols) <= 4096 and rows.max() >= 250 and cols.max() >= 250
    rows, cols = click_grid((10, 12))
    assert len(rows) == 120  # a small image: every pixel
