"""The self-check questions of lessons 2 and 3 computed from the learner's image and dataset: right answers."""

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core import eda, samples
from core.questions.exploring import at_max_question, unreadable_question
from core.io import load_image
from core.questions.loading import physical_value_question, voxel_size_question
from core.questions.selfcheck import is_correct


def test_the_physical_value_question_is_answered_by_stored_times_slope_plus_intercept():
    ct = load_image(get_testdata_file("CT_small.dcm"))
    question = physical_value_question(ct, (10, 20))
    assert question.answer == float(ct.stored[10, 20]) - 1024 == float(ct.data[10, 20])
    assert is_correct(question, question.answer) and not is_correct(question, float(ct.stored[10, 20]))
    photo = samples.load("Photo: retina fundus (scikit-image)")
    assert physical_value_question(photo, (700, 700)).answer == 3.0


def test_a_modality_lut_file_s_chain_and_question_name_its_table_not_a_slope():
    from core.describe import value_chain

    volume = samples.load("LUT test: Modality LUT (IHE MESA mlut_18)")
    index = tuple(s // 2 for s in volume.data.shape)
    chain = value_chain(volume, index, 1.0, 0.0)
    assert chain["lut"] and (chain["slope"], chain["intercept"]) == (1.0, 0.0)
    assert chain["physical"] != chain["stored"]  # the table changed the value: no "× 1 + 0" could explain it
    question = physical_value_question(volume, index)
    assert question.choices[question.answer] == "a Modality LUT (a table)"
    assert not value_chain(samples.load(samples.DEFAULT), (0, 0), 1.0, 0.0)["lut"]


def test_the_voxel_size_question_multiplies_the_spacings_or_counts_pixels_when_they_are_unknown():
    head = samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    question = voxel_size_question(head)
    assert question.answer == pytest.approx(float(np.prod(head.spacing))) and "mm³" in question.prompt
    ct = load_image(get_testdata_file("CT_small.dcm"))
    ct.spacing_known = False
    counted = voxel_size_question(ct)
    assert counted.answer == 128 * 128 and "mm" not in counted.explanation


def test_the_unreadable_question_counts_the_files_that_cannot_be_read(table):
    question = unreadable_question(table)
    assert question.answer == int((~table["readable"]).sum()) >= 1


def test_the_at_max_question_asks_about_the_most_saturated_file(table, cohort):
    question = at_max_question(table)
    name = cohort.problems["saturation"][0]
    assert name in question.prompt
    share = eda.percent_at_max(load_image(dict(cohort.files)[name], name).data)
    assert question.answer == pytest.approx(share) and is_correct(question, round(share, 2))
    assert at_max_question(table[~table["readable"]]) is None  # nothing readable: nothing to ask
