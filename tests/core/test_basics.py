"""The course's one grey conversion and one value range."""

from __future__ import annotations

import numpy as np
from skimage import color, data

from core.basics import GREY_WEIGHTS, to_grey, value_range


def test_grey_is_scikit_image_rgb2gray_in_the_image_s_own_units():
    photo = data.astronaut()
    assert np.allclose(to_grey(photo), color.rgb2gray(photo) * 255)
    assert np.allclose(to_grey(photo.astype(np.float64) / 255), color.rgb2gray(photo))


def test_grey_weights_are_rgb2gray_s_and_alpha_is_ignored():
    pure = np.eye(3)[None]  # one red, one green, one blue pixel of value 1
    assert np.allclose(to_grey(pure)[0], GREY_WEIGHTS) and np.isclose(sum(GREY_WEIGHTS), 1.0)
    rgba = np.dstack([np.full((2, 2, 3), 80, np.uint8), np.zeros((2, 2), np.uint8)])
    assert np.allclose(to_grey(rgba), 80.0)


def test_value_range_ignores_non_finite_values_and_an_empty_image():
    assert value_range(np.array([[np.nan, 2.5], [-np.inf, -7.0]])) == (-7.0, 2.5)
    assert value_range(np.array([], np.uint16)) == (0.0, 0.0)
    assert value_range(np.array([[4000, 12]], np.uint16)) == (12.0, 4000.0)
