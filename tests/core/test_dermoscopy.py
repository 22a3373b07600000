"""The dermoscopy-like generator: reproducible, balanced as asked, and following the ABCD rule."""

import numpy as np
import pytest

from core.data.dermoscopy import CLASS_NAMES, FEATURES, generate


def test_same_seed_same_images_other_seed_other_images():
    a, b, c = generate(12, size=32, seed=3), generate(12, size=32, seed=3), generate(12, size=32, seed=4)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.images, c.images)


def test_a_larger_set_extends_a_smaller_one():
    small, large = generate(6, size=32, seed=1), generate(10, size=32, seed=1)
    for name, image in zip(small.names, small.images):
        assert np.array_equal(image, large.images[large.names.index(name)])


@pytest.mark.parametrize("n, fraction, malignant", [(20, 0.5, 10), (21, 0.5, 10), (50, 0.1, 5), (10, 0.0, 0)])
def test_class_counts_follow_the_balance_control(n, fraction, malignant):
    data = generate(n, malignant_fraction=fraction, size=16, seed=0)
    assert len(data) == n
    assert int(data.labels.sum()) == malignant
    assert data.class_names == CLASS_NAMES == ("benign", "malignant")


def test_images_are_colour_in_unit_range_with_masks_on_the_lesion():
    data = generate(10, size=48, seed=2)
    assert data.images.shape == (10, 48, 48, 3) and data.images.dtype == np.float32
    assert 0 <= data.images.min() and data.images.max() <= 1
    for image, mask in zip(data.images, data.masks):
        assert 0.02 < mask.mean() < 0.8
        assert image[mask].mean() < image[~mask].mean()  # the lesion is darker than the skin


def test_malignant_lesions_score_higher_on_every_abcd_feature_but_the_classes_overlap():
    data = generate(300, size=16, seed=0)
    malignant = data.labels == 1
    for name in FEATURES:
        values = data.features[name]
        assert values[malignant].mean() > values[~malignant].mean(), name
    big = data.features["diameter (mm)"] > 6
    assert 0 < (big & ~malignant).sum() and 0 < (~big & malignant).sum()  # overlap: no feature alone decides
    assert set(np.unique(data.features["colours"][~malignant])) <= {1, 2, 3}
    assert data.features["colours"][malignant].min() >= 2


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        generate(1)
    with pytest.raises(ValueError):
        generate(10, malignant_fraction=1.5)
    with pytest.raises(ValueError):
        generate(10, size=8)
