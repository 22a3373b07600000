"""Noise models and SNR against known values."""

import numpy as np
import pytest

from core.data.noise import NOISE_KINDS, add_noise, snr, snr_db


def test_gaussian_noise_has_the_requested_standard_deviation():
    noisy = add_noise(np.full((256, 256), 100.0), "gaussian", 5.0, seed=1)
    assert noisy.mean() == pytest.approx(100.0, abs=0.1)
    assert noisy.std() == pytest.approx(5.0, rel=0.02)


def test_same_seed_same_noise_other_seed_other_noise():
    image = np.linspace(0, 1, 100).reshape(10, 10)
    for kind in NOISE_KINDS:
        strength = 0.1 if kind == "salt and pepper" else 3.0
        assert np.array_equal(add_noise(image, kind, strength, 7), add_noise(image, kind, strength, 7))
        assert not np.array_equal(add_noise(image, kind, strength, 7), add_noise(image, kind, strength, 8))


def test_salt_and_pepper_hits_the_requested_fraction_with_extremes():
    image = np.tile(np.arange(100.0), (100, 1))
    noisy = add_noise(image, "salt and pepper", 0.2, seed=0)
    changed = noisy != image
    assert changed.mean() == pytest.approx(0.2 * 0.99, abs=0.02)  # a pixel already at an extreme may stay
    assert set(np.unique(noisy[changed])) <= {0.0, 99.0}


def test_poisson_variance_equals_mean_in_counts():
    counts = add_noise(np.full((200, 200), 50.0), "poisson", 1.0, seed=0)
    assert counts.var() == pytest.approx(50.0, rel=0.05)


def test_rician_noise_biases_a_dark_background_upwards():
    noisy = add_noise(np.zeros((200, 200)), "rician", 10.0, seed=0)
    assert noisy.min() >= 0
    assert noisy.mean() == pytest.approx(10.0 * np.sqrt(np.pi / 2), rel=0.02)  # Rayleigh mean


def test_zero_strength_returns_an_unchanged_copy_and_bad_arguments_raise():
    image = np.arange(4.0)
    assert np.array_equal(add_noise(image, "gaussian", 0), image)
    with pytest.raises(ValueError):
        add_noise(image, "speckle", 1.0)
    with pytest.raises(ValueError):
        add_noise(image, "gaussian", -1.0)


def test_snr_and_decibels():
    image = np.array([[10.0, 10.0], [1.0, 3.0]])
    signal = np.array([[True, True], [False, False]])
    assert snr(image, signal, ~signal) == 10.0
    assert snr_db(10.0) == 20.0
    assert snr(np.ones((2, 2)), signal, ~signal) == float("inf")
    assert np.isnan(snr(image, np.zeros((2, 2), bool), signal))


def test_salt_and_pepper_and_poisson_use_the_image_range_not_zero():
    image = np.linspace(100.0, 200.0, 10000).reshape(100, 100)  # all positive: 0 is not the minimum
    noisy = add_noise(image, "salt and pepper", 0.5, seed=0)
    assert noisy.min() == 100.0 and noisy.max() == 200.0
    negative = -image
    assert add_noise(negative, "salt and pepper", 0.5, seed=0).max() == -100.0


def test_nan_and_empty_images_do_not_break_the_noise():
    with_nan = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert np.nanmax(add_noise(with_nan, "salt and pepper", 1.0, seed=0)) <= 4.0
    assert add_noise(np.zeros((0, 3)), "gaussian", 1.0).shape == (0, 3)
