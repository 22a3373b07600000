"""core.pixels against known values: the X, quantisation, bytes, channels, windows, regions and SNR."""

import doctest

import numpy as np
import pytest

from core import basics, pixels
from core.data.noise import add_noise, snr, snr_db


def test_docstring_examples():
    assert doctest.testmod(pixels).failed == 0


def test_x_matrix_has_ones_on_both_diagonals_only():
    x = pixels.x_matrix()
    assert x.shape == (6, 6)
    rows, cols = np.nonzero(x)
    assert set(zip(rows.tolist(), cols.tolist())) == {(i, i) for i in range(6)} | {(i, 5 - i) for i in range(6)}
    assert x.sum() == 12 and set(np.unique(x)) == {0, 1}


@pytest.mark.parametrize("bits", range(1, 17))
def test_quantising_a_ramp_gives_exactly_2_to_the_n_levels(bits):
    ramp = np.arange(2**16, dtype=np.uint16)  # 65,536 different values: enough for every level up to 16 bits
    levels = pixels.quantise(ramp, bits)
    assert np.array_equal(np.unique(levels), np.arange(2**bits))
    assert levels.dtype == (np.uint8 if bits <= 8 else np.uint16)
    assert np.all(np.diff(levels.astype(np.int64)) >= 0)  # brighter never gets a lower level
    counts = pixels.level_counts(levels, bits)
    assert np.all(counts == 2**16 // 2**bits)  # equal steps: every level gets the same share of a ramp
    assert np.count_nonzero(counts) == pixels.level_count(bits) == 2**bits


@pytest.mark.parametrize("bits", [1, 2, 3, 5, 8, 12, 16])
def test_quantising_never_gives_more_than_2_to_the_n_levels(bits):
    rng = np.random.default_rng(bits)
    for image in (rng.normal(40, 300, (64, 64)), rng.integers(-1024, 3071, (50, 70)), np.linspace(-1, 1, 10_001)):
        levels = pixels.quantise(image, bits)
        assert levels.min() >= 0 and levels.max() <= 2**bits - 1
        assert len(np.unique(levels)) <= min(2**bits, len(np.unique(image)))
        assert levels.flat[np.argmin(image)] == 0 and levels.flat[np.argmax(image)] == 2**bits - 1


def test_quantising_8_bit_data_to_8_bits_keeps_every_value():
    values = np.arange(256, dtype=np.uint8)
    assert np.array_equal(pixels.quantise(values, 8), values)
    assert pixels.quantise(values, 1).tolist() == [0] * 128 + [1] * 128  # 1 bit: black and white, split at mid-range


def test_quantising_constant_and_non_finite_images():
    assert not pixels.quantise(np.full((3, 3), 7.0), 4).any()
    levels = pixels.quantise(np.array([0.0, np.nan, 10.0, np.inf]), 1)
    assert levels.tolist() == [0, 0, 1, 0]


def test_levels_present_counts_the_levels_an_image_uses():
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert [pixels.levels_present(ramp, n) for n in (1, 3, 8)] == [2, 8, 256]
    two_values = np.array([[0, 0], [255, 255]], np.uint8)
    assert pixels.levels_present(two_values, 8) == 2  # re-quantising cannot create values
    assert pixels.levels_present(np.full((4, 4), 7.0), 3) == 1
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0, 0], rgb[1, 1, 2] = 255, 128  # three values over the channels: 0, 128, 255
    assert pixels.levels_present(rgb, 2) == 3


def test_level_step_values_and_screen_greys():
    assert pixels.level_step(np.array([-896, 1167]), 8) == pytest.approx(2063 / 256)
    assert pixels.level_values(np.array([0, 3]), np.array([0.0, 8.0]), 2).tolist() == [1.0, 7.0]
    assert pixels.levels_to_uint8(np.array([0, 1]), 1).tolist() == [0, 255]
    assert pixels.levels_to_uint8(np.array([0, 4095]), 12).tolist() == [0, 255]


def test_bits_and_bytes():
    assert [pixels.level_count(n) for n in (1, 2, 8, 12, 16)] == [2, 4, 256, 4096, 65536]
    with pytest.raises(ValueError):
        pixels.level_count(0)
    assert pixels.bits_needed(-1024, 3071) == 12
    assert pixels.bits_needed(-1024, 3072) == 13
    assert pixels.bits_needed(0, 1) == 1 and pixels.bits_needed(5, 5) == 1
    assert [pixels.bytes_per_sample(n) for n in (1, 8, 9, 16, 17, 32)] == [1, 1, 2, 2, 4, 4]
    assert pixels.image_bytes(512 * 512, 16) == (2, 524_288, 524_288.0)
    assert pixels.image_bytes(100, 1) == (1, 100, 12.5)
    assert pixels.image_bytes(10, 8, channels=3) == (3, 30, 30.0)


def test_patch_near_finds_the_patch_with_the_closest_mean():
    image = np.random.default_rng(0).random((20, 20)) * 100
    top, left = pixels.patch_near(image, 40.0, 6)
    means = {(i, j): image[i:i + 6, j:j + 6].mean() for i in range(15) for j in range(15)}
    assert (top, left) == min(means, key=lambda k: abs(means[k] - 40.0))
    assert pixels.patch_near(np.ones((3, 4)), 1.0, 6) == (0, 0)


def test_ct_sample_needs_12_bits():
    from core import samples

    ct = samples.load(samples.SAMPLES[0].name)
    lo, hi = basics.value_range(ct.data)
    assert (lo, hi) == (-896.0, 1167.0)
    assert pixels.bits_needed(lo, hi) == 12


def test_level_histogram_groups_levels_without_losing_counts():
    levels = pixels.quantise(np.arange(2**16), 12)
    counts = pixels.level_counts(levels, 12)
    starts, grouped, per_bin = pixels.level_histogram(counts)
    assert per_bin == 16 and len(grouped) == 256 and starts[:3].tolist() == [0, 16, 32]
    assert grouped.sum() == 2**16 and np.all(grouped == 256)
    starts, grouped, per_bin = pixels.level_histogram(pixels.level_counts(np.array([0, 0, 3]), 2))
    assert per_bin == 1 and grouped.tolist() == [2, 0, 0, 1]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_split_and_merge_round_trip(dtype):
    rgb = (np.random.default_rng(0).random((7, 5, 3)) * 200).astype(dtype)
    red, green, blue = pixels.split_channels(rgb)
    assert np.array_equal(red, rgb[..., 0]) and np.array_equal(blue, rgb[..., 2])
    merged = pixels.merge_channels(red, green, blue)
    assert merged.dtype == rgb.dtype and np.array_equal(merged, rgb)
    no_green = pixels.merge_channels(red, green, blue, keep=(True, False, True))
    assert not no_green[..., 1].any() and np.array_equal(no_green[..., [0, 2]], rgb[..., [0, 2]])
    with pytest.raises(ValueError):
        pixels.split_channels(rgb[..., 0])


def test_magenta_x_is_the_x_in_red_and_blue():
    rgb = pixels.magenta_x()
    x = pixels.x_matrix() * 255
    assert rgb.dtype == np.uint8
    assert np.array_equal(rgb[..., 0], x) and np.array_equal(rgb[..., 2], x) and not rgb[..., 1].any()
    assert rgb[0, 0].tolist() == [255, 0, 255] and rgb[0, 1].tolist() == [0, 0, 0]
    stats = pixels.channel_stats(rgb)
    assert stats[1] == {"min": 0.0, "mean": 0.0, "max": 0.0}
    assert stats[0]["mean"] == pytest.approx(255 * 12 / 36)


def test_zoom_window_stays_inside_the_image():
    image = np.arange(30 * 40).reshape(30, 40)
    window, origin = pixels.zoom_window(image, 5, 7)
    assert origin == (5, 7) and np.array_equal(window, image[5:17, 7:19])
    window, origin = pixels.zoom_window(image, 100, -3)
    assert origin == (18, 0) and window.shape == (12, 12)
    small, origin = pixels.zoom_window(np.ones((5, 3)), 2, 2)
    assert origin == (0, 0) and small.shape == (5, 3)
    colour, _ = pixels.zoom_window(np.zeros((20, 20, 3)), 0, 0)
    assert colour.shape == (12, 12, 3)


def test_voxel_block_is_the_neighbouring_slices_of_the_window():
    volume = np.arange(10 * 20 * 20).reshape(10, 20, 20)
    block, origin = pixels.voxel_block(volume, 4, 3, 5, size=6)
    assert origin == (3, 3, 5) and np.array_equal(block, volume[3:6, 3:9, 5:11])
    block, origin = pixels.voxel_block(volume, 9, 30, 30, size=6)
    assert origin == (7, 14, 14) and block.shape == (3, 6, 6)
    block, origin = pixels.voxel_block(volume[:1], 0, 0, 0, size=6)
    assert block.shape == (1, 6, 6)


def test_cell_labels():
    assert pixels.cell_labels(np.array([[1.0, -896.0], [0.5, 30393.0]])).tolist() == [["1", "-896"], ["0.5", "30393"]]
    assert pixels.cell_labels(np.array([True, False])).tolist() == ["1", "0"]


def test_regions_and_their_statistics():
    mask = pixels.region_mask((5, 6), (1, 2), (3, 5))
    assert mask.sum() == 6 and mask[1:3, 3:6].all()
    image = np.arange(30.0).reshape(5, 6)
    stats = pixels.region_stats(image, mask)
    values = image[1:3, 3:6]
    assert stats == {"mean": values.mean(), "std": values.std(), "pixels": 6}
    assert pixels.region_stats(image, np.zeros((5, 6), bool))["pixels"] == 0
    (sr, sc), (br, bc) = pixels.default_regions((100, 200))
    assert (sr, sc, br, bc) == ((40, 59), (80, 119), (0, 9), (0, 19))
    (sr, sc), (br, bc) = pixels.default_regions((4, 4))
    assert pixels.region_mask((4, 4), sr, sc).any() and pixels.region_mask((4, 4), br, bc).any()


def test_snr_matches_a_hand_computation_on_a_synthetic_image():
    # background 0 and a square of 100, then Gaussian noise of standard deviation 5
    image = np.zeros((128, 128))
    image[40:90, 40:90] = 100.0
    noisy = add_noise(image, "gaussian", 5.0, seed=3)
    signal = pixels.region_mask(image.shape, (50, 79), (50, 79))
    background = pixels.region_mask(image.shape, (0, 29), (0, 29))
    by_hand = noisy[50:80, 50:80].mean() / noisy[0:30, 0:30].std()
    assert snr(noisy, signal, background) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(100 / 5, rel=0.06)  # known mean over known noise
    assert snr_db(by_hand) == pytest.approx(20 * np.log10(by_hand))
    assert snr(image, signal, background) == float("inf")  # no noise at all


def test_poisson_strength_gives_the_chosen_photons_at_the_brightest_pixel():
    image = np.array([0.0, 500.0])
    strength = pixels.poisson_strength(1000, image)
    assert strength == 2.0
    bright = np.full((200, 200), 500.0)
    bright[0, 0] = 0.0
    counts = (add_noise(bright, "poisson", strength, seed=0) - 0.0) * strength
    assert counts[1:].mean() == pytest.approx(1000, rel=0.01)
    assert pixels.poisson_strength(100, np.array([38.0, 129.0])) == pytest.approx(100 / 129)  # counted from 0


def test_display_helpers():
    assert pixels.display_scale((128, 128)) == 3.0 and pixels.display_scale((1411, 1411)) == 0.25
    rgb = pixels.to_display_rgb(np.array([[0.0, 1.0]]), width=1.0, level=0.5)
    assert rgb.shape == (1, 2, 3) and rgb[0, 1].tolist() == [255, 255, 255]
    big = pixels.rescale_for_display(rgb, 3.0)
    assert big.shape == (3, 6, 3) and np.array_equal(big[:, 3:], np.full((3, 3, 3), 255))
    assert pixels.rescale_for_display(np.zeros((100, 100, 3)), 0.25).shape == (25, 25, 3)
    base = np.zeros((10, 10, 3), np.uint8)
    drawn = pixels.draw_outline(base, (2, 4), (3, 6), (255, 0, 0), scale=1.0, thickness=1)
    assert not base.any()  # the input is left alone
    assert drawn[2, 3:7, 0].tolist() == [255] * 4 and drawn[3, 4, 0] == 0 and drawn[4, 6, 0] == 255
    scaled = pixels.draw_outline(np.zeros((20, 20, 3), np.uint8), (0, 0), (0, 0), (9, 9, 9), scale=2.0, thickness=1)
    assert scaled[:2, :2, 0].tolist() == [[9, 9], [9, 9]] and scaled[2:, 2:].sum() == 0
    marked = pixels.draw_crosshair(np.zeros((40, 40, 3), np.uint8), (10, 12), (20, 22), (7, 7, 7), gap=3)
    assert marked[11, :17, 0].all() and not marked[11, 17:26, 0].any() and marked[11, 26:, 0].all()
    assert marked[:7, 21, 0].all() and not marked[7:16, 21, 0].any() and marked[16:, 21, 0].all()


def test_stored_range_facts_of_the_ct_sample():
    from core import samples

    hu = samples.load(samples.SAMPLES[0].name).data
    facts = pixels.stored_range_facts(hu, 40.0)
    assert (facts["low"], facts["high"], facts["bits"]) == (-896.0, 1167.0, 12)
    assert facts["step8"] == pytest.approx((1167 + 896) / 256) and facts["distinct"] == pixels.distinct_values(hu)
    assert facts["error8"] <= facts["step8"] / 2 + 1e-9  # each value moves to its level's middle
    top, left = facts["top"], facts["left"]
    assert np.array_equal(facts["patch"], hu[top:top + 6, left:left + 6]) and abs(facts["patch"].mean() - 40) < 20
    assert facts["patch8"].shape == (6, 6) and pixels.distinct_values(facts["patch8"]) < pixels.distinct_values(facts["patch"])


def test_text_helpers_and_computed_questions():
    assert pixels.ratio_text(float("nan")) == "undefined" and pixels.db_text(0.0) == "undefined"
    assert pixels.db_text(25.0) == f"{snr_db(25.0):.1f} dB"
    question = pixels.levels_question(np.array([[0, 1], [2, 255]], np.uint8), 8, "slice")
    assert question.answer == 2 and "this slice" in question.prompt.lower()  # 3 bits: levels 0 and 7
    assert pixels.levels_question(np.array([0, 1]), 1).answer == 2  # a 1-bit image: asked at 1 bit
    assert pixels.bytes_question(10, 20, True).answer == 10 * 20 * 3 * 2
    assert pixels.channel_mix((True, True, True)).startswith("red + blue light = **magenta**")
    table = pixels.region_table({"a": np.array([[4.0, 0.0], [2.0, 0.0]])}, np.array([[1, 0], [1, 0]], bool),
                                np.array([[0, 1], [0, 1]], bool))
    assert table == {"signal mean": [3.0], "background mean": [0.0], "background std": [0.0]}
    notes = pixels.bit_depth_notes(np.arange(4097.0), 12, "HU")  # 0 to 4096: 4096 / 2**12 = 1 HU a level
    assert "**1 HU**" in notes and "above 8 bits" in notes and "Only" not in notes
