"""core.data.labelled: class counts, balance, splits that keep every class, and any picture as one network input."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import labelled
from core.basics import to_grey


def test_counts_and_imbalance():
    counts = labelled.class_counts(np.array([0, 0, 0, 1, 2, 2]), 4)
    assert counts.tolist() == [3, 1, 2, 0]
    assert labelled.imbalance(np.array([95, 5])) == pytest.approx(19.0)
    assert labelled.imbalance(np.array([5, 5])) == pytest.approx(1.0)


def test_a_generation_plan_numbers_each_class_from_zero_in_a_seeded_shuffled_order():
    plan = labelled.generation_plan(10, 0.3, 32, seed=4)
    assert sorted(plan) == [(0, k) for k in range(7)] + [(1, k) for k in range(3)]
    assert plan == labelled.generation_plan(10, 0.3, 32, seed=4)
    assert plan != sorted(plan)  # shuffled
    for args, message in [((1, 0.5, 32), "at least 2 images"), ((5, 1.5, 32), "the lesion fraction"),
                          ((5, 0.5, 8), "16 pixels")]:
        with pytest.raises(ValueError, match=message):
            labelled.generation_plan(*args, seed=0, positive="lesion")


def test_a_stratified_split_holds_out_the_share_of_each_class_and_keeps_one_of_each_to_train():
    labels = np.array([0] * 10 + [1] * 5)
    train, held = labelled.stratified_split(labels, 0.2, seed=0)
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(15))
    assert np.bincount(labels[held]).tolist() == [2, 1]
    train, held = labelled.stratified_split(np.array([0, 0, 1, 1]), 0.9, seed=0)
    assert set(np.array([0, 0, 1, 1])[train]) == {0, 1}  # every class keeps a training image


def test_a_colour_picture_for_a_grey_network_is_the_course_s_one_grey():
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50
    grey = labelled.to_model_input(rgb, 8, 1)
    assert grey.shape == (8, 8, 1) and grey.dtype == np.float32
    expected = to_grey(rgb / 255.0)  # BT.709 weights: 0.2125, 0.7154, 0.0721
    assert grey[..., 0] == pytest.approx(expected, abs=1e-6)
    assert float(grey[0, 0, 0]) == pytest.approx((0.2125 * 200 + 0.7154 * 100 + 0.0721 * 50) / 255, abs=1e-6)
    assert float(grey[0, 0, 0]) != pytest.approx((200 + 100 + 50) / 3 / 255, abs=1e-3)  # not a channel mean


def test_grey_pictures_are_windowed_repeated_for_colour_networks_and_nan_only_is_refused():
    ramp = np.tile(np.arange(16, dtype=np.float64), (16, 1))
    unit = labelled.to_model_input(ramp, 16, 3)
    assert unit.shape == (16, 16, 3) and np.array_equal(unit[..., 0], unit[..., 2])
    assert unit.min() == 0.0 and unit.max() == 1.0
    with pytest.raises(ValueError, match="no finite value"):
        labelled.to_model_input(np.full((4, 4), np.nan), 8, 1)


def test_a_monochrome1_picture_is_inverted_for_the_network_as_it_is_shown():
    ramp = np.tile(np.arange(16, dtype=np.float64), (16, 1))
    shown = labelled.to_model_input(ramp, 16, 1, invert=True)
    assert shown == pytest.approx(1 - labelled.to_model_input(ramp, 16, 1), abs=1e-6)
    assert shown[0, 0, 0] == 1.0 and shown[0, -1, 0] == 0.0  # the lowest value white
    rgb = np.zeros((8, 8, 3), np.uint8)
    assert np.array_equal(labelled.to_model_input(rgb, 8, 3, invert=True), labelled.to_model_input(rgb, 8, 3))


def test_resize_masks_is_gone():
    assert not hasattr(labelled, "resize_masks")
