"""Heatmaps put to the test: model randomisation, occlusion, HiResCAM, deletion curves, shuffled labels."""

import numpy as np
import pytest

from core import cnn, explain
from core.data import lesions


SPEC = cnn.ModelSpec(input_size=32, channels=1, conv_blocks=2, filters=8, head="global max", dropout=0.0)


@pytest.fixture(scope="module")
def trained(keras, brain_set):
    data, train, held = brain_set
    model = cnn.build_model(SPEC)
    cnn.train(model, data.images[train], data.labels[train], data.images[held], data.labels[held],
              epochs=10, batch_size=32, learning_rate=5e-3, seed=0)
    return model


@pytest.fixture(scope="module")
def lesion_images(brain_set, trained):
    data, _, held = brain_set
    with_lesion = held[data.labels[held] == 1]
    confident = explain.class_probability(trained, data.images[with_lesion], 1) > 0.6
    chosen = with_lesion[confident]
    assert chosen.size >= 10  # the model found most lesions
    return data.images[chosen], data.masks[chosen]


def test_rank_correlation_and_ssim_of_known_maps():
    ramp = np.tile(np.linspace(0, 1, 16), (16, 1))
    assert explain.spearman(ramp, ramp ** 3) == pytest.approx(1.0)
    assert explain.spearman(ramp, 1 - ramp) == pytest.approx(-1.0)
    assert explain.spearman(ramp, np.zeros_like(ramp)) == 0.0
    assert explain.ssim(ramp, ramp) == pytest.approx(1.0)
    assert explain.ssim(ramp, explain.random_map(ramp.shape)) < 0.2


def test_hirescam_differs_from_grad_cam_and_both_are_unit_maps(trained, lesion_images):
    images, _ = lesion_images
    grad = cnn.grad_cams(trained, images[:4], 1)[0]
    hires = cnn.grad_cams(trained, images[:4], 1, method="hirescam")[0]
    assert hires.shape == grad.shape == (4, 32, 32)
    assert hires.max() == pytest.approx(1.0) and hires.min() >= 0
    assert not np.allclose(grad, hires)
    with pytest.raises(ValueError, match="method"):
        cnn.grad_cams(trained, images[:1], 1, method="nonsense")


def test_randomising_the_weights_changes_grad_cam_but_not_an_edge_map(trained, lesion_images):
    image = lesion_images[0][0]
    steps = explain.cascading_randomisation(trained, image, lambda m, x: cnn.grad_cam(m, x, 1), seed=0)
    assert steps[0].layer == "original" and steps[0].spearman == 1.0
    assert [s.layer for s in steps[1:]] == explain.weight_layers(trained)
    assert steps[-1].spearman < 0.5  # every layer random: little of the original order left
    assert min(s.spearman for s in steps[1:]) < 0.5
    edges = explain.cascading_randomisation(trained, image, lambda m, x: explain.edge_map(x), seed=0)
    assert all(s.spearman == pytest.approx(1.0) and s.ssim == pytest.approx(1.0) for s in edges)
    # the trained model itself is untouched
    np.testing.assert_allclose(cnn.grad_cam(trained, image, 1), steps[0].heatmap, atol=1e-6)


def test_occlusion_sensitivity_finds_the_lesion(trained, lesion_images):
    images, masks = lesion_images
    maps = np.array([explain.occlusion_map(trained, image, 1, patch=6, stride=2) for image in images])
    assert maps.shape == masks.shape and maps.max() <= 1 and maps.min() >= 0
    assert cnn.pointing_game(maps, masks, tolerance=1).mean() >= 0.7
    random = np.array([explain.random_map(m.shape, k) for k, m in enumerate(masks)])
    assert cnn.pointing_game(random, masks, tolerance=1).mean() < 0.4


def test_deletion_curve_of_the_true_map_falls_faster_than_a_random_map(trained, lesion_images):
    images, masks = lesion_images
    true_areas, random_areas = [], []
    for k, (image, mask) in enumerate(zip(images[:8], masks[:8])):
        fractions, probabilities, area = explain.deletion_curve(trained, image, mask.astype(float), 1, steps=10)
        assert fractions[0] == 0 and fractions[-1] == 1 and probabilities.shape == (11,)
        assert probabilities[0] == pytest.approx(explain.class_probability(trained, image[None], 1)[0], abs=1e-5)
        true_areas.append(area)
        random_areas.append(explain.deletion_curve(trained, image, explain.random_map(mask.shape, k), 1, steps=10)[2])
    assert np.mean(true_areas) < 0.6 * np.mean(random_areas)


def test_deletion_area_by_hand():
    class Constant:  # stands for a model: predict_proba calls model.predict
        def predict(self, x, batch_size=None, verbose=0):
            kept = (x[..., 0] != 0.5).mean(axis=(1, 2))  # deleted pixels are set to the mean, 0.5
            return np.stack([1 - kept, kept], axis=1)

    image = np.zeros((4, 4, 1), np.float32)
    image[:2] = 1.0  # mean 0.5
    fractions, probabilities, area = explain.deletion_curve(Constant(), image, np.zeros((4, 4)), 1, steps=4)
    np.testing.assert_allclose(probabilities, 1 - fractions)
    assert area == pytest.approx(0.5)


def test_pointing_scores_of_every_method(trained, lesion_images):
    images, masks = lesion_images
    calls = []
    hits = explain.pointing_scores(trained, images[:5], masks[:5], 1, patch=6, on_step=lambda d, t: calls.append((d, t)))
    assert set(hits) == set(explain.METHODS)
    assert all(h.shape == (5,) for h in hits.values())
    assert calls[-1] == (len(explain.METHODS) - 1 + 5,) * 2


def test_shuffled_labels_keep_the_counts_and_the_model_learns_nothing_useful(keras, brain_set):
    data, train, held = brain_set
    shuffled = explain.shuffled_labels(data.labels, 0)
    assert np.bincount(shuffled).tolist() == np.bincount(data.labels).tolist()
    assert (shuffled != data.labels).mean() > 0.3
    epochs = []
    model, history = explain.train_on_shuffled_labels(SPEC, data.images[train], data.labels[train],
                                                      data.images[held], data.labels[held], epochs=2,
                                                      on_epoch=lambda e, h: epochs.append(e))
    assert epochs == [1, 2] and history.epochs == 2
    assert history.val_accuracy[-1] < 0.75
