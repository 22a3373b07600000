"""Every lesson survives strange uploads: each ends in a picture or a clear message, never an exception.

Two kinds of strange: hostile files the loader must refuse (the corpus of
tests/core/hostile.py, all of it through the shared picker on the Loading
page, a sample of it on every other page), and degenerate images that load
but break naive code (constant, NaN, 1 × 1, one slice, negative only...).
After each upload the page must still work with a good image.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from harness import page_test, problems, upload
from upload_files import nifti, png, tiff

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from hostile import corpus  # noqa: E402

LESSONS = ["lessons/pixels.py", "lessons/loading.py", "lessons/exploring.py", "lessons/preparing.py",
           "lessons/unsupervised.py", "lessons/supervised.py", "lessons/case_study.py"]
GOOD = ("CT_small.dcm", Path(get_testdata_file("CT_small.dcm")).read_bytes())
HOSTILE = [case for case in corpus() if not isinstance(case.data, list)]
SAMPLED = HOSTILE[:: max(1, len(HOSTILE) // 8)]


def degenerate() -> dict[str, bytes]:
    ramp = np.linspace(-1, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    with_nan = ramp.copy()
    with_nan[10:20, 10:20] = np.nan
    with_inf = ramp.copy()
    with_inf[0, 0], with_inf[1, 1] = np.inf, -np.inf
    return {
        "constant.png": png(np.full((64, 64), 7, np.uint8)),
        "one_pixel.png": png(np.array([[200]], np.uint8)),
        "one_row.png": png(np.arange(50, dtype=np.uint8)[None, :]),
        "binary_1bit.png": png((ramp > 0)),
        "nan.tif": tiff(with_nan),
        "inf.tif": tiff(with_inf),
        "all_nan.tif": tiff(np.full((16, 16), np.nan, np.float32)),
        "negative_only.tif": tiff(-1000.0 - 50 * np.abs(ramp)),
        "single_slice.nii": nifti(np.random.default_rng(0).integers(0, 100, (32, 32, 1)).astype(np.int16)),
        "constant_volume.nii": nifti(np.zeros((8, 8, 8), np.int16)),
        "two_slices.nii": nifti(np.random.default_rng(1).random((20, 24, 2)).astype(np.float32)),
    }


def after_upload_the_page_still_works(at) -> None:
    assert not problems(at)
    upload(at, GOOD)
    assert not problems(at)
    assert not any("could not be loaded" in e.value for e in at.error)


def test_the_whole_hostile_corpus_through_the_picker():
    at = page_test("lessons/loading.py")
    at.run()
    failures = []
    for case in HOSTILE:
        upload(at, (case.filename, case.data))
        if problems(at) or not any("could not be loaded" in e.value for e in at.error):
            failures.append(case.name)
    assert failures == []
    after_upload_the_page_still_works(at)


@pytest.mark.parametrize("lesson", [p for p in LESSONS if p != "lessons/loading.py"])
def test_a_sample_of_the_hostile_corpus_on_every_lesson(lesson):
    at = page_test(lesson, timeout=300)
    at.run()
    for case in SAMPLED:
        upload(at, (case.filename, case.data))
        assert not problems(at), (case.name, problems(at))
        assert at.error, case.name  # the picker's message, in the sidebar and on lessons that use the image
    after_upload_the_page_still_works(at)


@pytest.mark.parametrize("lesson", LESSONS)
def test_degenerate_images_give_a_picture_or_a_message(lesson):
    at = page_test(lesson, timeout=300)
    at.run()
    failures = []
    for name, data in degenerate().items():
        upload(at, (name, data))
        if problems(at):
            failures.append(name)
    assert failures == []
    after_upload_the_page_still_works(at)
