"""Header fields that can identify a person stay hidden by default: NIfTI free text, ANALYZE originator, old ages."""

from __future__ import annotations

import io

import nibabel as nib
import numpy as np
import pydicom
from pydicom.data import get_testdata_file

from core import describe
from core.io import load_image, load_series
from core.io.phi import REDACTED

SECRET = "Jane Roe MRN 12345"


def _shown(volume) -> str:
    table = describe.header_table(volume.metadata, "")
    return " ".join(map(str, table.to_numpy().ravel()))


def test_nifti_intent_name_and_data_type_are_hidden_until_the_opt_in():
    image = nib.Nifti1Image(np.arange(24, dtype=np.int16).reshape(2, 3, 4), np.eye(4))
    image.header["intent_name"] = SECRET[:16].encode()
    image.header["data_type"] = b"MRN 12345"
    volume = load_image(image.to_bytes(), "head.nii")
    assert volume.metadata["intent_name"] == REDACTED and volume.metadata["data_type"] == REDACTED
    assert "MRN" not in _shown(volume) and "Jane" not in _shown(volume)
    assert "Jane" in str(volume.hidden_metadata["intent_name"])  # the opt-in still shows the learner's own file


def test_analyze_originator_is_hidden():
    image = nib.AnalyzeImage(np.arange(24, dtype=np.int16).reshape(2, 3, 4), np.eye(4))
    image.header["originator"] = b"JaneRoe123"
    header, pixels = io.BytesIO(), io.BytesIO()
    image.header.write_to(header)
    pixels.write(np.asarray(image.dataobj).astype(image.header.get_data_dtype()).tobytes(order="F"))
    volume = load_series([("p.hdr", header.getvalue()), ("p.img", pixels.getvalue())])
    assert volume.metadata.get("origin", volume.metadata.get("originator")) == REDACTED  # nibabel reads it as SPM's
    shown = _shown(volume)
    assert "JaneRoe" not in shown and str(list(np.frombuffer(b"JaneRoe123", "<i2")))[1:-1] not in shown


def test_a_patient_age_over_89_is_shown_as_90_on_loading():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientAge = "095Y"
    buffer = io.BytesIO()
    ds.save_as(buffer)
    volume = load_image(buffer.getvalue(), "old.dcm")
    assert volume.metadata["PatientAge"] == "090Y"
    assert "095Y" not in _shown(volume)
    assert volume.hidden_metadata["PatientAge"] == "095Y"
    ds.PatientAge = "054Y"
    buffer = io.BytesIO()
    ds.save_as(buffer)
    assert load_image(buffer.getvalue(), "young.dcm").metadata["PatientAge"] == "054Y"
