"""AppTest of the page "How a computer sees an image": every sample, every control, good and bad uploads."""

from __future__ import annotations

import base64
import io
import json

import imageio.v3 as iio
import nibabel as nib
import numpy as np
import pytest

from core import basics, pixels, samples
from core.text.course_text import load_lesson
from core.data.noise import add_noise, snr, snr_db
from harness import (brighter_where_low, choose_sample, image_captions, page_test, problems, show_self_check,
                     shown_pictures, upload, widget)

PAGE = "lessons/pixels.py"
CT, MR, MNI, HEAD, FMRI, RETINA, PHANTOM = (samples.SAMPLES[i].name for i in (0, 1, 2, 6, 7, 8, 10))
SECTIONS = ("Pixels", "Zoom", "Bit depth", "Colour", "Signal and noise")
ENHANCED_CT = "CT: enhanced multi-frame, 2 slices (pydicom-data eCT)"  # two slices in one file: 3D


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


def captions_text(app) -> str:
    """Every image caption of the page, joined: a phrase is found whichever picture carries it."""
    return " ".join(image_captions(app))


def codes(app) -> str:
    """The code of this run's "Show the code" panels (built in the browser only when opened)."""
    from ui.code import COLLECTED_KEY

    return "\n".join(code for _, code in app.session_state[COLLECTED_KEY])


def open_section(app, name: str):
    """Choose a section of the lesson (the control at its top) and rerun."""
    assert name in load_lesson("pixels").sections
    app.session_state["section"] = name
    app.run()
    assert not problems(app), problems(app)
    assert widget(app, "button_group", "section").value == name
    return app


def your_image(app) -> str:
    """The line naming the image a section works on."""
    lines = [m.value for m in app.markdown if m.value.startswith("**Your image: ")]
    assert lines, "the section names no image"
    return lines[0]


def set_and_run(app, kind: str, label: str, value):
    by_label(app, kind, label).set_value(value)
    app.run()
    assert not problems(app), problems(app)
    return app


def test_the_lesson_opens_on_its_first_section_with_its_figure_and_draws_one_section_at_a_time(at):
    assert widget(at, "button_group", "section").value == "Pixels"
    assert not at.get("plotly_chart")  # the X's picture is a PNG (no chart library to load), nothing else is shown
    assert shows_picture(at, pixels.x_matrix())
    assert "The same numbers as a picture: one square per pixel" in captions_text(at)
    assert not at.slider and not at.metric


def test_a_code_panel_is_built_only_when_opened(at):
    assert "Show the code" in [e.label for e in at.expander]
    assert not at.code  # closed: nothing sent to the browser
    at.session_state["px-code-x"] = True  # the learner opens the panel
    at.run()
    assert not problems(at)
    assert len(at.code) == 1 and "X = np.maximum(eye, np.fliplr(eye))" in at.code[0].value


def test_every_sample_renders_every_section(at):
    for name in samples.names():
        choose_sample(at, name)
        assert not problems(at), (name, problems(at))
        shown = {}
        for section in SECTIONS:
            open_section(at, section)
            assert not at.error, (name, section)
            assert at.get("plotly_chart") or at.image, (name, section)  # every section shows a figure
            if section in ("Zoom", "Bit depth", "Signal and noise"):
                assert your_image(at).startswith(f"**Your image: {name}**"), (name, section)
            shown |= metrics(at)
            if section == "Zoom":
                voxels = "Voxels: the same in 3D" in [s.value for s in at.subheader]
                assert voxels == (name in (MNI, HEAD, FMRI, ENHANCED_CT) or name.startswith("MRI 3D")), name
        assert {"Levels possible", "Levels present", "SNR of the original", "Bits needed"} <= set(shown), name


def test_the_x_is_a_plain_table_until_the_learner_edits_it_and_an_edit_is_kept_when_editing_is_off(at):
    assert not at.dataframe and at.table, "the first screen: the X as a plain table, no data editor to load"
    assert (at.table[0].value.to_numpy(dtype=float) == pixels.x_matrix()).all()
    widget(at, "toggle", "px-x-edit").set_value(True).run()
    assert len(at.dataframe) == 1  # the data editor
    at.session_state["px-x-0"] = {"edited_rows": {0: {"1": 9}}, "added_rows": [], "deleted_rows": []}
    at.run()
    widget(at, "toggle", "px-x-edit").set_value(False).run()
    assert not at.dataframe
    assert at.table[0].value.to_numpy(dtype=float)[0, 1] == 9  # the learner's number, in the plain table
    assert "X = np.array([[1, 9, 0, 0, 0, 1]," in codes(at)
    widget(at, "toggle", "px-x-edit").set_value(True).run()
    assert "X = np.array([[1, 9, 0, 0, 0, 1]," in codes(at)  # the editor starts from it again


def test_x_matrix_can_be_edited_and_reset(at):
    widget(at, "toggle", "px-x-edit").set_value(True).run()
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
    open_section(at, "Zoom")
    set_and_run(at, "slider", "Window's top row", 0)
    set_and_run(at, "slider", "Window's left column", 52)
    assert "top, left, size = 0, 52, 12" in codes(at)
    assert 'get_testdata_file("MR_small.dcm")' in codes(at) and "core" not in codes(at)


@pytest.mark.parametrize("bits", [1, 2, 12, 16])
def test_bit_depth_slider_on_ct(at, bits):
    open_section(at, "Bit depth")
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
    open_section(at, "Bit depth")
    choose_sample(at, PHANTOM)  # an 8-bit PNG
    assert by_label(at, "slider", "Bits per value, n").max == 8
    choose_sample(at, CT)  # 16 bits stored
    assert by_label(at, "slider", "Bits per value, n").max == 16


def test_the_bit_depth_range_is_the_radiograph_s_as_its_file_says(at):
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("RG1_UNCR.dcm"))  # lesson 1's BITS_SAMPLE, read as the snippet does
    values = ds.pixel_array  # no rescale: the stored values
    low, high, distinct = int(values.min()), int(values.max()), len(np.unique(values))
    need = int(np.ceil(np.log2(high - low + 1)))
    open_section(at, "Bit depth")
    assert "Why medical images use 12 or 16 bits" in [h.value for h in at.subheader]
    shown = metrics(at)
    assert shown["Lowest value"] == f"{low:,}" and shown["Highest value"] == f"{high:,}"
    assert shown["Different values"] == f"{distinct:,}" and shown["Bits needed"] == str(need)
    assert shown["Bits stored in the file"] == f"{ds.BitsStored} of {ds.BitsAllocated}"
    assert 12 <= need <= ds.BitsStored < ds.BitsAllocated == 16  # a radiograph's 12-16 bits, in 2 bytes
    words = " ".join(m.value for m in at.markdown)
    assert f"from {low:,} to {high:,}: they need **{need} bits**" in words and "MONOCHROME1" in words
    assert f"uses {ds.BitsStored} of them" in words
    captions = " ".join(c.value for c in at.caption)
    assert f"Over the whole image {distinct:,} values become 256." in captions
    step = int(np.ceil(max(values.shape) / 360))  # pixels.display_scale: a large image, thinned for the page
    thinned = f"{values.shape[0]:,} × {values.shape[1]:,} pixels, shown one pixel in {step} each way"
    assert thinned in captions_text(at)
    assert 'get_testdata_file("RG1_UNCR.dcm")' in codes(at)


def test_the_radiograph_is_thinned_for_the_page_white_where_its_values_are_low_and_its_patch_pointed_at():
    from ui.pixels_views import range_picture

    name = next(s.name for s in samples.SAMPLES if s.file == "RG1_UNCR.dcm")
    volume = samples.load(name)
    assert volume.monochrome1 and volume.data.shape == (1955, 1841)
    colour = (0, 230, 255)
    shown, scale = range_picture(name, (600, 605), (900, 905), colour)
    assert scale == 1 / 6 and shown.shape == (326, 307, 3)  # every 6th row and column
    thin = volume.data[::6, ::6]
    grey = (shown[..., 0] == shown[..., 1])  # the pixels the lines left alone
    low, high = thin <= np.percentile(thin, 5), thin >= np.percentile(thin, 95)
    assert shown[low & grey, 0].mean() > 200 and shown[high & grey, 0].mean() < 50  # MONOCHROME1: low is white
    row, col = 100, 150  # the patch's centre at 1/6: rows 100-101, columns 150-151
    assert (shown[row, :140] == colour).all() and (shown[:90, col] == colour).all()  # the lines lead to it
    assert (shown[row, col] == colour).all()  # the patch, one screen pixel at this size, outlined
    assert not (shown[row, 145:150] == colour).all(axis=-1).any()  # a gap around it, so it stays visible


def test_colour_section_sources_and_toggles(at):
    open_section(at, "Colour")
    assert "red, green, blue = X, np.zeros_like(X), X" in codes(at)
    set_and_run(at, "toggle", "Red", False)
    assert "keep = (False, True, True)" in codes(at)
    set_and_run(at, "radio", "Image", RETINA)
    assert "split and stacked again" in codes(at)
    set_and_run(at, "toggle", "Green", False)
    assert "keep = (False, False, True)" in codes(at)
    captions = captions_text(at)
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
    open_section(at, "Signal and noise")
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
    open_section(at, "Zoom")
    set_and_run(at, "slider", "Slice", 3)
    assert "image = volume[3]  # slice 3" in codes(at)
    assert "first, depth, b_top, b_left, side = 2, 3," in codes(at)
    set_and_run(at, "slider", "Window's top row", 0)
    open_section(at, "Bit depth")
    assert by_label(at, "slider", "Slice").value == 3  # the slice stays chosen from one section to the next
    set_and_run(at, "slider", "Bits per value, n", 16)
    assert metrics(at)["Bytes per pixel"] == "2"
    choose_sample(at, FMRI)
    open_section(at, "Zoom")
    set_and_run(at, "slider", "Time point", 1)
    set_and_run(at, "slider", "Slice", 0)
    assert "volume = volume[1]  # time point 1" in codes(at)
    assert "first, depth, b_top, b_left, side = 0, 3," in codes(at)


def test_colour_sample_noise_on_a_channel(at):
    choose_sample(at, RETINA)
    open_section(at, "Signal and noise")
    set_and_run(at, "selectbox", "Work on", "green")
    assert "image = image[..., 1]  # the green channel" in codes(at)
    rgb = samples.load(RETINA).data
    green = rgb[..., 1].astype(np.float64)
    (sr, sc), (br, bc) = pixels.regions_from_image(basics.to_grey(rgb))  # placed on the image
    before = snr(green, pixels.region_mask(green.shape, sr, sc), pixels.region_mask(green.shape, br, bc))
    assert metrics(at)["SNR of the original"] == ("∞" if np.isinf(before) else f"{before:.3g}")
    set_and_run(at, "selectbox", "Work on", "grey")
    assert "image = rgb2gray(image[..., :3].astype(np.float64))" in codes(at)
    open_section(at, "Bit depth")
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
    open_section(at, "Zoom")
    assert your_image(at).startswith("**Your image: mine.png**")
    assert any(b.label.startswith("Download this image as my_image.npy") for b in at.get("download_button"))
    assert 'np.load("my_image.npy")' in codes(at)
    open_section(at, "Colour")
    set_and_run(at, "radio", "Image", "Your colour image")
    set_and_run(at, "toggle", "Blue", False)
    captions = captions_text(at)
    assert "blue as grey · min 0 · mean 60.00 · max 200" in captions


def test_bad_upload_shows_an_error_and_the_page_keeps_working(at):
    upload(at, ("broken.dcm", b"DICM this is not an image at all"))
    assert not problems(at)
    assert at.error and "could not be loaded" in at.error[0].value
    open_section(at, "Bit depth")
    assert your_image(at).startswith(f"**Your image: {CT}**")
    set_and_run(at, "slider", "Bits per value, n", 4)


def test_degenerate_uploads_warn_without_traceback(at):
    open_section(at, "Bit depth")
    upload(at, ("flat.png", png_bytes(np.full((20, 20), 7, np.uint8))))
    assert not problems(at)
    assert any("same value" in w.value for w in at.warning)
    assert metrics(at)["Levels present"] == "1"
    upload(at, ("dot.png", png_bytes(np.full((1, 1), 200, np.uint8))))
    assert not problems(at)
    open_section(at, "Signal and noise")
    assert any("too small" in w.value for w in at.warning)
    open_section(at, "Bit depth")
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


def shows_picture(app, matrix) -> bool:
    """Whether the page shows the X's picture of `matrix`: an image whose bytes are exactly the PNG of
    `core.pixels.cells_picture(matrix)` (Streamlit names a media file by a hash of its bytes)."""
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    from core.io.png_writer import encode_png

    wanted = _calculate_file_id(encode_png(pixels.cells_picture(np.asarray(matrix, float))), "image/png")
    urls = [shown.url for image in app.get("image") for shown in image.proto.imgs]
    assert urls, "no picture on the page"
    return any(wanted in url for url in urls)


def press(app, label: str):
    """Press a preset (or any button) once and rerun."""
    by_label(app, "button", label).click()
    app.run()
    assert not problems(app), problems(app)
    return app


def test_every_preset_has_its_shortcut_and_opens_its_section(at):
    text = load_lesson("pixels")
    assert [p.label for p in text.presets] == ["The 6×6 X", "1 bit", "8 bits", "Magenta X", "10 photons"]
    for preset in text.presets:
        button = by_label(at, "button", preset.label)
        assert button.proto.shortcut == preset.shortcut and preset.shortcut
        open_section(at, "Pixels" if preset.section != "Pixels" else "Zoom")
        press(at, preset.label)
        assert widget(at, "button_group", "section").value == preset.section


def test_preset_the_6x6_x_restores_the_lecture_matrix(at):
    widget(at, "toggle", "px-x-edit").set_value(True).run()
    at.session_state["px-x-0"] = {"edited_rows": {0: {"0": 9}, 2: {"3": 5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    edited = pixels.x_matrix()
    edited[0, 0], edited[2, 3] = 9, 5
    assert shows_picture(at, edited) and not shows_picture(at, pixels.x_matrix())
    open_section(at, "Colour")
    press(at, "The 6×6 X")
    assert widget(at, "button_group", "section").value == "Pixels"
    x = np.maximum(np.eye(6), np.fliplr(np.eye(6)))
    assert shows_picture(at, x) and x.sum() == 12  # ones on both diagonals, zeros elsewhere
    assert "X = np.maximum(eye, np.fliplr(eye))" in codes(at)


def test_preset_magenta_x_shows_the_x_in_red_and_blue(at):
    open_section(at, "Colour")
    set_and_run(at, "radio", "Image", RETINA)
    set_and_run(at, "toggle", "Red", False)
    open_section(at, "Zoom")
    press(at, "Magenta X")
    assert by_label(at, "radio", "Image").value == "The lecture's X in red and blue"
    assert all(by_label(at, "toggle", name).value for name in ("Red", "Green", "Blue"))
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert charts[0].endswith("-px-x-channels")  # the lecture's figure comes first in its section
    x = np.maximum(np.eye(6), np.fliplr(np.eye(6))) * 255
    red, green, blue = (figure_array(at, "px-x-channels", trace=c) for c in range(3))
    assert np.array_equal(red, x) and np.array_equal(blue, x) and not green.any()
    merged = figure_array(at, "px-x-merged")
    assert merged.shape == (6, 6, 3)
    assert {tuple(p) for p in merged.reshape(-1, 3)} == {(255, 0, 255), (0, 0, 0)}  # magenta on black
    assert "**magenta**" in " ".join(m.value for m in at.markdown)
    assert at.query_params["section"] == "Colour"  # the preset's state is a link: its section, and its
    assert not {"colour", "red", "green", "blue"} & set(at.query_params)  # settings are the defaults (not in links)


def test_bit_depth_presets_give_2_and_256_levels(at):
    open_section(at, "Bit depth")
    set_and_run(at, "slider", "Bits per value, n", 4)
    open_section(at, "Pixels")
    press(at, "1 bit")
    shown = metrics(at)
    assert by_label(at, "slider", "Bits per value, n").value == 1
    assert shown["Levels possible"] == "2" and shown["Levels present"] == "2"
    assert len(at.image) >= 1 and "1 bit: 2 levels" in captions_text(at)  # the picture, complete in one press
    assert at.query_params["bits"] == "1"
    press(at, "8 bits")
    shown = metrics(at)
    present = pixels.levels_present(samples.load(CT).data, 8)
    assert shown["Levels possible"] == "256" and shown["Levels present"] == f"{present:,}"
    assert shown["Bytes per pixel"] == "1" and shown["Bytes per image"] == f"{128 * 128:,}"
    histogram = figure_array(at, "px-bits-histogram", field="y")
    assert histogram.size == 256 and histogram.sum() == 128 * 128


def test_preset_poisson_with_10_photons_gives_the_snr_core_computes(at):
    press(at, "10 photons")
    assert widget(at, "button_group", "section").value == "Signal and noise"
    assert by_label(at, "selectbox", "Noise").value == "poisson"
    assert by_label(at, "select_slider", "Photons at the brightest pixel").value == 10
    image = samples.load(CT).data.astype(np.float64)
    signal, background = pixels.regions_from_image(image)
    before, after = _expected_snr(image, signal, background, "poisson", pixels.poisson_strength(10, image), 0)
    shown = metrics(at)
    assert shown["SNR of the original"] == f"{before:.3g}" and shown["SNR with noise"] == f"{after:.3g}"
    assert after < before  # ten photons: far noisier
    assert [c.proto.id for c in at.get("plotly_chart")][0].endswith("-px-regions")


def test_a_link_reopens_the_lesson_s_state_and_names_a_value_it_ignored():
    app = page_test(PAGE)
    app.query_params.update({"section": "Zoom", "top": "5", "left": "30"})
    app.run()
    assert not problems(app)
    assert widget(app, "button_group", "section").value == "Zoom"
    assert by_label(app, "slider", "Window's top row").value == 5
    assert by_label(app, "slider", "Window's left column").value == 30
    assert "top, left, size = 5, 30, 12" in codes(app)
    assert not app.warning
    app = page_test(PAGE)
    app.query_params.update({"section": "Signal and noise", "noise": "Salt and pepper", "sp": "0.2",  # the label shown, as a link carries it
                             "sig-rows": ["10", "20"], "sigma": "abc"})
    app.run()
    assert not problems(app)
    assert by_label(app, "selectbox", "Noise").value == "salt and pepper"
    assert by_label(app, "slider", "Fraction of pixels hit").value == 0.2
    assert by_label(app, "slider", "Signal rows").value == (10, 20)
    warnings = [w.value for w in app.warning if "not used" in w.value]
    assert warnings and "sigma=abc" in warnings[0] and "sp=" not in warnings[0]
    app = page_test(PAGE)
    app.query_params.update({"section": "Bit depth", "bits": "99"})  # CT stores 16 bits: 99 is out of range
    app.run()
    assert not problems(app)
    assert by_label(app, "slider", "Bits per value, n").value == 8
    assert any("bits=99" in w.value for w in app.warning)


def select_box(app, key: str, x: list[float], y: list[float]):
    """Drag a box on a plotly chart, as the browser reports it (Streamlit's selection state), and rerun."""
    charts = [c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert charts, key
    states = app._tree.get_widget_states()
    state = states.widgets.add()
    state.id = charts[0].proto.id
    state.string_value = json.dumps({"selection": {"points": [], "point_indices": [], "lasso": [],
                                                   "box": [{"xref": "x", "yref": "y", "x": x, "y": y}]}})
    app._run(states)
    assert not problems(app), problems(app)
    return app


def test_boxes_dragged_on_the_picture_move_the_sliders_and_the_snr_follows(at):
    choose_sample(at, MR)
    open_section(at, "Signal and noise")
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-px-regions"))
    assert chart.proto.selection_mode and json.loads(chart.proto.spec)["layout"]["dragmode"] == "select"
    select_box(at, "px-regions", [20.4, 40.2], [39.9, 19.6])  # dragged from the lower left, as a mouse may
    assert by_label(at, "slider", "Signal rows").value == (20, 39)
    assert by_label(at, "slider", "Signal columns").value == (21, 40)
    widget(at, "button_group", "px-drag").set_value("background")
    at.run()
    select_box(at, "px-regions", [-3.0, 63.2], [-0.5, 6.5])  # past the image's edge: clipped to it
    assert by_label(at, "slider", "Background rows").value == (0, 6)
    assert by_label(at, "slider", "Background columns").value == (0, 63)
    assert by_label(at, "slider", "Signal rows").value == (20, 39)  # the other box stays
    select_box(at, "px-regions", [30.1, 30.3], [5.6, 5.8])  # a drag shorter than a pixel: the pixel it is on
    assert by_label(at, "slider", "Background rows").value == (6, 6)
    assert by_label(at, "slider", "Background columns").value == (30, 30)
    select_box(at, "px-regions", [-3.0, 63.2], [-0.5, 6.5])
    image = samples.load(MR).data.astype(np.float64)
    before, _ = _expected_snr(image, ((20, 39), (21, 40)), ((0, 6), (0, 63)), "gaussian", 0.0, 0)
    assert metrics(at)["SNR of the original"] == f"{before:.3g}"
    table = next(t.value for t in at.table if "signal mean" in list(t.value.index))
    assert table.loc["signal mean", "original"] == f"{image[20:40, 21:41].mean():.4g}"
    assert table.loc["background std", "original"] == f"{image[0:7, 0:64].std():.4g}"
    assert "signal = (slice(20, 40), slice(21, 41))" in codes(at)
    shapes = json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-px-regions")).proto.spec)
    outlines = {s["name"]: (s["y0"], s["y1"], s["x0"], s["x1"]) for s in shapes["layout"]["shapes"]}
    assert outlines == {"signal": (19.5, 39.5, 20.5, 40.5), "background": (-0.5, 6.5, -0.5, 63.5)}
    set_and_run(at, "slider", "Signal rows", (30, 35))  # the keyboard's way to the same boxes
    before, _ = _expected_snr(image, ((30, 35), (21, 40)), ((0, 6), (0, 63)), "gaussian", 0.0, 0)
    assert metrics(at)["SNR of the original"] == f"{before:.3g}"


def test_controls_start_again_from_the_new_image_s_defaults_when_the_image_changes(at):
    open_section(at, "Zoom")
    set_and_run(at, "slider", "Window's top row", 3)
    choose_sample(at, MR)  # 64 × 64: its window starts in the middle, not at row 3
    assert by_label(at, "slider", "Window's top row").value == (64 - 12) // 2
    open_section(at, "Signal and noise")
    set_and_run(at, "slider", "Signal rows", (1, 2))
    choose_sample(at, CT)
    signal, _ = pixels.regions_from_image(samples.load(CT).data.astype(np.float64))
    assert by_label(at, "slider", "Signal rows").value == signal[0]


def test_lecturer_mode_folds_explanations_and_sizes_the_grids_for_the_room(at):
    assert "Try this" in [e.label for e in at.expander]
    open_section(at, "Signal and noise")
    assert any(w.label == "Seed" for w in at.number_input)
    widget(at, "toggle", "lecturer").set_value(True)
    at.run()
    assert not problems(at)
    labels = [e.label for e in at.expander]
    assert "Explanation" in labels and "Try this" not in labels
    assert "Move the two regions" in labels
    assert not any(w.label == "Seed" for w in at.number_input)
    assert "rng = np.random.default_rng(0)" in codes(at)
    for section in SECTIONS:
        open_section(at, section)
        assert "Explanation" in [e.label for e in at.expander], section
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            assert spec["layout"]["font"]["size"] >= 24, (section, chart.proto.id)
            for trace in spec["data"]:
                if trace.get("texttemplate") or trace.get("mode") == "text":  # a grid of values: readable in a room
                    assert trace["textfont"]["size"] >= 24, (section, chart.proto.id)
    open_section(at, "Pixels")
    assert shows_picture(at, pixels.x_matrix())  # the X's picture has no text: its numbers are in the table
    open_section(at, "Zoom")
    zoom = json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-px-zoom-figure")).proto.spec)
    assert zoom["layout"]["yaxis"]["scaleanchor"] is False  # cells as wide as the room's screen allows
    for name in (HEAD, FMRI, RETINA):
        choose_sample(at, name)
        assert not problems(at), name
        assert "Explanation" in [e.label for e in at.expander], name
    press(at, "The 6×6 X")


def answer(app, n: int, value):
    if not widget(app, "toggle", "check-open-pixels").value:
        show_self_check(app, "pixels")
    widget(app, "radio" if isinstance(value, str) else "number_input", f"check-pixels-{n}").set_value(value)


def test_self_check_feedback_numbers_from_the_image_and_progress(at):
    open_section(at, "Bit depth")
    set_and_run(at, "slider", "Bits per value, n", 3)
    present = int(metrics(at)["Levels present"])
    assert present == pixels.levels_present(samples.load(CT).data, 3)
    open_section(at, "Colour")  # the questions stay at the end of every section
    answer(at, 0, "4")
    answer(at, 1, "White")
    answer(at, 2, 25.0)  # the SNR itself, not in dB
    answer(at, 3, present)
    answer(at, 4, 128 * 128 * 2)
    at.run()
    assert not problems(at)
    right = [s.value for s in at.success if s.value.startswith("Right.")]
    wrong = [e.value for e in at.error if e.value.startswith("Not quite.")]
    assert len(right) == 3 and len(wrong) == 2
    assert any("magenta" in w for w in wrong) and any("27.96 dB" in w for w in wrong)
    assert any("128 × 128 × 2 = 32,768 bytes" in r for r in right)
    assert at.session_state["progress"]["pixels"] == {"answered": 5, "correct": 3, "total": 5}
    answer(at, 1, "Magenta")
    answer(at, 2, 28.0)
    at.run()
    assert at.session_state["progress"]["pixels"] == {"answered": 5, "correct": 5, "total": 5}


def test_self_check_numbers_follow_a_colour_image(at):
    choose_sample(at, RETINA)
    rgb = samples.load(RETINA).data
    rows, cols = rgb.shape[:2]
    answer(at, 3, pixels.levels_present(rgb, 3))
    answer(at, 4, rows * cols * 2)  # forgets the three channels
    at.run()
    assert not problems(at)
    assert sum(s.value.startswith("Right.") for s in at.success) == 1
    assert any(f"{rows} × {cols} × 3 × 2 = {rows * cols * 6:,} bytes" in e.value for e in at.error)
    assert at.session_state["progress"]["pixels"] == {"answered": 2, "correct": 1, "total": 5}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_snippet_of_every_section_runs_from_an_empty_folder(section, tmp_path):
    import os
    import subprocess
    import sys

    from ui.code import COLLECTED_KEY

    app = page_test(PAGE, timeout=300)
    app.session_state["section"] = section
    app.run()
    assert not problems(app)
    snippets = list(dict.fromkeys(app.session_state[COLLECTED_KEY]))
    assert snippets, f"{section} shows no code"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    for n, (title, code) in enumerate(snippets):
        folder = tmp_path / f"snippet-{n}"
        folder.mkdir()
        result = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, (section, title, result.stderr[-500:])


@pytest.mark.parametrize("section", SECTIONS)
def test_real_odd_and_degenerate_uploads_in_every_section(section):
    from test_real_uploads import real_and_odd_files
    from test_strange_uploads import degenerate

    app = page_test(PAGE, timeout=300)
    app.session_state["section"] = section
    app.run()
    failures = {}
    for name, data in {**real_and_odd_files(), **degenerate()}.items():
        upload(app, (name, data))
        if problems(app):
            failures[name] = problems(app)[0][:300]
        elif not (app.get("image") or app.error or app.warning or app.get("plotly_chart")):
            failures[name] = "neither a picture nor a message"
    assert failures == {}


def test_a_monochrome1_radiograph_is_shaded_low_values_white_in_zoom_bit_depth_and_noise(at):
    name = next(s.name for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file
    choose_sample(at, name)
    open_section(at, "Zoom")
    zoom = json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-px-zoom-figure")).proto.spec)
    scale = zoom["data"][0]["colorscale"]
    assert scale[0][1] in ("white", "#ffffff") and scale[-1][1] in ("black", "#000000")  # low values white
    assert "MONOCHROME1, low values white" in captions_text(at)
    open_section(at, "Bit depth")
    levels = {c: p for c, p in shown_pictures(at).items() if "levels from" in c}
    caption, = levels
    assert "levels from white (0) to black (255), shaded as the file says: MONOCHROME1" in caption
    assert brighter_where_low(levels[caption], samples.load(name).data) > 200  # level 0, the lowest values: white
    open_section(at, "Signal and noise")
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-px-regions"))
    source = json.loads(chart.proto.spec)["data"][0]["source"]  # the picture, a PNG
    shown = iio.imread(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))
    assert brighter_where_low(shown, samples.load(name).data) > 100  # the file's low values are bright on screen
    assert any("MONOCHROME1, low values white" in c.value for c in at.caption)
