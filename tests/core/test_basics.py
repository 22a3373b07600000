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


def test_the_same_colour_image_gives_the_same_grey_image_in_every_lesson():
    """Lessons 1, 4, 5 and 6 turn the learner's colour image into grey the same way (rgb2gray)."""
    from core.data.labelled import to_model_input
    from core.data.warps import working_image
    from core.preprocess import grey_slice
    from core.volume import Volume

    photo = data.astronaut()[100:164, 200:264]  # 64 × 64 colour: no lesson shrinks it
    expected = color.rgb2gray(photo) * 255  # in the photo's own 0-255 units
    lesson_1 = to_grey(photo)
    lesson_4, _ = grey_slice(photo, rgb=True)
    lesson_5, _, _ = working_image(Volume(photo, (1.0, 1.0), rgb=True))
    lesson_6 = to_model_input(photo, 64, 1)[..., 0]  # the network's input: the grey image scaled to [0, 1]
    for grey in (lesson_1, lesson_4, lesson_5):
        assert np.allclose(grey, expected)
    assert np.allclose(lesson_6, expected / 255, atol=1e-6)
