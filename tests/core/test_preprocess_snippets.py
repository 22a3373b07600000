"""The Preparing page's "Show the code" snippets run as they are and print the numbers the page shows."""

from __future__ import annotations

import re

import numpy as np
import pytest
from snippet_runs import run_here as run

from core import preprocess as pp
from core.snippets import preprocess as snip
from core import samples
from core.data.noise import NOISE_KINDS, add_noise

CT, PHANTOM, T1, GM, SERIES, RETINA, FMRI = (samples.SAMPLES[i].name for i in (0, 10, 2, 3, 5, 8, 7))
NUMBER = r"-?\d+\.?\d*(?:e[-+]?\d+)?"


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(NUMBER, line)]


def page_image(source: snip.Source, noise: pp.NoiseSettings):
    """What the page computes: clean grey slice, scale, noisy image and the truths of the slice."""
    if source.synthetic_size:
        image, truth = pp.synthetic_shapes(source.synthetic_size)
        clean, scale, truths = image.astype(float), (0.0, 255.0), {"the shapes": truth}
    else:
        volume = samples.load(source.sample)
        raw = volume.data[source.index] if source.index else volume.data
        clean = pp.grey_slice(raw, volume.rgb, source.step)[0]
        scale = pp.threshold_scale(volume.data)
        whole = {} if volume.is_4d else pp.sample_truths(samples.info(source.sample).file, volume.data)
        truths = {n: (m[source.index[-1]] if volume.is_3d else m) for n, m in whole.items()}
    return clean, scale, noise.apply(clean, scale), truths


SOURCES = {
    "ct": snip.Source(sample=CT),
    "phantom": snip.Source(sample=PHANTOM),
    "t1": snip.Source(sample=T1, index=(94,)),
    "gm": snip.Source(sample=GM, index=(80,)),
    "series": snip.Source(sample=SERIES, index=(47,)),
    "retina": snip.Source(sample=RETINA, rgb=True, step=2),  # the page reduces images over 1024 pixels
    "fmri": snip.Source(sample=FMRI, index=(1, 12)),
    "synthetic": snip.Source(synthetic_size=128),
}


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_noise_code_draws_the_same_numbers_as_add_noise(kind):
    clean = np.linspace(-50, 200, 400).reshape(20, 20)
    noise = pp.NoiseSettings(kind, 15, seed=4)
    code = "import numpy as np\nclean = np.linspace(-50, 200, 400).reshape(20, 20)\n" + \
           snip.noise_code(noise, (-50.0, 200.0)) + "\nprint(repr(image.tolist()))"
    assert eval(run(code)) == add_noise(clean, kind, noise.strength((-50.0, 200.0)), 4).tolist()


@pytest.mark.parametrize("kind", ("gaussian", "rician"))
def test_noise_snippet_measures_the_noise_the_page_shows(kind):
    source, noise = SOURCES["t1"], pp.NoiseSettings(kind, 20, 5)
    clean, scale, image, _ = page_image(source, noise)
    lines = run(snip.noise_snippet(source, noise, scale)).splitlines()
    assert numbers(lines[0]) == pytest.approx([(image - clean).mean(), (image - clean).std()], rel=1e-3)
    assert numbers(lines[1]) == pytest.approx([image.min(), image.max()], rel=1e-3)


@pytest.mark.parametrize("name", list(SOURCES))
def test_threshold_snippet_prints_every_method_s_threshold_and_dice(name):
    source = SOURCES[name]
    noise = pp.NoiseSettings("gaussian", 20, 1)
    clean, scale, image, truths = page_image(source, noise)
    truth = next(iter(truths), None)
    rows = pp.compare_thresholds(image, scale, {truth: truths[truth]} if truth else {}, 100)
    output = run(snip.threshold_snippet(source, noise, scale, 100, truth))
    lines = output.splitlines()
    assert len(lines) == len(pp.THRESHOLD_METHODS), output
    for row, line in zip(rows, lines):
        assert line.split()[0] == row["method"]
        printed = numbers(line.split(maxsplit=1)[1])
        assert printed[0] == pytest.approx(row["threshold"], rel=1e-5, abs=1e-9), line
        assert printed[1] == pytest.approx(row["foreground %"], abs=0.006), line
        if truth:
            assert printed[2] == pytest.approx(row[f"Dice vs {truth}"], abs=6e-5), line


def test_manual_threshold_of_the_ct_is_a_fraction_of_its_hounsfield_range():
    source, noise = SOURCES["ct"], pp.NoiseSettings()
    clean, scale, image, _ = page_image(source, noise)
    output = run(snip.threshold_snippet(source, noise, scale, 127, None))
    manual = numbers(output.splitlines()[0])[0]
    assert manual == pytest.approx(scale[0] + 127 / 255 * (scale[1] - scale[0]), rel=1e-5)
    assert scale == (-896.0, 1167.0)


MASKS = [("circle", {"row": 60.0, "col": 70.0, "radius": 40.0}), ("rectangle", {"top": 10, "left": 20, "bottom": 90, "right": 100}),
         ("threshold (Otsu)", {}), ("brain (computed)", {})]


@pytest.mark.parametrize("how, params", MASKS, ids=[m[0] for m in MASKS])
def test_mask_snippet_removes_the_pixels_the_page_counts(how, params):
    source, noise = SOURCES["ct"], pp.NoiseSettings("rician", 5, 2)
    clean, scale, image, _ = page_image(source, noise)
    if how == "circle":
        mask = pp.circle_mask(image.shape, (params["row"], params["col"]), params["radius"])
    elif how == "rectangle":
        mask = pp.rectangle_mask(image.shape, **params)
    elif how == "threshold (Otsu)":
        mask = pp.binarize(image, pp.threshold_value(image, "otsu"))
    else:
        mask = pp.computed_brain_mask(image)
    output = run(snip.mask_snippet(source, noise, scale, how, params))
    removed = int((~mask).sum())
    assert numbers(output.splitlines()[0])[:2] == [removed, mask.size]
    page_fill = float(clean.min())  # lessons/preparing.py: removed pixels take the clean image's minimum (air)
    assert numbers(output.splitlines()[1])[1] == pytest.approx(
        pp.apply_mask(image, mask, fill=page_fill)[~mask].min(), rel=1e-5)


def test_mask_snippet_with_the_mni_brain_map():
    source, noise = SOURCES["t1"], pp.NoiseSettings()
    clean, scale, image, truths = page_image(source, noise)
    brain = truths["brain (grey + white matter > 50 %)"]
    output = run(snip.mask_snippet(source, noise, scale, "brain (MNI tissue maps)", {},
                                   "brain (grey + white matter > 50 %)"))
    assert numbers(output.splitlines()[0])[0] == int((~brain).sum())


@pytest.mark.parametrize("name", ["phantom", "retina", "synthetic"])
def test_filter_snippet_prints_the_errors_against_the_clean_image(name):
    source, noise = SOURCES[name], pp.NoiseSettings("salt and pepper", 10, 3)
    clean, scale, image, _ = page_image(source, noise)
    output = run(snip.filter_snippet(source, noise, scale, 1.5, 3))
    for line, filtered in zip(output.splitlines(), (image, pp.gaussian(image, 1.5), pp.median(image, 3))):
        mean, std, rmse = numbers(line)
        assert [mean, std] == pytest.approx([filtered.mean(), filtered.std()], rel=1e-5)
        assert rmse == pytest.approx(np.sqrt(np.mean((filtered - clean) ** 2)), rel=1e-5)
    median_line = output.splitlines()[2]
    assert numbers(median_line)[2] < numbers(output.splitlines()[0])[2]  # the median removes salt and pepper


@pytest.mark.parametrize("method", pp.EDGE_METHODS)
def test_edges_snippet_shows_the_kernels_and_the_page_s_numbers(method):
    source, noise = SOURCES["phantom"], pp.NoiseSettings("gaussian", 5, 0)
    clean, scale, image, _ = page_image(source, noise)
    code = snip.edges_snippet(source, noise, scale, method, 1.5)
    for kernel in pp.EDGE_KERNELS[method]:
        assert str(kernel.integers.tolist()) in code
    output = run(code)
    result = pp.edges(image if method == "canny" else pp.gaussian(image, 1.5), method, 1.5)
    if method == "canny":
        assert numbers(output)[:2] == [int(result.sum()), result.size]
    else:
        assert "same as the two convolutions: True" in output
        assert numbers(output.splitlines()[1]) == pytest.approx([result.mean(), result.max()], rel=1e-5)


@pytest.mark.parametrize("name, truth", [("phantom", "skull (value 255)"), ("t1", "brain (grey + white matter > 50 %)"),
                                         ("series", "white matter > 50 %"), ("gm", "grey matter > 50 %"),
                                         ("synthetic", "the shapes"), ("ct", None)])
def test_lecture_snippet_prints_both_dice_scores_and_the_sweep(name, truth):
    source, noise = SOURCES[name], pp.NoiseSettings("gaussian", 20, 0)
    clean, scale, image, truths = page_image(source, noise)
    mask = truths[truth] if truth else pp.binarize(clean, pp.threshold_value(clean, "otsu"))
    result = pp.otsu_with_and_without_smoothing(image, mask, 2.0)
    sweep = pp.sigma_sweep(image, mask, (0.0, 1.0, 3.0))
    output = run(snip.lecture_snippet(source, noise, scale, 2.0, truth, (0.0, 1.0, 3.0))).splitlines()
    assert numbers(output[0].split(":", 1)[1]) == pytest.approx([result.threshold_noisy, result.dice_noisy], rel=1e-4)
    assert numbers(output[1].split(":", 1)[1]) == pytest.approx([result.threshold_filtered, result.dice_filtered], rel=1e-4)
    for line, (sigma, _, dice) in zip(output[2:], sweep):
        assert numbers(line) == pytest.approx([sigma, dice], abs=6e-5)


def test_an_upload_s_snippet_starts_from_the_downloaded_slice(tmp_path, monkeypatch):
    clean = np.random.default_rng(0).normal(100, 30, (40, 50))
    np.save(tmp_path / "preparing_slice.npy", clean)
    monkeypatch.chdir(tmp_path)
    source, noise = snip.Source(npy_name="preparing_slice.npy"), pp.NoiseSettings("poisson", 10, 0)
    scale = pp.threshold_scale(clean)
    code = snip.threshold_snippet(source, noise, scale, 127, None)
    assert "core" not in code  # nothing from the course: numpy and scikit-image only
    image = noise.apply(clean, scale)
    otsu = numbers(run(code).splitlines()[1])[0]
    assert otsu == pytest.approx(pp.threshold_value(image, "otsu"), rel=1e-6)


@pytest.mark.parametrize("name", samples.names())
def test_a_sample_is_read_with_the_library_that_ships_it_into_the_array_the_lesson_uses(name):
    imports, code = snip.sample_code(name)
    if samples.info(name).package:
        assert "core" not in code and not any("core" in line for line in imports)
    namespace: dict = {}
    exec(compile("import numpy as np\n" + "\n".join(sorted(imports)) + "\n" + code, "<snippet>", "exec"), namespace)
    expected = samples.load(name).data
    assert namespace["data"].shape == expected.shape
    assert np.array_equal(namespace["data"], expected)
