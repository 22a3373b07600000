"""Noise models of medical images, seeded so every view is reproducible, and the signal-to-noise ratio.

>>> import numpy as np
>>> noisy = add_noise(np.full((64, 64), 100.0), "gaussian", 10.0, seed=0)
>>> round(float(noisy.std()))
10
"""

from __future__ import annotations

import numpy as np

NOISE_KINDS = ("gaussian", "salt and pepper", "poisson", "rician")
"""The noise models `add_noise` knows."""


def add_noise(image: np.ndarray, kind: str, strength: float, seed: int = 0) -> np.ndarray:
    """Return a noisy float copy of a grey image.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values in any units.
    kind : str
        One of `NOISE_KINDS`:
        ``"gaussian"``: adds N(0, strength²), the thermal noise of electronics;
        ``"salt and pepper"``: sets a fraction `strength` (0-1) of the pixels
        to the image's minimum or maximum, like dead or stuck detector pixels;
        ``"poisson"``: photon counting, as in X-ray and CT, where `strength`
        is the number of photons per unit of value (fewer photons, more noise);
        ``"rician"``: the magnitude of a complex signal with Gaussian noise of
        standard deviation `strength` on both channels, the noise of MRI
        magnitude images (biased upwards in dark regions).
    strength : float
        The amount of noise, as described for each kind; 0 returns a copy.
    seed : int
        Seed of the random generator: the same seed gives the same noise.

    Returns
    -------
    numpy.ndarray of float64
        Same shape as `image`.

    Raises
    ------
    ValueError
        For an unknown kind or a negative strength.
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise {kind!r}; choose one of {NOISE_KINDS}")
    if strength < 0:
        raise ValueError("noise strength must be zero or positive")
    values = np.asarray(image, dtype=np.float64)
    if strength == 0 or values.size == 0 or not np.isfinite(values).any():
        return values.copy()
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return values + rng.normal(0.0, strength, values.shape)
    if kind == "salt and pepper":
        noisy = values.copy()
        hit = rng.random(values.shape) < min(strength, 1.0)
        salt = rng.random(values.shape) < 0.5
        noisy[hit & salt] = np.nanmax(values)
        noisy[hit & ~salt] = np.nanmin(values)
        return noisy
    if kind == "poisson":
        low = min(float(np.nanmin(values)), 0.0)  # counts start at 0, or at the most negative value (HU)
        counts = rng.poisson((values - low) * strength)
        return counts / strength + low
    real = values + rng.normal(0.0, strength, values.shape)
    imaginary = rng.normal(0.0, strength, values.shape)
    return np.hypot(real, imaginary)


def snr(image: np.ndarray, signal_mask: np.ndarray, background_mask: np.ndarray) -> float:
    """Signal-to-noise ratio: mean of the signal region over the standard deviation of the background.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values.
    signal_mask, background_mask : numpy.ndarray of bool
        The two regions, same shape as `image`.

    Returns
    -------
    float
        ``mean(image[signal]) / std(image[background])``; ``inf`` for a
        noiseless background, ``nan`` when a region is empty.

    Examples
    --------
    >>> image = np.array([[10.0, 10.0], [1.0, 3.0]])
    >>> snr(image, np.array([[1, 1], [0, 0]], bool), np.array([[0, 0], [1, 1]], bool))
    10.0
    """
    signal = np.asarray(image)[np.asarray(signal_mask, bool)]
    background = np.asarray(image)[np.asarray(background_mask, bool)]
    if signal.size == 0 or background.size == 0:
        return float("nan")
    spread = float(background.std())
    return float("inf") if spread == 0 else float(signal.mean()) / spread


def snr_db(ratio: float) -> float:
    """A signal-to-noise ratio in decibels, ``20 log10(ratio)`` (amplitude ratio).

    Examples
    --------
    >>> snr_db(10.0)
    20.0
    """
    return float(20 * np.log10(ratio)) if ratio > 0 else float("-inf")
