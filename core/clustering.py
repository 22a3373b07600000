"""Unsupervised tissue classes: cluster the intensities of an image, then score the clusters against tissue maps.

k-means (or a Gaussian mixture) is given only the voxel values, never a
label: it groups values that are alike. On a T1 brain MRI the groups come out
as cerebrospinal fluid (dark), grey matter and white matter (bright). The
tissue maps are used afterwards, only to *score* the result with the Dice
coefficient.

Uses scikit-learn (``sklearn.cluster.KMeans``,
``sklearn.mixture.GaussianMixture``), imported inside the functions.

>>> import numpy as np
>>> image = np.array([[0.0, 10, 11, 50], [52, 12, 0, 49]])
>>> cluster_intensities(image, 2).labels.tolist()
[[0, 1, 1, 2], [2, 1, 0, 2]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = {"kmeans": "k-means", "gmm": "Gaussian mixture"}
"""Clustering methods of `cluster_intensities`."""


@dataclass
class Clusters:
    """Clusters of intensities.

    Attributes
    ----------
    labels : numpy.ndarray of int
        Same shape as the image: 0 outside the mask, then 1 to k from the
        darkest cluster to the brightest.
    means : list of float
        Mean intensity of clusters 1 to k.
    counts : list of int
        Number of pixels in clusters 1 to k.
    """

    labels: np.ndarray
    means: list[float]
    counts: list[int]


def foreground(image: np.ndarray) -> np.ndarray:
    """The pixels above the image's minimum: the background of a skull-stripped MRI or a phantom is left out.

    Examples
    --------
    >>> foreground(np.array([0, 3, 0, 5])).tolist()
    [False, True, False, True]
    """
    values = np.asarray(image)
    return np.isfinite(values) & (values > np.nanmin(values))


def cluster_intensities(image: np.ndarray, k: int, method: str = "kmeans", mask: np.ndarray | None = None,
                        seed: int = 0, max_samples: int = 200_000) -> Clusters:
    """Group the pixel values of `image` into `k` clusters.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values, any number of dimensions.
    k : int
        Number of clusters (2 or more).
    method : str
        ``"kmeans"`` (``KMeans(k, n_init=3, random_state=seed)``) or
        ``"gmm"`` (``GaussianMixture(k, random_state=seed)``).
    mask : numpy.ndarray of bool, optional
        The pixels to cluster; `foreground` when None.
    seed : int
        Seed of the initialisation and of the subsample.
    max_samples : int
        The model is fitted on at most this many masked values (a seeded
        random subset), then every masked pixel is assigned.

    Returns
    -------
    Clusters

    Raises
    ------
    ValueError
        When there are fewer distinct values than clusters, or an unknown method.
    """
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {tuple(METHODS)}")
    values = np.asarray(image, dtype=np.float64)
    mask = foreground(values) if mask is None else np.asarray(mask, bool) & np.isfinite(values)
    x = values[mask].reshape(-1, 1)
    if k < 2 or np.unique(x[: 100_000]).size < k:
        raise ValueError(f"{k} clusters need at least {k} different values in the image")
    fit = x
    if x.shape[0] > max_samples:
        fit = x[np.random.default_rng(seed).choice(x.shape[0], max_samples, replace=False)]
    model = KMeans(k, n_init=3, random_state=seed) if method == "kmeans" else GaussianMixture(k, random_state=seed)
    model.fit(fit)
    raw = model.predict(x)
    centres = np.array([x[raw == i].mean() if np.any(raw == i) else np.inf for i in range(k)])
    rank = np.empty(k, dtype=int)
    rank[np.argsort(centres)] = np.arange(1, k + 1)
    labels = np.zeros(values.shape, dtype=np.int32)
    labels[mask] = rank[raw]
    counts = [int((labels == i).sum()) for i in range(1, k + 1)]
    means = [float(values[labels == i].mean()) if counts[i - 1] else float("nan") for i in range(1, k + 1)]
    return Clusters(labels, means, counts)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice overlap of two masks: ``2 |A ∩ B| / (|A| + |B|)`` (1 = identical, 0 = disjoint).

    Examples
    --------
    >>> dice(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 0], bool))
    0.6666666666666666
    """
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    total = int(a.sum() + b.sum())
    return 2.0 * int((a & b).sum()) / total if total else 1.0


def score(labels: np.ndarray, maps: dict[str, np.ndarray], threshold: float = 0.5) -> dict:
    """Name each cluster after the tissue holding most of its pixels, then the Dice of each tissue.

    The algorithm never saw the maps: they are used here only to judge it.

    Parameters
    ----------
    labels : numpy.ndarray of int
        0 outside the mask, 1 to k for the clusters (as `Clusters.labels`).
    maps : dict of str to numpy.ndarray
        Tissue probability maps aligned with `labels`, scaled to [0, 1].
    threshold : float
        A pixel belongs to a tissue where its probability is above this.

    Returns
    -------
    dict
        ``names``: the tissue (or ``"other"``) of each cluster 1 to k;
        ``dice``: for each tissue, the Dice of the union of its clusters with
        its map inside the mask.

    Examples
    --------
    >>> labels = np.array([0, 1, 1, 2, 2])
    >>> score(labels, {"WM": np.array([0, 0, 0, 1, 1.0])})
    {'names': ['other', 'WM'], 'dice': {'WM': 1.0}}
    """
    labels = np.asarray(labels)
    inside = labels > 0
    truth = {name: (np.asarray(m, dtype=float) > threshold) & inside for name, m in maps.items()}
    k = int(labels.max(initial=0))
    names = []
    for cluster in range(1, k + 1):
        members = labels == cluster
        overlaps = {name: int((t & members).sum()) for name, t in truth.items()}
        other = int(members.sum()) - int(np.any(np.stack(list(truth.values())) & members, axis=0).sum()) \
            if truth else int(members.sum())
        best = max(overlaps, key=overlaps.get) if overlaps else "other"
        names.append(best if overlaps and overlaps[best] > other else "other")
    result = {name: dice(np.isin(labels, [i + 1 for i, n in enumerate(names) if n == name]), t)
              for name, t in truth.items()}
    return {"names": names, "dice": result}
