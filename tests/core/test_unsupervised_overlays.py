"""The views of two aligned images: overlay, difference, checkerboard, blend, label colours, tint, enlarge."""

import numpy as np

from core.overlays import (LABEL_COLOURS, LABEL_NAMES, blend, checkerboard, difference, enlarge, label_colours,
                           overlay, tint)


def test_overlay_is_magenta_for_the_fixed_image_and_green_for_the_moving_one():
    fixed = np.array([[255, 0, 255]], np.uint8)
    moving = np.array([[0, 255, 255]], np.uint8)
    assert overlay(fixed, moving).tolist() == [[[255, 0, 255], [0, 255, 0], [255, 255, 255]]]


def test_difference_is_mid_grey_where_equal():
    assert difference(np.array([[0, 255, 40]], np.uint8), np.array([[255, 0, 40]], np.uint8)).tolist() == \
        [[0, 255, 128]]


def test_checkerboard_alternates_tiles_of_the_requested_size():
    board = checkerboard(np.zeros((8, 8), int), np.ones((8, 8), int), tiles=4)  # tiles of 2 x 2
    assert board[:2, :2].sum() == 0 and board[:2, 2:4].sum() == 4 and board[2:4, :2].sum() == 4
    colour = checkerboard(np.zeros((4, 4, 3), int), np.ones((4, 4, 3), int), tiles=2)
    assert colour.shape == (4, 4, 3) and colour[0, 2].tolist() == [1, 1, 1]


def test_blend_tint_labels_and_enlarge():
    assert blend(np.array([100], np.uint8), np.array([200], np.uint8), 0.0).tolist() == [100]
    assert blend(np.array([100], np.uint8), np.array([200], np.uint8), 1.0).tolist() == [200]
    painted = tint(np.full((2, 2), 100, np.uint8), [(np.array([[1, 0], [0, 0]], bool), (200, 0, 0))], opacity=0.5)
    assert painted[0, 0].tolist() == [150, 50, 50] and painted[1, 1].tolist() == [100, 100, 100]
    colours = label_colours(np.array([0, 1, 2, 11]))
    assert colours[0].tolist() == [0, 0, 0] and colours[3].tolist() == LABEL_COLOURS[1].tolist()
    assert len(LABEL_NAMES) == len(LABEL_COLOURS)
    big = enlarge(np.arange(6).reshape(2, 3), 4)
    assert big.shape == (4, 6) and big[1, 1] == 0 and big[3, 5] == 5
