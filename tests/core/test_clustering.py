"""Intensity clustering finds tissue classes; Dice against the MNI grey and white matter maps."""

import numpy as np
import pytest

from core import samples
from core.clustering import cluster_intensities, dice, foreground, score


def test_clusters_are_numbered_from_dark_to_bright_and_the_background_is_left_out():
    image = np.array([[0.0, 10, 11, 50], [52, 12, 0, 49]])
    clusters = cluster_intensities(image, 2)
    assert clusters.labels.tolist() == [[0, 1, 1, 2], [2, 1, 0, 2]]
    assert clusters.means == pytest.approx([11.0, 50.333333])
    assert clusters.counts == [3, 3]
    gmm = cluster_intensities(image, 2, method="gmm")
    assert gmm.labels.tolist() == clusters.labels.tolist()


def test_dice_and_scoring_by_majority():
    assert dice(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 0], bool)) == pytest.approx(2 / 3)
    assert dice(np.zeros(3, bool), np.zeros(3, bool)) == 1.0
    labels = np.array([0, 1, 1, 2, 2, 3, 3])
    maps = {"GM": np.array([0, 0, 0, 1, 1, 0, 0.0]), "WM": np.array([0, 0, 0, 0, 0, 1, 0.9])}
    result = score(labels, maps)
    assert result["names"] == ["other", "GM", "WM"]
    assert result["dice"] == {"GM": 1.0, "WM": 1.0}


def test_bad_input():
    with pytest.raises(ValueError, match="different values"):
        cluster_intensities(np.ones((8, 8)), 3)
    with pytest.raises(ValueError, match="method"):
        cluster_intensities(np.arange(16.0), 2, method="dbscan")
    assert not foreground(np.zeros((3, 3))).any()


@pytest.fixture(scope="module")
def mni_at_2mm():
    """The T1 template and its tissue maps, every second voxel (voxel-for-voxel aligned)."""
    t1, gm, wm = (samples.load(samples.SAMPLES[i].name).data[::2, ::2, ::2] for i in (2, 3, 4))
    return t1, gm / 255.0, wm / 255.0


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_three_intensity_clusters_of_the_mni_template_match_grey_and_white_matter(mni_at_2mm, method):
    """Threshold 0.80 for both tissues.

    Dice 0.7 is the usual bar for "good agreement" between two segmentations;
    a T1 template is an average of 152 brains, so its tissues are cleaner
    than one subject's and k-means reaches about 0.91 (grey) and 0.93
    (white) here. 0.80 leaves room for library changes yet fails at once
    when a cluster is mislabelled or the mask is wrong (Dice then falls
    below 0.5).
    """
    t1, gm, wm = mni_at_2mm
    clusters = cluster_intensities(t1, 3, method=method)
    result = score(clusters.labels, {"grey matter": gm, "white matter": wm})
    assert result["names"] == ["other", "grey matter", "white matter"]  # CSF, GM, WM from dark to bright
    assert result["dice"]["grey matter"] > 0.80
    assert result["dice"]["white matter"] > 0.80


def test_four_clusters_split_a_tissue_and_the_union_still_matches(mni_at_2mm):
    t1, gm, wm = mni_at_2mm
    result = score(cluster_intensities(t1, 4).labels, {"grey matter": gm, "white matter": wm})
    assert result["names"].count("grey matter") + result["names"].count("white matter") >= 3
    assert min(result["dice"].values()) > 0.80
