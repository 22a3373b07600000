"""The Loading page's numbers: summary, value chain, voxel-to-world."""

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core import describe, samples
from core.io import load_image
from core.io.orientation import voxel_to_world


def test_value_chain_of_ct_small_follows_the_modality_lut():
    volume = load_image(get_testdata_file("CT_small.dcm"))
    chain = describe.value_chain(volume, (64, 64), width=400, level=40)
    stored = int(volume.stored[64, 64])
    assert chain["stored"] == stored and chain["slope"] == 1 and chain["intercept"] == -1024
    assert chain["physical"] == stored - 1024
    expected_grey = int(np.clip(round((stored - 1024 - (40 - 200)) / 400 * 255), 0, 255))
    assert abs(chain["grey"] - expected_grey) <= 1


def test_summary_reports_bits_stored_and_both_value_ranges():
    volume = load_image(get_testdata_file("CT_small.dcm"))
    facts = describe.summary(volume)
    assert facts["bit depth (stored)"] == "16 bits"
    assert facts["physical values"] == "-896 to 1167" and facts["stored values"] == "128 to 2191"
    assert facts["format"] == "DICOM" and facts["modality"] == "CT"
    # a single slice: its first axis code is the slice's normal, not an axis of the array
    assert facts["orientation shown"] == "SPL (the slice's normal, then its rows and columns)"
    assert describe.summary(samples.load(samples.SAMPLES[2].name))["orientation shown"] == "SPL (slice, row, col)"


def test_file_index_and_affine_steps_agree_with_nibabel():
    volume = samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    index = (12, 20, 10)
    own = describe.file_index(volume, index)
    world = voxel_to_world(volume.affine, index)
    assert np.allclose(volume.file_affine @ [*own, 1], [*world, 1])
    steps = describe.affine_steps(volume.file_affine, own)
    assert steps["mm"].tolist() == pytest.approx(list(world))


def test_header_table_search_is_case_insensitive_on_names_and_values():
    table = describe.header_table({"PixelSpacing": "[0.5, 0.5]", "Modality": "CT", "Rows": "128"}, "ct")
    assert table["field"].tolist() == ["Modality"]
    assert len(describe.header_table({"a": "1", "b": "2"})) == 2


def test_the_probe_starts_in_the_middle_of_every_axis_and_the_first_time_point():
    four_d = samples.load("fMRI 4D: time series (nibabel example4d.nii.gz)")
    assert describe.probe_axes(four_d) == ("time", "slice", "row", "column")
    assert describe.probe_limits(four_d) == four_d.data.shape
    assert describe.centre_index(four_d) == (0, *(n // 2 for n in four_d.data.shape[1:]))
    photo = samples.load("Photo: retina fundus (scikit-image)")  # colour: the channels are not an axis
    assert describe.probe_axes(photo) == ("row", "column") and describe.probe_limits(photo) == photo.data.shape[:2]


def test_the_chain_window_is_ct_soft_tissue_else_the_percentiles():
    ct = load_image(get_testdata_file("CT_small.dcm"))
    assert describe.chain_window(ct, ct.data) == (400.0, 40.0)
    mr = load_image(get_testdata_file("MR_small.dcm"))
    p1, p99 = np.percentile(mr.data, [1, 99])
    width, level = describe.chain_window(mr, mr.data)
    assert width == pytest.approx(p99 - p1) and level == pytest.approx((p1 + p99) / 2)


def test_the_headline_shows_an_unknown_voxel_size_as_unknown():
    ct = load_image(get_testdata_file("CT_small.dcm"))
    assert describe.headline(ct, describe.summary(ct)) == {
        "Format": "DICOM", "Dimensions": "2D", "Data type": str(ct.data.dtype), "Bit depth (stored)": "16 bits",
        "Voxel size (mm)": "0.6615 × 0.6615"}  # as the table below it says
    ct.spacing_known = False
    assert describe.headline(ct, describe.summary(ct))["Voxel size (mm)"] == "unknown"
