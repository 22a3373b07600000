"""The Loading page's numbers: summary, value chain, voxel-to-world."""

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core import describe, samples
from core.io import load_image
from core.orientation import voxel_to_world


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
