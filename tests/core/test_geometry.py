"""Never invented geometry: a file without a pixel size says so, a cine loop has frames, not slices."""

import numpy as np
from pydicom.data import get_testdata_file

from core import describe
from core.geometry import pixel_count_question
from core.io import load_image
from core.volume import Volume


def test_a_dicom_without_pixel_spacing_has_an_unknown_spacing_and_frames_in_time():
    volume = load_image(get_testdata_file("examples_ybr_color.dcm", download=False), "loop.dcm")
    assert volume.data.shape[0] == 30
    assert volume.spacing_known is False and volume.frame_axis == "frames"
    facts = describe.summary(volume)
    assert facts["voxel size (mm)"].startswith("unknown") and "frames" in facts["dimensions"]


def test_a_ct_slice_keeps_its_spacing_and_a_png_has_none():
    ct = load_image(get_testdata_file("CT_small.dcm", download=False), "ct.dcm")
    assert ct.spacing_known and ct.frame_axis == "slices"
    assert describe.summary(ct)["voxel size (mm)"] == "0.6615 × 0.6615"
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((4, 6), np.uint8)).save(buffer, "PNG")
    assert load_image(buffer.getvalue(), "a.png").spacing_known is False


def test_the_pixel_count_question_counts_one_frame():
    question = pixel_count_question(Volume(np.zeros((30, 240, 320, 3), np.uint8), (1.0, 1.0, 1.0), rgb=True,
                                           spacing_known=False, frame_axis="frames"))
    assert question.answer == 240 * 320 and "frame" in question.prompt and "mm³" not in question.prompt
