"""Masks, thresholds, filters, edges and Dice against known answers and against scikit-image directly."""

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import feature, filters

from core import basics
from core import preprocess as pp
from core import samples
from core.data.noise import add_noise

PHANTOM = samples.SAMPLES[10].name


@pytest.fixture(scope="module")
def phantom():
    return samples.load(PHANTOM).data


def bimodal(seed=0):
    """Half the pixels around 50, half around 200 (standard deviation 10)."""
    rng = np.random.default_rng(seed)
    image = np.where(np.arange(64 * 64).reshape(64, 64) < 2048, 50.0, 200.0)
    return image + rng.normal(0, 10, image.shape)


def test_otsu_of_a_bimodal_image_lands_between_the_modes_and_matches_skimage():
    image = bimodal()
    t = pp.threshold_value(image, "otsu")
    assert 80 < t < 170
    assert t == pytest.approx(filters.threshold_otsu(image))
    assert pp.binarize(image, t).mean() == pytest.approx(0.5, abs=0.001)


@pytest.mark.parametrize("method, function", [("li", filters.threshold_li), ("yen", filters.threshold_yen),
                                              ("triangle", filters.threshold_triangle),
                                              ("mean", filters.threshold_mean)])
def test_other_methods_are_scikit_image_s(method, function):
    image = bimodal(1)
    assert pp.threshold_value(image, method) == pytest.approx(function(image))


def test_manual_threshold_is_127_on_8_bit_and_a_fraction_of_the_range_otherwise():
    assert pp.threshold_value(np.array([0, 255], np.uint8), "manual") == 127.0
    ct = np.array([-1000, 3000], np.int16)
    assert pp.threshold_value(ct, "manual") == pytest.approx(-1000 + 127 / 255 * 4000)  # 992.2 HU
    assert pp.manual_threshold(127, (0, 4095)) == pytest.approx(2039.4, abs=0.1)  # 12-bit
    assert pp.threshold_scale(np.array([3, 4095], np.uint16)) == (3.0, 4095.0)
    assert pp.threshold_scale(np.zeros((2, 2), np.uint8)) == (0.0, 255.0)


def test_constant_image_gives_its_value_and_an_empty_foreground_for_every_method():
    image = np.full((8, 8), 42.0)
    assert pp.is_constant(image)
    for method in pp.THRESHOLD_METHODS:
        if method == "manual":
            continue
        t = pp.threshold_value(image, method)
        assert t == 42.0
        assert not pp.binarize(image, t).any()
    rows = pp.compare_thresholds(image, (42.0, 42.0), {"all": np.ones((8, 8), bool)})
    assert [r["foreground %"] for r in rows] == [0.0] * len(pp.THRESHOLD_METHODS)


def test_threshold_ignores_nan_and_rejects_all_nan_and_unknown_methods():
    image = np.array([[0.0, np.nan], [100.0, 100.0]])
    assert 0 < pp.threshold_value(image, "otsu") < 100
    assert not pp.binarize(image, 50)[0, 1]
    with pytest.raises(ValueError):
        pp.threshold_value(np.full((2, 2), np.nan), "otsu")
    with pytest.raises(ValueError):
        pp.threshold_value(image, "magic")


def test_dice_of_known_masks():
    a = np.zeros((10, 10), bool)
    a[:5] = True  # 50 pixels
    b = np.zeros((10, 10), bool)
    b[:, :5] = True  # 50 pixels, 25 shared
    assert pp.dice(a, b) == 0.5
    assert pp.dice(a, a) == 1.0
    assert pp.dice(a, ~a) == 0.0
    assert pp.dice(np.zeros(3, bool), np.zeros(3, bool)) == 1.0
    with pytest.raises(ValueError):
        pp.dice(a, a[:5])


def test_masks_count_the_right_pixels_and_apply_mask_fills_with_the_minimum():
    assert int(pp.circle_mask((101, 101), (50, 50), 10).sum()) == 317  # lattice points in a disc of radius 10
    assert int(pp.rectangle_mask((10, 10), 2, 3, 6, 8).sum()) == 4 * 5
    image = np.arange(16.0).reshape(4, 4) - 5
    masked = pp.apply_mask(image, pp.rectangle_mask((4, 4), 1, 1, 3, 3))
    assert masked[0, 0] == -5 and masked[1, 1] == image[1, 1]
    assert (masked == -5).sum() == 12 + (image == -5).sum() * 0


def test_computed_brain_mask_is_the_largest_region_with_holes_filled():
    image = np.zeros((50, 50))
    image[10:40, 10:40] = 100
    image[20:30, 20:30] = 0  # a hole
    image[2:4, 45:48] = 100  # a small separate blob
    mask = pp.computed_brain_mask(image)
    assert mask.sum() == 30 * 30
    assert not mask[3, 46]
    assert not pp.computed_brain_mask(np.ones((4, 4))).any()


def test_gaussian_and_median_are_scikit_image_s_and_keep_shape_and_units():
    image = bimodal(2)
    smooth = pp.gaussian(image, 2.0)
    assert smooth.shape == image.shape and smooth.dtype == np.float64
    assert np.allclose(smooth, filters.gaussian(image, sigma=2.0, preserve_range=True))
    assert smooth.std() < image.std()
    assert np.array_equal(pp.gaussian(image, 0), image)
    middle = pp.median(image, 5)
    assert middle.dtype == np.float64 and np.allclose(middle, ndi.median_filter(image, size=5, mode="nearest"))
    ct = np.full((5, 5), -1000.0)
    assert np.allclose(pp.gaussian(ct, 1.5), -1000.0)  # units kept, not rescaled to 0-1


def test_median_removes_salt_and_pepper(phantom):
    clean = phantom.astype(float)
    noisy = add_noise(clean, "salt and pepper", 0.05, seed=0)
    wrong_before = np.mean(noisy != clean)
    wrong_after = np.mean(pp.median(noisy, 3) != clean)
    assert wrong_before > 0.03  # 5 % hit; a hit on a pixel already at the extreme changes nothing
    assert wrong_after < 0.01  # only pixels near edges, where the median itself differs
    assert np.mean(pp.median(clean, 3) != clean) == pytest.approx(wrong_after, abs=0.005)


def test_sobel_kernel_values_and_that_scikit_image_convolves_with_them():
    horizontal, vertical = pp.EDGE_KERNELS["sobel"]
    assert horizontal.integers.tolist() == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    assert vertical.integers.tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    assert horizontal.divisor == 4
    image = bimodal(3)
    assert np.allclose(ndi.convolve(image, horizontal.weights), filters.sobel_h(image))
    assert np.allclose(ndi.convolve(image, vertical.weights), filters.sobel_v(image))
    for method in ("roberts", "prewitt", "scharr", "sobel"):
        g1, g2 = (ndi.convolve(image, k.weights) for k in pp.EDGE_KERNELS[method])
        assert np.allclose(pp.edges(image, method), np.sqrt((g1**2 + g2**2) / 2)), method
        assert all(k.integers.sum() == 0 for k in pp.EDGE_KERNELS[method])  # flat areas give 0


def test_edges_find_a_step_and_canny_gives_thin_lines():
    image = np.zeros((20, 20))
    image[:, 10:] = 4.0
    strength = pp.edges(image, "sobel")
    assert strength[5].tolist()[8:12] == pytest.approx([0, 4 / np.sqrt(2), 4 / np.sqrt(2), 0])
    lines = pp.edges(image * 250, "canny", 1.0)
    assert lines.dtype == bool and lines.shape == image.shape
    assert np.array_equal(lines, feature.canny(image / 4.0, sigma=1.0))
    assert set(np.nonzero(lines[5:15].any(axis=0))[0]) <= {9, 10}  # one pixel wide, at the step
    with pytest.raises(ValueError):
        pp.edges(image, "laplace")


def test_filtering_first_raises_dice_on_the_noisy_phantom(phantom):
    """The lecture's claim, with a stated margin: Gaussian noise of 20 % of the range, sigma 1."""
    clean = phantom.astype(float)
    skull = pp.sample_truths("phantom.png", phantom)["skull (value 255)"]
    assert pp.dice(clean > pp.threshold_value(clean, "otsu"), skull) == 1.0  # Otsu finds the skull when clean
    noisy = add_noise(clean, "gaussian", pp.noise_strength("gaussian", 20, (0, 255)), seed=0)
    result = pp.otsu_with_and_without_smoothing(noisy, skull, 1.0)
    assert result.dice_noisy < 0.3  # the noise drags Otsu's threshold into the head
    assert result.dice_filtered > 0.95
    assert result.dice_filtered - result.dice_noisy > 0.6
    assert result.threshold_noisy == pytest.approx(filters.threshold_otsu(noisy))


def test_sigma_sweep_shows_the_trade_off_on_the_synthetic_shapes():
    clean, truth = pp.synthetic_shapes(256)
    noisy = add_noise(clean, "gaussian", pp.noise_strength("gaussian", 40, (0, 255)), seed=0)
    sweep = pp.sigma_sweep(noisy, truth, (0, 2, 3, 8))
    dices = [d for _, _, d in sweep]
    assert dices[0] < 0.5  # noise alone: speckled
    assert max(dices) == dices[2] > 0.97  # some smoothing
    assert dices[3] < dices[2] - 0.02  # too much erases the thin bar and the dot
    assert sweep[0][1] == pytest.approx(filters.threshold_otsu(noisy))


def test_synthetic_shapes_are_two_valued_with_their_truth():
    image, truth = pp.synthetic_shapes(200)
    assert image.dtype == np.uint8 and image.shape == truth.shape == (200, 200)
    assert set(np.unique(image[truth])) == {160} and set(np.unique(image[~truth])) == {60}


def test_sample_truths_of_the_phantom_and_the_mni_maps(phantom):
    truths = pp.sample_truths("phantom.png", phantom)
    assert int(truths["skull (value 255)"].sum()) == 6990 and int(truths["head (value > 0)"].sum()) == 67153
    gm = samples.load(samples.SAMPLES[3].name).data
    assert list(pp.sample_truths(samples.MNI_GM, gm)) == ["grey matter > 50 %"]
    assert pp.sample_truths("retina.jpg", np.zeros((2, 2))) == {}


def test_mni_template_truths_are_aligned_with_the_template_and_its_dicom_series():
    t1 = samples.load(samples.SAMPLES[2].name).data
    truths = pp.sample_truths(samples.MNI_T1, t1)
    brain = truths["brain (grey + white matter > 50 %)"]
    assert brain.shape == t1.shape
    k = t1.shape[0] // 2
    # the template is skull-stripped: Otsu of a middle slice is almost exactly the brain
    assert pp.dice(t1[k] > pp.threshold_value(t1[k], "otsu"), brain[k]) > 0.98
    series = pp.sample_truths("", t1[::2])
    assert np.array_equal(series["white matter > 50 %"], truths["white matter > 50 %"][::2])


def test_noise_strength_maps_percent_of_the_range():
    assert pp.noise_strength("gaussian", 10, (-1000, 3000)) == 400
    assert pp.noise_strength("salt and pepper", 5, (0, 255)) == 0.05
    photons = pp.noise_strength("poisson", 10, (0, 100))
    noisy = add_noise(np.full((200, 200), 100.0), "poisson", photons, seed=0)
    assert noisy.std() == pytest.approx(10, rel=0.05)  # 10 % of the range at the top of the range
    assert pp.NoiseSettings("none", 30).apply(np.ones(3), (0, 1)).tolist() == [1, 1, 1]


def test_grey_slice_fill_and_histogram():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 1] = 255
    grey, bad = pp.grey_slice(rgb, rgb=True)
    assert grey[0, 0] == pytest.approx(0.7154 * 255) and bad == 0  # scikit-image's rgb2gray, on the 0-255 scale
    assert np.array_equal(pp.grey_slice(rgb, rgb=True)[0], basics.to_grey(rgb))  # the course's one grey conversion
    assert pp.grey_slice(np.arange(16.0).reshape(4, 4), rgb=False, step=2)[0].tolist() == [[0.0, 2.0], [8.0, 10.0]]
    assert pp.threshold_scale(np.zeros((2, 2, 3), np.uint8)) == (0.0, 255.0)  # an 8-bit colour photo: v = 127 is 127
    filled, count = pp.fill_non_finite(np.array([[np.nan, 2.0], [np.inf, 5.0]]))
    assert count == 2 and filled.tolist() == [[2.0, 2.0], [2.0, 5.0]]
    counts, edges = pp.histogram(np.array([1.0, 1.0, 3.0, np.nan]), 2)
    assert counts.tolist() == [2, 1] and edges.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("image", [np.zeros((1, 1)), np.full((3, 3), 7.0), np.array([[0.0, 1.0]])])
def test_degenerate_images_keep_their_shape_through_every_function(image):
    for result in (pp.gaussian(image, 1), pp.median(image, 3), pp.apply_mask(image, image > 0),
                   pp.computed_brain_mask(image), *(pp.edges(image, m) for m in pp.EDGE_METHODS)):
        assert result.shape == image.shape
    for method in pp.THRESHOLD_METHODS:
        assert np.isfinite(pp.threshold_value(image, method))


def test_a_region_s_histogram_shares_the_whole_image_s_bins():
    image = np.array([[0.0, 1.0, 2.0, 3.0]] * 2)
    region = np.zeros_like(image, dtype=bool)
    region[:, 2:] = True
    whole, inside, edges = pp.region_histograms(image, region, bins=3)
    assert whole.tolist() == [2, 2, 4] and inside.tolist() == [0, 0, 4] and edges.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert inside.sum() == region.sum() and whole.sum() == image.size


def test_rmse_and_dice_by_truth():
    assert pp.rmse(np.array([0.0, 4.0]), np.array([0.0, 0.0])) == pytest.approx(np.sqrt(8))
    assert pp.rmse(np.ones(3), np.ones(3)) == 0.0
    foreground = np.array([True, True, False, False])
    scores = pp.dice_by_truth(foreground, {"half": np.array([True, False, False, False]), "same": foreground})
    assert scores == {"half": pytest.approx(2 / 3), "same": 1.0}
