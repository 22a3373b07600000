"""ui.lut_chain.lut_chain_section driven by AppTest: the display path and a probed pixel's values through it."""

from __future__ import annotations

import base64
import json

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from streamlit.testing.v1 import AppTest

from core import samples

MLUT = "LUT test: Modality LUT (IHE MESA mlut_18)"
VLUT = "LUT test: VOI LUT (IHE MESA vlut_04)"
CT = "CT: chest slice (pydicom CT_small)"
PHANTOM = "Phantom: Shepp-Logan head (scikit-image)"


def section_script(name: str, index: tuple | None) -> None:
    """The section alone on a page, on one sample (the lesson passes its probe index, or None)."""
    from core import samples as sample_set
    from ui.lut_chain import lut_chain_section

    lut_chain_section(sample_set.load(name), index)


def run(name: str, index: tuple | None = None) -> AppTest:
    at = AppTest.from_function(section_script, args=(name, index), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chain(at: AppTest) -> dict[str, float]:
    assert len(at.table) == 1
    frame = at.table[0].value
    return dict(zip(frame["stage"], frame["value"].astype(float)))


def dataset(name: str):
    return pydicom.dcmread(samples.info(name).path)


def test_modality_lut_file_shows_the_lut_path_at_the_probed_pixel():
    at = run(MLUT)
    assert any("Modality LUT" in m.value for m in at.markdown)
    assert [n.label for n in at.number_input] == ["Row", "Column"]
    at.number_input[0].set_value(100).run()
    at.number_input[1].set_value(400).run()
    ds = dataset(MLUT)
    stored = int(ds.pixel_array[100, 400])
    values = chain(at)
    assert list(values) == ["stored", "Modality LUT", "window", "grey"]
    assert values["stored"] == stored
    assert values["Modality LUT"] == float(apply_modality_lut(ds.pixel_array, ds)[100, 400])


def test_voi_lut_file_shows_the_voi_lut_output_and_grey():
    ds = dataset(VLUT)
    at = run(VLUT, (300, 200))
    assert not at.number_input  # the lesson's probe is used: no second set of inputs
    values = chain(at)
    assert list(values) == ["stored", "modality (none)", "VOI LUT", "grey"]
    expected = float(apply_voi_lut(ds.pixel_array, ds)[300, 200])
    assert values["stored"] == float(ds.pixel_array[300, 200])
    assert values["VOI LUT"] == expected and values["grey"] == round(expected / 65535 * 255)


def trace_values(value) -> np.ndarray:
    """A trace's x or y as numbers: plotly sends numpy arrays as base64 ``bdata``."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def test_the_figure_draws_both_steps_and_the_image_is_described():
    ds = dataset(MLUT)
    at = run(MLUT, (256, 256))
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    names = [trace.get("name") for trace in spec["data"]]
    assert names[:2] == ["Modality LUT", "auto window"]  # mlut_18 has no VOI LUT nor window: the course's
    x, y = (trace_values(spec["data"][0][axis]) for axis in ("x", "y"))
    assert len(x) > 1000  # the table's entries, not a straight line
    assert np.array_equal(y, apply_modality_lut(x.astype(np.int64), ds).astype(float))
    probe = spec["data"][2]
    assert trace_values(probe["x"]).tolist() == [float(ds.pixel_array[256, 256])]
    assert charts[0].proto.alt.startswith("Display path: Modality LUT, then auto window")  # no VOI in the file
    assert "of 4096 values" in charts[0].proto.alt
    images = [img for element in at.get("image") for img in element.proto.imgs]
    assert len(images) == 1
    alt = images[0].alt
    assert "512 × 512 grey image" in alt and "Modality LUT" in alt


def test_a_ct_without_luts_takes_the_rescale_and_window_path():
    ds = dataset(CT)
    at = run(CT, (64, 64))
    values = chain(at)
    assert list(values) == ["stored", "rescale", "window", "grey"]
    assert values["rescale"] == float(apply_modality_lut(ds.pixel_array, ds)[64, 64])


def test_an_image_without_a_dicom_path_says_so():
    at = run(PHANTOM)
    assert not at.table and not at.get("plotly_chart")
    assert any("no DICOM display path" in info.value for info in at.info)


def test_an_enhanced_ct_takes_its_rescale_and_window_from_the_functional_groups():
    name = "CT: enhanced multi-frame, 2 slices (pydicom-data eCT)"
    ds = dataset(name)
    at = run(name)
    assert [n.label for n in at.number_input] == ["Slice", "Row", "Column"]
    at.number_input[0].set_value(1).run()
    values = chain(at)
    assert list(values) == ["stored", "rescale", "window", "grey"]
    stored = float(ds.pixel_array[1, 256, 256])
    assert values["stored"] == stored and values["rescale"] == stored - 1024
    assert any("width 102, level 49" in str(v) for v in at.table[0].value["how"])
