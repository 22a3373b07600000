"""The brain-lesion set: MNI152 slices, reproducible, balanced as asked, masks where the lesion is."""

import numpy as np
import pytest

from core.data.lesions import CLASS_NAMES, brain_slices, generate, load_template


@pytest.fixture(scope="module")
def template():
    return load_template()


def test_template_is_the_cropped_mni_head_in_unit_range(template):
    t1, brain = template
    assert t1.shape == brain.shape and t1.shape[1] == t1.shape[2]
    assert t1.min() >= 0 and t1.max() == pytest.approx(1.0)
    assert 0.05 < brain.mean() < 0.5
    usable = brain_slices(brain)
    assert 40 < usable.size < t1.shape[0]


def test_same_seed_same_set_and_counts_follow_the_control(template):
    a = generate(12, lesion_fraction=0.25, size=32, seed=5, template=template)
    b = generate(12, lesion_fraction=0.25, size=32, seed=5, template=template)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    assert int(a.labels.sum()) == 3 and a.class_names == CLASS_NAMES
    assert a.images.shape == (12, 32, 32, 1) and 0 <= a.images.min() and a.images.max() <= 1
    assert not np.array_equal(a.images, generate(12, 0.25, 32, seed=6, template=template).images)


def test_lesions_are_inside_the_brain_brighter_and_masked(template):
    data = generate(20, size=64, seed=0, template=template)
    with_lesion = data.labels == 1
    assert not data.masks[~with_lesion].any()
    radii = data.features["lesion radius (px)"][with_lesion]
    assert np.all((radii >= 0.06 * 64) & (radii <= 0.13 * 64))
    assert np.all(data.features["lesion contrast"][with_lesion] > 0.2)
    for image, mask in zip(data.images[with_lesion, ..., 0], data.masks[with_lesion]):
        assert 5 <= mask.sum() < 0.1 * mask.size
        ring = np.zeros_like(mask)
        rows, cols = np.nonzero(mask)
        ring[max(rows.min() - 4, 0):rows.max() + 5, max(cols.min() - 4, 0):cols.max() + 5] = True
        assert image[mask].mean() > image[ring & ~mask].mean()
