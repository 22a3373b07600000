"""Windowing and orthogonal views against hand-computed values."""

import numpy as np
import pytest

from core import display


def test_window_maps_level_to_mid_grey_and_clips_outside():
    values = np.array([-1000, -160, 40, 240, 3000])
    grey = display.apply_window(values, width=400, level=40)
    assert grey.tolist() == [0, 0, 128, 255, 255]
    assert display.apply_window(values, 400, 40, invert=True).tolist() == [255, 255, 127, 0, 0]


def test_nan_is_black_and_constant_image_still_displays():
    assert display.apply_window(np.array([np.nan, 1.0]), 2, 1).tolist() == [0, 128]
    width, level = display.auto_window(np.full((4, 4), 7.0))
    assert width > 0 and level == 7.0


def test_auto_window_uses_percentiles():
    ramp = np.arange(1001.0)
    assert display.auto_window(ramp) == pytest.approx((980.0, 500.0))


def test_ct_presets_are_width_level_pairs_in_hu():
    assert display.CT_WINDOWS["brain"] == (80.0, 40.0)
    assert display.CT_WINDOWS["lung"] == (1500.0, -600.0)


def test_orthogonal_views_put_superior_and_anterior_on_top():
    data = np.zeros((3, 4, 5))
    data[2, 0, 0] = 1  # most superior slice, most anterior row, patient's right column
    views = display.orthogonal_views(data, (2, 0, 0))
    axial, labels = views["axial"]
    assert labels == ("A", "P", "R", "L") and axial[0, 0] == 1
    coronal, labels = views["coronal"]
    assert labels[:2] == ("S", "I") and coronal[0, 0] == 1
    sagittal, labels = views["sagittal"]
    assert labels == ("S", "I", "A", "P") and sagittal[0, 0] == 1
    neuro, labels = display.orthogonal_views(data, (2, 0, 0), radiological=False)["axial"]
    assert labels[2:] == ("L", "R") and neuro[0, -1] == 1


def test_equal_aspect_repeats_rows_of_thick_slices():
    image = np.arange(6).reshape(2, 3)
    stretched = display.equal_aspect(image, (3.0, 1.0))
    assert stretched.shape == (6, 3) and stretched[:3].tolist() == [[0, 1, 2]] * 3


def test_colour_to_uint8_scales_16_bit_and_floats():
    assert display.colour_to_uint8(np.full((1, 1, 3), 65535, np.uint16)).max() == 255
    assert display.colour_to_uint8(np.full((1, 1, 3), 0.5)).max() == 128
