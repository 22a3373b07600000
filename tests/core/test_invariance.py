"""core.invariance: the lecture's claims checked on networks of known weights, and hand-counted receptive fields."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from core import invariance, layers
from core.invariance import (Layer, convolution_at, field_size, invariance_curves, layer_outputs, model_geometry,
                             receptive_field, relative_change, shift_image)

BLUR = np.ones((3, 3)) / 9.0
SHIFTS = [1, 2, 3, 5, 8]


def test_doctests():
    assert doctest.testmod(invariance).failed == 0


def blobs(size: int = 64) -> np.ndarray:
    """A dark field with three bright discs, well away from the border."""
    image = np.zeros((size, size))
    rr, cc = np.ogrid[:size, :size]
    for r, c, radius in ((16, 20, 4), (40, 30, 6), (22, 44, 3)):
        image[(rr - r) ** 2 + (cc - c) ** 2 <= radius ** 2] = 1.0
    return image


def network(pooling: bool, blocks: int = 3):
    """Blocks of a 3 × 3 blur ('same' size) and ReLU, each with or without 2 × 2 max pooling, then global max pooling.

    Returns ``outputs(batch)`` as `invariance_curves` wants it: ``conv<k>`` (after ReLU), ``pool<k>`` (with pooling)
    and ``global``.
    """
    def one(image: np.ndarray) -> dict[str, np.ndarray]:
        x, out = image, {}
        for block in range(1, blocks + 1):
            x = layers.relu(layers.convolve(np.pad(x, 1, mode="edge"), BLUR))
            out[f"conv{block}"] = x
            if pooling:
                x = layers.max_pool(x, 2)
                out[f"pool{block}"] = x
        out["global"] = np.array([x.max()])
        return out

    def outputs(batch: np.ndarray) -> dict[str, np.ndarray]:
        values = [one(image) for image in batch]
        return {name: np.stack([v[name] for v in values]) for name in values[0]}
    return outputs


def test_a_shift_moves_whole_pixels_and_repeats_the_edge():
    image = np.arange(12).reshape(3, 4)
    assert shift_image(image, 1).tolist() == [[0, 0, 1, 2], [4, 4, 5, 6], [8, 8, 9, 10]]
    assert shift_image(image, -1, rows=1).tolist() == [[1, 2, 3, 3], [1, 2, 3, 3], [5, 6, 7, 7]]
    same = shift_image(image, 0)
    assert same is not image and np.array_equal(same, image)
    colour = np.dstack([image, 10 * image])
    assert shift_image(colour, 2)[..., 1].tolist() == (10 * shift_image(image, 2)).tolist()
    assert shift_image(image, 9).tolist() == [[0] * 4, [4] * 4, [8] * 4]  # beyond the image: the edge everywhere


def test_relative_change_is_zero_for_the_same_output_and_free_of_scale():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert relative_change(a, a) == 0.0
    assert relative_change(a, 2 * a) == pytest.approx(1.0)
    assert relative_change(10 * a, 20 * a) == pytest.approx(1.0)
    assert relative_change(a, np.zeros_like(a)) == pytest.approx(1.0)
    assert relative_change(np.zeros(3), np.zeros(3)) == 0.0 and relative_change(np.zeros(3), np.ones(3)) == np.inf


def test_after_global_pooling_a_shift_changes_nothing():
    plain = invariance_curves(network(pooling=False), blobs()[None], SHIFTS)
    assert plain["global"].tolist() == [0.0] * len(SHIFTS)  # convolutions move with the image, the maximum stays
    assert all(plain["conv1"] > 0.1)  # while the maps themselves do change
    pooled = invariance_curves(network(pooling=True), blobs()[None], [1, 8, 16])
    assert pooled["global"][1:].tolist() == [0.0, 0.0]  # a whole step of the deepest pooling: only the maps move
    assert pooled["global"][0] > 0.0  # a pixel: the pooling windows cut the image elsewhere


def test_with_pooling_the_deeper_the_layer_the_less_a_small_shift_changes_it():
    curves = invariance_curves(network(pooling=True), np.stack([blobs(), blobs()[::-1]]), [0, *SHIFTS])
    assert list(curves) == ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "global"]
    assert all(curve[0] == 0.0 for curve in curves.values())  # no shift, no change
    for i, shift in enumerate(SHIFTS, start=1):
        pooled = [curves[f"pool{block}"][i] for block in (1, 2, 3)]
        assert pooled == sorted(pooled, reverse=True), (shift, pooled)  # monotone in depth
        for block in (1, 2, 3):  # each pooling changes less than the convolution below it
            assert curves[f"pool{block}"][i] < curves[f"conv{block}"][i], (shift, block)
    for block in (1, 2, 3):  # and a layer changes more the further the image moves, up to 5 pixels
        assert np.all(np.diff(curves[f"pool{block}"][:5]) > 0), block


def test_without_pooling_depth_buys_much_less_invariance():
    pooled = invariance_curves(network(pooling=True), blobs()[None], SHIFTS)
    plain = invariance_curves(network(pooling=False), blobs()[None], SHIFTS)
    assert np.all(plain["conv3"] > 1.5 * pooled["pool3"])
    assert np.all(plain["conv3"] > 0.8 * plain["conv1"])  # three blurs smooth a little, no more


def _course_layers(blocks: int, kernel: int = 3) -> list[Layer]:
    """The course network's geometry written by hand: [convolution, ReLU, 2 × 2 pooling] × blocks."""
    out = []
    for block in range(1, blocks + 1):
        out += [Layer(f"conv{block}", kernel, 1, (kernel - 1) // 2), Layer(f"relu{block}"), Layer(f"pool{block}", 2, 2)]
    return out


@pytest.mark.parametrize("blocks, name, cell, box", [
    (1, "conv1", (10, 10), (9, 11, 9, 11)),      # a 3 × 3 window around the cell
    (1, "pool1", (5, 5), (9, 12, 9, 12)),        # pooling rows 10-11, each seeing one more on either side
    (2, "pool2", (3, 3), (9, 18, 9, 18)),        # 10 × 10
    (3, "pool3", (2, 2), (9, 30, 9, 30)),        # 22 × 22
    (3, "pool3", (0, 0), (0, 14, 0, 14)),        # at the corner, clipped to the image
    (3, "relu2", (20, 31), (37, 44, 59, 63)),      # 8 × 8 but at the right border, clipped to 5
])
def test_receptive_fields_are_the_hand_counted_ones(blocks, name, cell, box):
    assert receptive_field(_course_layers(blocks), name, *cell, (64, 64)) == box


def test_receptive_fields_grow_with_depth():
    geometry = _course_layers(3)
    assert [field_size(geometry, f"{kind}{b}") for b in (1, 2, 3) for kind in ("conv", "pool")] == \
        [3, 4, 8, 10, 18, 22]
    assert field_size(_course_layers(1, kernel=5), "pool1") == 6
    with pytest.raises(ValueError, match="no layer"):
        receptive_field(geometry, "conv9", 0, 0, (8, 8))
    assert receptive_field([Layer("one")], "one", 2, 3, (8, 8)) == (2, 2, 3, 3)


# ---------------------------------------------------------------- the course's Keras network

@pytest.fixture(scope="module")
def model():
    from core.cnn import ModelSpec, build_model

    return build_model(ModelSpec(input_size=32, channels=1, n_classes=2, conv_blocks=2, filters=4,
                                 head="global max", dense_units=8, dropout=0.2), seed=3)


def test_the_geometry_read_from_a_keras_model_is_the_course_s(model):
    from core.cnn import ModelSpec, build_model

    geometry = model_geometry(model)
    assert [layer for layer in geometry if layer.name.startswith(("conv", "relu", "pool"))] == _course_layers(2)
    assert receptive_field(geometry, "pool2", 3, 3, (32, 32)) == (9, 18, 9, 18)
    wide = build_model(ModelSpec(input_size=32, channels=1, n_classes=2, conv_blocks=1, kernel_size=5))
    assert receptive_field(model_geometry(wide), "pool1", 5, 5, (32, 32)) == (8, 13, 8, 13)


def test_layer_outputs_with_pooling_are_the_network_s(model):
    from core import cnn

    image = np.random.default_rng(0).random((32, 32, 1)).astype(np.float32)
    out = layer_outputs(model, image[None], ["output", "relu1", "pool2"])
    assert list(out) == ["output", "relu1", "pool2"]
    np.testing.assert_allclose(out["output"], cnn.predict_proba(model, image[None]), atol=1e-6)
    np.testing.assert_allclose(out["relu1"][0], cnn.feature_maps(model, image, "conv1")["ReLU"], atol=1e-6)
    assert out["pool2"].shape == (1, 8, 8, 8)


def test_without_pooling_the_same_kernels_work_on_full_size_maps_and_follow_a_shift(model):
    image = np.zeros((32, 32, 1), np.float32)
    image[10:16, 8:13] = 1.0
    moved = shift_image(image, 5)
    out = layer_outputs(model, np.stack([image, moved]), ["relu1", "relu2"], pooling=False)
    assert out["relu2"].shape == (2, 32, 32, 8)
    # equivariance: the maps move with the image (away from the border, which the shift repeats)
    np.testing.assert_allclose(out["relu2"][1][:, 5 + 4:28], out["relu2"][0][:, 4:28 - 5], atol=1e-5)
    pooled = layer_outputs(model, image[None], ["relu1"])
    np.testing.assert_allclose(out["relu1"][:1], pooled["relu1"], atol=1e-6)  # the first block is the same
    with pytest.raises(ValueError, match="pooling layer"):
        layer_outputs(model, image[None], ["pool1"], pooling=False)
    with pytest.raises(ValueError, match="no trained input"):
        layer_outputs(model, image[None], ["output"], pooling=False)
    with pytest.raises(ValueError, match="no layer"):
        layer_outputs(model, image[None], ["conv7"])


def test_a_model_that_is_not_a_chain_is_refused():
    class Functional:
        layers = []

    with pytest.raises(ValueError, match="chain of layers"):
        layer_outputs(Functional(), np.zeros((1, 4, 4, 1)), ["conv1"])


def test_one_convolution_cell_by_hand_is_the_layer_s(model):
    image = np.random.default_rng(1).random((32, 32, 1)).astype(np.float32)
    out = layer_outputs(model, image[None], ["pool1", "conv2"])
    kernel, bias = model.get_layer("conv2").get_weights()
    for row, col in ((0, 0), (7, 12), (15, 15)):  # a corner (zero padding), the middle, the far corner
        patch, value = convolution_at(out["pool1"][0], kernel[..., 5], float(bias[5]), row, col, 1)
        assert patch.shape == (3, 3, 4)
        assert value == pytest.approx(float(out["conv2"][0, row, col, 5]), abs=1e-5)


def test_the_cost_without_pooling_counts_every_weight_at_full_size(model):
    from core.invariance import unpooled_cost

    macs, widest = unpooled_cost(model)
    assert macs == 32 * 32 * (3 * 3 * 1 * 4 + 3 * 3 * 4 * 8)  # conv1: 1 -> 4 maps, conv2: 4 -> 8, on 32 × 32
    assert widest == 32 * 32 * 8 * 4


def test_the_self_check_on_receptive_fields_answers_what_the_network_s_geometry_gives(model):
    from core.text.course_text import load_lesson

    [question] = [q for q in load_lesson("supervised").questions if "second block's pooled map" in q.prompt]
    assert question.choices[question.answer] == str(field_size(model_geometry(model), "pool2")) == "10"
