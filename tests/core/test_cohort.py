"""The built-in cohort: fake, varied, reproducible, two series, and each deliberate problem really there."""

import io

import numpy as np
import pydicom
import pytest

from core.data.cohort import PROBLEMS, build_cohort


@pytest.fixture(scope="module")
def datasets(cohort):
    return {name: pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True) for name, data in cohort.files}


def test_a_few_dozen_dicom_files_with_unique_names(cohort):
    names = [name for name, _ in cohort.files]
    assert 30 <= len(names) <= 60 and len(set(names)) == len(names)
    assert all(data[128:132] == b"DICM" for _, data in cohort.files)


def test_the_same_bytes_at_every_build(cohort):
    assert build_cohort().files == cohort.files


def test_metadata_is_plainly_fake_and_varied(datasets):
    values = list(datasets.values())
    assert all(str(ds.PatientName).startswith("FAKE^") and ds.PatientID.startswith("DEMO-") for ds in values)
    assert all("(fake)" in ds.Manufacturer for ds in values)
    assert {ds.PatientSex for ds in values} == {"F", "M"}
    assert len({ds.PatientAge for ds in values}) >= 10
    assert len({ds.Manufacturer for ds in values}) >= 3
    assert len({ds.AcquisitionDate for ds in values}) >= 10
    assert len({float(ds.SliceThickness) for ds in values if "SliceThickness" in ds}) >= 4
    assert len({float(ds.PixelSpacing[0]) for ds in values if "PixelSpacing" in ds}) >= 8


def test_two_series_of_several_slices_one_mr_one_ct(datasets):
    series = {}
    for ds in datasets.values():
        series.setdefault(ds.SeriesInstanceUID, []).append(ds.Modality)
    multi = sorted((len(m), m[0]) for m in series.values() if len(m) > 1)
    assert multi == [(8, "CT"), (13, "MR")]


def test_the_answer_key_names_existing_files_for_every_problem(cohort):
    names = {name for name, _ in cohort.files}
    assert set(cohort.problems) == set(PROBLEMS)
    assert cohort.problem_files <= names
    assert len(names - cohort.problem_files) >= 25  # most files are clean


def test_each_deliberate_problem_is_really_in_the_files(cohort, datasets):
    files, key = dict(cohort.files), cohort.problems

    def pixels(name):
        return pydicom.dcmread(io.BytesIO(files[name])).pixel_array

    with pytest.raises(Exception):
        pixels(key["unreadable"][0])
    assert not pixels(key["constant"][0]).any()
    t2 = pixels(key["non-finite"][0])
    assert t2.dtype == np.float32 and 0.3 < np.isnan(t2).mean() < 0.9
    assert datasets[key["modality"][0]].Modality == "OT"
    first, second = key["duplicates"]
    assert np.array_equal(pixels(first), pixels(second))
    assert datasets[first].SOPInstanceUID != datasets[second].SOPInstanceUID
    assert [float(v) for v in datasets[key["spacing"][0]].PixelSpacing] == [2.5, 2.5]
    saturated = pixels(key["saturation"][0])
    assert (saturated == saturated.max()).mean() > 0.05
    assert [float(v) for v in datasets[key["orientation"][0]].ImageOrientationPatient][:3] == [-1, 0, 0]
    before, after = (float(datasets[n].ImagePositionPatient[2]) for n in key["slice positions"])
    assert after - before == pytest.approx(12.0)  # two steps of 6 mm: one slice missing


def test_the_lecture_image_is_a_clean_mr_slice(cohort, datasets):
    from core.data.cohort import LECTURE_IMAGE

    assert LECTURE_IMAGE in datasets and LECTURE_IMAGE not in cohort.problem_files
    assert datasets[LECTURE_IMAGE].Modality == "MR"


def test_the_exploring_presets_name_the_cohort_s_files_and_the_lecture_s_noise(cohort):
    """The lecture presets are data (assets/course/exploring.toml): they must still name what the cohort holds."""
    from core import eda
    from core.data.cohort import LECTURE_IMAGE
    from core.text.course_text import load_lesson
    from core.io import load_image

    presets = {p.label: p.settings for p in load_lesson("exploring").presets}
    figure = presets["Original vs noisy copy"]
    assert figure["eda_hist_image"] == LECTURE_IMAGE and figure["eda_compare"] == "a noisy copy"
    lecture = load_image(dict(cohort.files)[LECTURE_IMAGE], LECTURE_IMAGE).data
    assert figure["eda_sigma"] == float(f"{eda.noise_scale(lecture) / 5:.2g}")  # a fifth of the slider's range
    assert presets["Clipped values"]["eda_hist_image"] == cohort.problems["saturation"][0]
    assert presets["Very noisy image"]["eda_hist_image"] == cohort.problems["low SNR"][0]
    assert presets["Very noisy image"]["eda_other"] == LECTURE_IMAGE
