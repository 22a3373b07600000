"""The "Show the code" snippets of the pixels page run as they are and print core's numbers."""

import re

import numpy as np
import pytest
from snippet_runs import run_here as run

from core import basics, pixels, samples
from core.snippets import pixels as snip
from core.data.noise import NOISE_KINDS, add_noise, snr, snr_db

NUMBER = re.compile(r"-?inf|nan|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")
CT, MR, MNI, HEAD, FMRI, RETINA = (samples.SAMPLES[i].name for i in (0, 1, 2, 6, 7, 8))


def numbers(text: str) -> list[float]:
    return [float(v) for v in NUMBER.findall(text)]


def line(output: str, start: str) -> list[float]:
    """The numbers of the first printed line that starts with `start`."""
    for text in output.splitlines():
        if text.startswith(start):
            return numbers(text[len(start):])
    raise AssertionError(f"no line starting with {start!r} in:\n{output}")


@pytest.fixture(scope="module")
def loaded():
    return {name: samples.load(name) for name in (CT, MR, HEAD, FMRI, RETINA)}


def test_x_snippet_prints_the_matrix_default_and_edited():
    out = run(snip.x_snippet(pixels.x_matrix()))
    assert numbers(out)[:36] == pixels.x_matrix().ravel().tolist()
    assert line(out, "shape") == [6, 6, 0, 1]
    edited = pixels.x_matrix().astype(float)
    edited[2, 3] = 7.5
    out = run(snip.x_snippet(edited))
    assert numbers(out)[:36] == edited.ravel().tolist()
    assert line(out, "shape")[-1] == 7.5


def _window_numbers(out: str, after: str, count: int) -> list[float]:
    text = out.split(after, 1)[1]
    return numbers(text)[:count]


def test_zoom_snippet_on_a_2d_sample(loaded):
    image = loaded[CT].data
    window, (top, left) = pixels.zoom_window(image, 40, 70)
    out = run(snip.zoom_snippet(snip.image_code(CT), top, left, pixels.ZOOM, False))
    assert line(out, "rows") == [40, 51, 70, 81]
    assert _window_numbers(out, "81\n", 144) == window.ravel().astype(float).tolist()


def test_zoom_snippet_on_a_4d_sample_prints_window_block_and_voxel_size(loaded):
    volume = loaded[FMRI]
    frame, k = 1, 10
    data = volume.frame(frame)
    image = data[k]
    window, (top, left) = pixels.zoom_window(image, 50, 60)
    block, (first, b_top, b_left) = pixels.voxel_block(data, k, top + 3, left + 3, pixels.BLOCK)
    code = snip.zoom_snippet(snip.image_code(FMRI, k, frame), top, left, pixels.ZOOM, False,
                             (first, block.shape[0], b_top, b_left, pixels.BLOCK), volume.spacing)
    out = run(code)
    assert _window_numbers(out, "rows", 148)[4:] == window.ravel().astype(float).tolist()
    for j in range(block.shape[0]):
        assert _window_numbers(out, f"slice {first + j}\n", 36) == block[j].ravel().astype(float).tolist()
    assert line(out, "voxel volume (mm^3)") == pytest.approx([np.prod(volume.spacing)])
    assert line(out, "block size (mm)") == pytest.approx((np.array(block.shape) * volume.spacing).tolist())


def test_zoom_snippet_on_a_colour_sample(loaded):
    rgb = loaded[RETINA].data
    window, (top, left) = pixels.zoom_window(rgb, 700, 650)
    out = run(snip.zoom_snippet(snip.image_code(RETINA), top, left, pixels.ZOOM, True))
    for c, name in enumerate(pixels.CHANNELS):
        assert _window_numbers(out, f"{name}\n", 144) == window[..., c].ravel().astype(float).tolist()


def _quantise_facts(image, bits):
    levels = pixels.quantise(image, bits)
    counts = sum(pixels.level_counts(levels[..., c] if levels.ndim == 3 else levels, bits)
                 for c in range(levels.shape[2] if levels.ndim == 3 else 1))
    channels = image.shape[2] if image.ndim == 3 else 1
    per_pixel, per_image, packed = pixels.image_bytes(image.shape[0] * image.shape[1], bits, channels)
    return {"present": int(np.count_nonzero(counts)), "values": pixels.distinct_values(image),
            "step": pixels.level_step(image, bits), "bytes": [per_pixel, per_image], "packed": packed}


@pytest.mark.parametrize("name, bits", [(CT, 1), (CT, 8), (CT, 12), (CT, 16), (HEAD, 5), (RETINA, 3)])
def test_quantise_snippet_prints_core_numbers(loaded, name, bits):
    volume = loaded[name]
    k = 12 if volume.is_3d else None
    image = volume.data[k] if volume.is_3d else volume.data
    facts = _quantise_facts(image, bits)
    out = run(snip.quantise_snippet(snip.image_code(name, k), bits))
    assert line(out, "levels possible") == [2**bits, 0, 2**bits - 1]
    assert line(out, "levels present") == [facts["present"], facts["values"]]
    assert line(out, "one level spans") == pytest.approx([facts["step"]])
    assert line(out, "bytes per pixel") == facts["bytes"]
    assert line(out, "bytes if packed") == [facts["packed"]]


def test_quantise_snippet_on_an_upload_reads_the_downloaded_array(tmp_path, monkeypatch):
    image = np.linspace(-5.0, 5.0, 200).reshape(10, 20)
    image[0, 0] = np.nan
    monkeypatch.chdir(tmp_path)
    np.save(snip.UPLOAD_FILE, image)
    out = run(snip.quantise_snippet(snip.image_code(None), 4))
    assert line(out, "levels present") == [16, 199]


def test_stored_range_snippet_reads_the_radiograph_with_pydicom():
    import pydicom
    from pydicom.data import get_testdata_file

    radiograph = next(s for s in samples.SAMPLES if s.file == "RG1_UNCR.dcm")  # lesson 1's BITS_SAMPLE
    ds = pydicom.dcmread(get_testdata_file(radiograph.file))
    values = ds.pixel_array.astype(np.float64)  # no rescale in this file: the stored values
    assert "RescaleSlope" not in ds and "ModalityLUTSequence" not in ds
    top, left = pixels.patch_near(values, float(np.median(values)), 6)
    code = snip.stored_range_snippet(radiograph.file, "stored units", top, left, 6)
    assert "get_testdata_file(\"RG1_UNCR.dcm\")" in code and "core" not in code
    out = run(code)
    lo, hi = float(values.min()), float(values.max())
    assert line(out, "values from") == [lo, hi, len(np.unique(values))]
    assert line(out, "bits needed") == [pixels.bits_needed(lo, hi)] == [int(np.ceil(np.log2(hi - lo + 1)))]
    assert line(out, "bits stored in the file") == [ds.BitsStored, ds.BitsAllocated // 8]
    assert line(out, "with 8 bits one level spans") == pytest.approx([(hi - lo) / 256])
    eight = pixels.level_values(pixels.quantise(values, 8), values, 8)
    assert line(out, "8-bit copy") == pytest.approx([pixels.distinct_values(eight), np.abs(eight - values).max()])
    assert _window_numbers(out, "patch, original\n", 36) == values[top:top + 6, left:left + 6].ravel().tolist()
    assert _window_numbers(out, "patch, 8 bits\n", 36) == pytest.approx(
        eight[top:top + 6, left:left + 6].round(2).ravel().tolist())


@pytest.mark.parametrize("keep", [(True, True, True), (False, True, True), (True, False, False)])
def test_magenta_snippet_prints_the_three_tables_and_the_recombined_pixels(keep):
    out = run(snip.magenta_snippet(keep))
    rgb = pixels.magenta_x()
    for c, name in enumerate(pixels.CHANNELS):
        assert _window_numbers(out, f"{name}\n", 36) == rgb[..., c].ravel().astype(float).tolist()
    merged = pixels.merge_channels(*pixels.split_channels(rgb), keep=keep)
    assert line(out, "shape") == [6, 6, 3, 0, 0, *merged[0, 0].tolist(), 0, 1, *merged[0, 1].tolist()]


def test_channels_snippet_prints_channel_statistics_and_the_round_trip(loaded):
    rgb = loaded[RETINA].data
    keep = (False, True, True)
    out = run(snip.channels_snippet(snip.image_code(RETINA), keep))
    for name, stats in zip(pixels.CHANNELS, pixels.channel_stats(rgb)):
        assert line(out, name) == pytest.approx([stats["min"], round(stats["mean"], 2), stats["max"]])
    assert "identical: True" in out
    merged = pixels.merge_channels(*pixels.split_channels(rgb), keep=keep)
    assert line(out, "recombined") == pytest.approx([round(float(m), 2) for m in merged.mean(axis=(0, 1))])


@pytest.mark.parametrize("name", [CT, MR])
@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_snr_snippet_reproduces_core_noise_and_snr(loaded, kind, name):
    image = loaded[name].data.astype(np.float64)  # CT has negative values, MR only positive ones
    signal, background = ((30, 59), (30, 59)), ((0, 11), (0, 11))
    strength = {"gaussian": 103.0, "salt and pepper": 0.05, "poisson": pixels.poisson_strength(30, image),
                "rician": 40.0}[kind]
    noisy = add_noise(image, kind, strength, seed=4)
    s_mask = pixels.region_mask(image.shape, *signal)
    b_mask = pixels.region_mask(image.shape, *background)
    out = run(snip.snr_snippet(snip.image_code(name), signal, background, kind, strength, 4))
    for label, img in (("before", image), ("after", noisy)):
        ratio = snr(img, s_mask, b_mask)
        expected = [img[s_mask].mean(), img[b_mask].std(), ratio, snr_db(ratio)]
        assert line(out, label) == pytest.approx(expected, rel=1e-9)


def test_snr_snippet_on_a_colour_channel_and_without_noise(loaded):
    rgb = loaded[RETINA].data
    signal, background = ((600, 700), (600, 700)), ((0, 50), (0, 50))
    out = run(snip.snr_snippet(snip.image_code(RETINA, colour_to="green"), signal, background, "gaussian", 0.0, 0))
    green = rgb[..., 1].astype(np.float64)
    ratio = snr(green, pixels.region_mask(green.shape, *signal), pixels.region_mask(green.shape, *background))
    assert line(out, "before")[2] == pytest.approx(ratio)
    assert line(out, "after")[2] == pytest.approx(ratio)
    out = run(snip.snr_snippet(snip.image_code(RETINA, colour_to="grey"), signal, background, "gaussian", 0.0, 0))
    grey = basics.to_grey(rgb)
    ratio = snr(grey, pixels.region_mask(grey.shape, *signal), pixels.region_mask(grey.shape, *background))
    assert line(out, "before")[2] == pytest.approx(ratio)


@pytest.mark.parametrize("name", samples.names())
def test_image_code_loads_every_sample_with_its_own_library_as_the_page_shows_it(name):
    volume = samples.load(name)
    k = volume.data.shape[-3] // 2 if volume.is_3d else None
    frame = 1 if volume.is_4d else None
    code = snip.image_code(name, k, frame)
    namespace = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    expected = volume.frame(frame or 0)[k] if volume.is_3d else volume.data
    assert namespace["image"].shape == expected.shape and np.array_equal(namespace["image"], expected), name
    library = {"pydicom": "get_testdata_file(", "data_store": "get_testdata_file(", "nilearn": "from nilearn.datasets import load_mni152",
               "nibabel": "from nibabel.testing import data_path", "skimage": "from skimage import data"}
    sample = samples.info(name)
    if sample.package:  # shipped by a library: loaded with it, never through the course's own code
        assert library[sample.package] in code and "core" not in code, code
    else:  # the DICOM series this course writes itself
        assert "from core.samples import load" in code


def test_image_code_of_a_3d_upload_reads_the_volume(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    volume = np.arange(4 * 5 * 6).reshape(4, 5, 6)
    np.save(snip.UPLOAD_FILE, volume)
    namespace = {}
    exec(snip.image_code(None, slice_index=2), namespace)
    assert np.array_equal(namespace["image"], volume[2])
    namespace = {}  # a 4D upload: the page offers the chosen time point's volume
    exec(snip.image_code(None, slice_index=2, frame=1), namespace)
    assert np.array_equal(namespace["image"], volume[2])
