"""AppTest of the page "How a computer sees an image": every sample, every control, good and bad uploads."""

from __future__ import annotations

import base64
import io
import json

import imageio.v3 as iio
import nibabel as nib
import numpy as np
import pytest

from core import pixels, samples
from core.noise import add_noise, snr, snr_db
from harness import choose_sample, page_test, problems, upload, widget

PAGE = "lessons/pixels.py"
CT, MR, MNI, HEAD, FMRI, RETINA, PHANTOM = (samples.SAMPLES[i].name for i in (0, 1, 2, 6, 7, 8, 10))


@pytest.fixture
def at():
    app = page_test(PAGE)
    app.run()
    assert not problems(app), problems(app)
    return app


def by_label(app, kind: str, label: str):
    found = [w for w in app.get(kind) if getattr(w, "label", None) == label]
    if not found:
        raise KeyError(f"no {kind} labelled {label!r}")
    return found[0]


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def image_captions(app) -> str:
    return " ".join(c for image in app.image for c in image.captions)


def codes(app) -> str:
    return "\n".join(c.value for c in app.code)


def set_and_run(app, kind: str, label: str, value):
    by_label(app, kind, label).set_value(value)
    app.run()
    assert not problems(app), problems(app)
    return app


def test_every_sample_renders_every_section(at):
    for name in samples.names():
        choose_sample(at, name)
        assert not problems(at), (name, problems(at))
        assert not at.error, name
        headers = [h.value for h in at.header]
        assert f"Your image: {name}" in headers
        for section in ("Pixels: an image is a table of numbers", "Zoom in: your image is a table too",
                        "Bit depth: how many levels a pixel can take", "Colour: three tables, one per channel",
                        "Signal and noise"):
            assert section in headers, (name, section)
        shown = metrics(at)
        assert {"Levels possible", "Levels present", "SNR of the original", "Bits needed"} <= set(shown)
        voxels = "Voxels: the same in 3D" in [s.value for s in at.subheader]
        assert voxels == (name in (MNI, HEAD, FMRI) or name.startswith("MRI 3D")), name


def test_x_matrix_can_be_edited_and_reset(at):
    at.session_state["px-x-0"] = {"edited_rows": {0: {"1": 9}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not problems(at)
    assert "X = np.array([[1, 9, 0, 0, 0, 1]," in codes(at)
    by_label(at, "button", "The 6×6 X").click()
    at.run()
    assert "X = np.maximum(eye, np.fliplr(eye))" in codes(at)
    assert at.session_state["px-x-version"] == 1


def test_zoom_window_moves_with_the_sliders_on_a_2d_image(at):
    choose_sample(at, MR)
    set_and_run(at, "slider", "Window's top row", 0)
    set_and_run(at, "slider", "Window's left column", 52)
    assert "top, left, size = 0, 52, 12" in codes(at)
    assert f'load("{MR}").data' in codes(at)


@pytest.mark.parametrize("bits", [1, 2, 12, 16])
def test_bit_depth_slider_on_ct(at, bits):
    set_and_run(at, "slider", "Bits per value, n", bits)
    image = samples.load(CT).data
    levels = pixels.quantise(image, bits)
    present = np.count_nonzero(pixels.level_counts(levels, bits))
    shown = metrics(at)
    assert shown["Levels possible"] == f"{2 ** bits:,}"
    assert shown["Levels present"] == f"{present:,}"
    assert present <= min(2 ** bits, pixels.distinct_values(image))
    assert shown["Bytes per pixel"] == ("1" if bits <= 8 else "2")
    assert shown["Bytes per image"] == f"{128 * 128 * (1 if bits <= 8 else 2):,}"
    assert f"n = {bits}  # bits per value" in codes(at)


def test_bit_depth_slider_stops_at_the_source_depth(at):
    choose_sample(at, PHANTOM)  # an 8-bit PNG
    assert by_label(at, "slider", "Bits per value, n").max == 8
    choose_sample(at, CT)  # 16 bits stored
    assert by_label(at, "slider", "Bits per value, n").max == 16


def test_ct_range_is_read_from_the_ct_sample(at):
    shown = metrics(at)
    assert shown["Lowest value"] == "-896 HU" and shown["Highest value"] == "1167 HU"
    assert shown["Bits needed"] == "12" and shown["Bits stored in the file"] == "16"


def test_colour_section_sources_and_toggles(at):
    assert "red, green, blue = X, np.zeros_like(X), X" in codes(at)
    set_and_run(at, "toggle", "Red", False)
    assert "keep = (False, True, True)" in codes(at)
    set_and_run(at, "radio", "Image", f"Retina photo ({RETINA})")
    assert "split and stacked again" in codes(at)
    set_and_run(at, "toggle", "Green", False)
    assert "keep = (False, False, True)" in codes(at)
    captions = image_captions(at)
    stats = pixels.channel_stats(samples.load(RETINA).data)
    assert f"mean {stats[1]['mean']:.2f}" in captions


def _expected_snr(image, signal, background, kind, strength, seed):
    s_mask = pixels.region_mask(image.shape, *signal)
    b_mask = pixels.region_mask(image.shape, *background)
    before = snr(image, s_mask, b_mask)
    after = snr(add_noise(image, kind, strength, seed), s_mask, b_mask)
    return before, after


@pytest.mark.parametrize("kind", ["gaussian", "salt and pepper", "poisson", "rician"])
def test_noise_controls_change_the_snr_as_core_computes_it(at, kind):
    choose_sample(at, MR)
    image = samples.load(MR).data.astype(np.float64)
    signal, background = ((20, 40), (20, 40)), ((0, 7), (0, 63))
    set_and_run(at, "slider", "Signal rows", signal[0])
    set_and_run(at, "slider", "Signal columns", signal[1])
    set_and_run(at, "slider", "Background rows", background[0])
    set_and_run(at, "slider", "Background columns", background[1])
    set_and_run(at, "selectbox", "Noise", kind)
    set_and_run(at, "number_input", "Seed", 7)
    if kind == "salt and pepper":
        set_and_run(at, "slider", "Fraction of pixels hit", 0.2)
        strength = 0.2
    elif kind == "poisson":
        set_and_run(at, "select_slider", "Photons at the brightest pixel", 10)
        strength = pixels.poisson_strength(10, image)
    else:
        set_and_run(at, "slider", "Standard deviation σ (image units)", 300.0)
        strength = 300.0
    before, after = _expected_snr(image, signal, background, kind, strength, 7)
    shown = metrics(at)
    assert shown["SNR of the original"] == f"{before:.3g}"
    assert shown["SNR with noise"] == f"{after:.3g}"
    assert shown["with noise, in dB"] == f"{snr_db(after):.1f} dB"
    if kind == "gaussian":
        assert after < before
    assert "rng = np.random.default_rng(7)" in codes(at)


def test_3d_and_4d_controls(at):
    choose_sample(at, HEAD)
    set_and_run(at, "slider", "Slice", 3)
    assert "image = volume[3]  # slice 3" in codes(at)
    assert "first, depth, b_top, b_left, side = 2, 3," in codes(at)
    set_and_run(at, "slider", "Window's top row", 0)
    set_and_run(at, "slider", "Bits per value, n", 16)
    assert metrics(at)["Bytes per pixel"] == "2"
    choose_sample(at, FMRI)
    set_and_run(at, "slider", "Time point", 1)
    set_and_run(at, "slider", "Slice", 0)
    assert ".data[1]  # time point 1" in codes(at)
    assert "first, depth, b_top, b_left, side = 0, 3," in codes(at)


def test_colour_sample_noise_on_a_channel(at):
    choose_sample(at, RETINA)
    set_and_run(at, "selectbox", "Work on", "green")
    assert "image = image[..., 1]  # the green channel" in codes(at)
    rgb = samples.load(RETINA).data
    green = rgb[..., 1].astype(np.float64)
    (sr, sc), (br, bc) = pixels.regions_from_image(pixels.to_grey(rgb).astype(np.float64))  # placed on the image
    before = snr(green, pixels.region_mask(green.shape, sr, sc), pixels.region_mask(green.shape, br, bc))
    assert metrics(at)["SNR of the original"] == ("∞" if np.isinf(before) else f"{before:.3g}")
    set_and_run(at, "selectbox", "Work on", "grey")
    assert "grey = weighted sum of red, green and blue" in codes(at)
    set_and_run(at, "slider", "Bits per value, n", 2)
    assert metrics(at)["Bytes per pixel"] == "3"


def png_bytes(array: np.ndarray) -> bytes:
    return iio.imwrite("<bytes>", array, extension=".png")


def test_upload_of_a_colour_image_offers_its_channels_and_the_array(at):
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[..., 0] = np.arange(50, dtype=np.uint8) * 5
    rgb[10:30, 10:40, 2] = 200
    upload(at, ("mine.png", png_bytes(rgb)))
    assert not problems(at)
    assert "Your image: mine.png" in [h.value for h in at.header]
    assert any(b.label.startswith("Download this image as my_image.npy") for b in at.get("download_button"))
    assert 'np.load("my_image.npy")' in codes(at)
    set_and_run(at, "radio", "Image", "Your colour image")
    set_and_run(at, "toggle", "Blue", False)
    captions = image_captions(at)
    assert "blue as grey · min 0 · mean 60.00 · max 200" in captions


def test_bad_upload_shows_an_error_and_the_page_keeps_working(at):
    upload(at, ("broken.dcm", b"DICM this is not an image at all"))
    assert not problems(at)
    assert at.error and "could not be loaded" in at.error[0].value
    assert f"Your image: {CT}" in [h.value for h in at.header]
    set_and_run(at, "slider", "Bits per value, n", 4)


def test_degenerate_uploads_warn_without_traceback(at):
    upload(at, ("flat.png", png_bytes(np.full((20, 20), 7, np.uint8))))
    assert not problems(at)
    assert any("same value" in w.value for w in at.warning)
    assert metrics(at)["Levels present"] == "1"
    upload(at, ("dot.png", png_bytes(np.full((1, 1), 200, np.uint8))))
    assert not problems(at)
    assert any("too small" in w.value for w in at.warning)
    data = np.linspace(0, 1, 8 * 9 * 5, dtype=np.float32).reshape(8, 9, 5)
    data[:, 3, :] = np.nan  # one row of every slice
    upload(at, ("nan.nii", nib.Nifti1Image(data, np.eye(4)).to_bytes()))
    assert not problems(at)
    assert any("not numbers" in w.value for w in at.warning)
    for n in (1, 16):
        set_and_run(at, "slider", "Bits per value, n", n)


# --- lesson: presets, lecturer mode, self-check ------------------------------------------------------

def figure_array(app, key: str, trace: int = 0, field: str = "z") -> np.ndarray:
    """An array of a plotly chart's trace, read back from the figure the page sent."""
    charts = [c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert charts, key
    value = json.loads(charts[0].proto.spec)["data"][trace][field]
    if isinstance(value, dict):  # plotly's typed arrays: base64 bytes, a dtype and a shape
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return array.reshape([int(s) for s in str(value.get("shape", array.size)).split(",")])
    return np.asarray(value)


def test_preset_the_6x6_x_restores_the_lecture_matrix(at):
    at.session_state["px-x-0"] = {"edited_rows": {0: {"0": 9}, 2: {"3": 5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert figure_array(at, "px-x-figure")[0, 0] == 9
    by_label(at, "button", "The 6×6 X").click()
    at.run()
    assert not problems(at)
    x = figure_array(at, "px-x-figure")
    assert x.shape == (6, 6) and np.array_equal(x, np.maximum(np.eye(6), np.fliplr(np.eye(6))))
    assert x.sum() == 12  # ones on both diagonals, zeros elsewhere
    assert "X = np.maximum(eye, np.fliplr(eye))" in codes(at)


def test_preset_magenta_x_shows_the_x_in_red_and_blue(at):
    set_and_run(at, "radio", "Image", f"Retina photo ({RETINA})")
    set_and_run(at, "toggle", "Red", False)
    by_label(at, "button", "X in red and blue = magenta").click()
    at.run()
    assert not problems(at)
    assert by_label(at, "radio", "Image").value == "The lecture's X in red and blue"
    assert all(by_label(at, "toggle", name).value for name in ("Red", "Green", "Blue"))
    x = np.maximum(np.eye(6), np.fliplr(np.eye(6))) * 255
    red, green, blue = (figure_array(at, "px-x-channels", trace=c) for c in range(3))
    assert np.array_equal(red, x) and np.array_equal(blue, x) and not green.any()
    merged = figure_array(at, "px-x-merged")
    assert merged.shape == (6, 6, 3)
    assert {tuple(p) for p in merged.reshape(-1, 3)} == {(255, 0, 255), (0, 0, 0)}  # magenta on black
    assert "**magenta**" in " ".join(m.value for m in at.markdown)


def test_bit_depth_presets_give_2_and_256_levels(at):
    set_and_run(at, "slider", "Bits per value, n", 4)
    by_label(at, "button", "1 bit: black and white").click()
    at.run()
    shown = metrics(at)
    assert by_label(at, "slider", "Bits per value, n").value == 1
    assert shown["Levels possible"] == "2" and shown["Levels present"] == "2"
    by_label(at, "button", "8 bits: 256 levels").click()
    at.run()
    shown = metrics(at)
    present = pixels.levels_present(samples.load(CT).data, 8)
    assert shown["Levels possible"] == "256" and shown["Levels present"] == f"{present:,}"
    assert shown["Bytes per pixel"] == "1" and shown["Bytes per image"] == f"{128 * 128:,}"


def test_lecturer_mode_folds_explanations_and_hides_advanced_controls(at):
    assert "Try this" in [e.label for e in at.expander]
    assert any(w.label == "Seed" for w in at.number_input)
    widget(at, "toggle", "lecturer").set_value(True)
    at.run()
    assert not problems(at)
    labels = [e.label for e in at.expander]
    assert labels.count("Explanation") >= 5 and "Try this" not in labels
    assert "Move the two regions" in labels
    assert not any(w.label == "Seed" for w in at.number_input)
    assert "rng = np.random.default_rng(0)" in codes(at)
    x_figure = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-px-x-figure"))
    spec = json.loads(x_figure.proto.spec)
    # readable in a room: ui.alt.show_figure sizes every figure's type to at least 24 px (ui.room.size_for_room)
    assert spec["layout"]["font"]["size"] >= 24 and spec["data"][0]["textfont"]["size"] == 26
    for name in (HEAD, FMRI, RETINA):
        choose_sample(at, name)
        assert not problems(at), name
        assert "Explanation" in [e.label for e in at.expander], name
    by_label(at, "button", "The 6×6 X").click()
    at.run()
    assert not problems(at)


def answer(app, n: int, value):
    widget(app, "radio" if isinstance(value, str) else "number_input", f"check-pixels-{n}").set_value(value)


def test_self_check_feedback_numbers_from_the_image_and_progress(at):
    set_and_run(at, "slider", "Bits per value, n", 3)
    present = int(metrics(at)["Levels present"])
    assert present == pixels.levels_present(samples.load(CT).data, 3)
    answer(at, 0, "4")
    answer(at, 1, "White")
    answer(at, 2, present)
    answer(at, 3, 128 * 128 * 2)
    answer(at, 4, 25.0)  # the SNR itself, not in dB
    at.run()
    assert not problems(at)
    right = [s.value for s in at.success if s.value.startswith("Right.")]
    wrong = [e.value for e in at.error if e.value.startswith("Not quite.")]
    assert len(right) == 3 and len(wrong) == 2
    assert any("magenta" in w for w in wrong) and any("27.96 dB" in w for w in wrong)
    assert any("128 × 128 × 2 = 32,768 bytes" in r for r in right)
    assert at.session_state["progress"]["pixels"] == {"answered": 5, "correct": 3, "total": 5}
    answer(at, 1, "Magenta")
    answer(at, 4, 28.0)
    at.run()
    assert at.session_state["progress"]["pixels"] == {"answered": 5, "correct": 5, "total": 5}


def test_self_check_numbers_follow_a_colour_image(at):
    choose_sample(at, RETINA)
    rgb = samples.load(RETINA).data
    rows, cols = rgb.shape[:2]
    answer(at, 2, pixels.levels_present(rgb, 3))
    answer(at, 3, rows * cols * 2)  # forgets the three channels
    at.run()
    assert not problems(at)
    assert sum(s.value.startswith("Right.") for s in at.success) == 1
    assert any(f"{rows} × {cols} × 3 × 2 = {rows * cols * 6:,} bytes" in e.value for e in at.error)
    assert at.session_state["progress"]["pixels"] == {"answered": 2, "correct": 1, "total": 5}
