"""The case study's simulation, registration step and comparison, and its "Show the code" snippets."""

from __future__ import annotations

import re

import numpy as np
import pytest
from snippet_runs import run_script

from core import case_study as cs
from core.snippets.case_study import cnn_snippet, registration_snippet, subject_snippet
from core.registration import ncc, register

FAST = dict(n=24, atrophy_mm=6.0, motion=1.0, epochs=12, size=48, seed=0)
"""A small configuration where registration must raise the accuracy (checked once, below)."""


@pytest.fixture(scope="module")
def anatomy() -> cs.Anatomy:
    return cs.load_anatomy()


def run(code: str) -> str:
    """Run a snippet in a fresh interpreter, as a learner would, and return what it printed."""
    return run_script(code, TF_CPP_MIN_LOG_LEVEL="3")


def numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.?\d*", text)]


def test_the_template_slice_has_two_lateral_ventricles_of_known_area(anatomy):
    assert anatomy.t1.shape == (204, 204)
    assert int(anatomy.ventricles.sum()) == 1164          # mm² at 1 mm per pixel
    from scipy import ndimage as ndi
    assert ndi.label(anatomy.ventricles)[1] == 2
    assert anatomy.csf < anatomy.t1[anatomy.grey].mean() < anatomy.t1[anatomy.white].mean()


def test_atrophy_enlarges_the_ventricles_and_thins_the_cortex_inside_the_same_head(anatomy):
    same, ventricles = cs.atrophy(anatomy, 0, 0)
    np.testing.assert_array_equal(same, anatomy.t1)
    assert ventricles.sum() == anatomy.ventricles.sum()
    areas = [int(cs.atrophy(anatomy, r, 0)[1].sum()) for r in (1, 3, 6)]
    assert anatomy.ventricles.sum() < areas[0] < areas[1] < areas[2]
    thin, _ = cs.atrophy(anatomy, 0, 2)
    lost = thin != anatomy.t1
    assert lost.sum() > 1000 and np.all(anatomy.grey[lost])         # only grey matter is lost
    np.testing.assert_allclose(thin[lost], anatomy.csf)
    assert np.array_equal(thin > 0.05, anatomy.t1 > 0.05)           # the head keeps its outline


def test_move_shifts_rotates_and_scales_about_the_centre():
    a = np.zeros((21, 21))
    a[10, 15] = 1.0
    assert np.unravel_index(cs.move(a, cs.Motion(shift_mm=(2.0, -3.0))).argmax(), a.shape) == (12, 12)
    assert np.unravel_index(cs.move(a, cs.Motion(angle_deg=90.0)).argmax(), a.shape) == (5, 10)  # anticlockwise
    assert np.unravel_index(cs.move(a, cs.Motion(scale=1.6)).argmax(), a.shape) == (10, 18)


def test_simulate_is_balanced_reproducible_and_independent_of_the_cohort_size(anatomy):
    cohort = cs.simulate(10, 4.0, 1.0, 40, seed=3, anatomy=anatomy)
    assert cohort.images.shape == (10, 40, 40) and cohort.images.dtype == np.float32
    assert cohort.labels.sum() == 5 and 0 <= cohort.images.min() and cohort.images.max() <= 1
    assert cohort.mm_per_pixel == pytest.approx(204 / 40)
    again = cs.simulate(10, 4.0, 1.0, 40, seed=3, anatomy=anatomy)
    np.testing.assert_array_equal(cohort.images, again.images)
    assert cohort.ventricle_mm2[cohort.labels == 1].min() > cohort.ventricle_mm2[cohort.labels == 0].max()
    bigger = cs.simulate(12, 4.0, 1.0, 40, seed=3, anatomy=anatomy)
    first = lambda c, g: c.images[np.flatnonzero(c.labels == g)]
    assert any(np.array_equal(first(cohort, 1)[0], x) for x in first(bigger, 1))


def test_without_motion_every_subject_lies_like_the_template(anatomy):
    cohort = cs.simulate(6, 0.0, 0.0, 48, seed=0, anatomy=anatomy)
    assert all(m == cs.Motion() for m in cohort.motions)
    assert min(ncc(cohort.template, x) for x in cohort.images) > 0.97
    with pytest.raises(ValueError, match="at least 4"):
        cs.simulate(3, anatomy=anatomy)


def test_registration_brings_every_subject_onto_the_template(anatomy):
    cohort = cs.simulate(6, 4.0, 1.0, 48, seed=0, anatomy=anatomy)
    registered, seconds = cs.register_cohort(cohort)
    before = [ncc(cohort.template, x) for x in cohort.images]
    after = [ncc(cohort.template, x) for x in registered]
    assert np.mean(before) < 0.9 < 0.97 < min(after)
    assert registered.shape == cohort.images.shape and np.all(seconds > 0)


def test_split_holds_out_the_same_share_of_each_group():
    labels = np.array([0] * 10 + [1] * 10)
    train, test = cs.split(labels, 0.3, seed=1)
    assert len(test) == 6 and labels[test].sum() == 3
    assert set(train) | set(test) == set(range(20)) and not set(train) & set(test)


def test_registration_raises_the_accuracy_in_a_small_fast_case(anatomy):
    steps = []
    result = cs.run(**FAST, anatomy=anatomy, progress=lambda f, m: steps.append(f))
    assert result.with_registration.accuracy > result.without_registration.accuracy
    assert result.with_registration.accuracy >= 0.85
    assert len(result.with_registration.val_accuracy) == FAST["epochs"]
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    assert result.seconds_per_subject == pytest.approx(np.median(result.register_seconds)
                                                       + result.with_registration.predict_seconds)
    assert result.with_registration.confusion.sum() == len(result.test) == 8


def test_subject_snippet_prints_the_ventricle_area_core_computes(anatomy):
    ventricle_mm, cortex_mm, motion = cs.subject_plan(1, 4.0, 1.0, np.random.default_rng([0, 1, 0]))
    out = run(subject_snippet(ventricle_mm, cortex_mm, motion))
    image, ventricles = cs.atrophy(anatomy, ventricle_mm, cortex_mm)
    lost_grey = int(((image != anatomy.t1) & anatomy.grey).sum())
    assert numbers(out) == [2.0, int(anatomy.ventricles.sum()), int(ventricles.sum()), lost_grey]


def test_registration_snippet_matches_core_register(anatomy):
    cohort = cs.simulate(6, 4.0, 1.0, 48, seed=0, anatomy=anatomy)
    out = run(registration_snippet(6, 4.0, 1.0, 48, 0, 1))
    result = register(cohort.template, cohort.images[1], "affine", "correlation", spacing=(cohort.mm_per_pixel,) * 2,
                      levels=2, iterations=60, sampling=0.5, seed=1)
    before, after, scale = numbers(out)
    assert before == pytest.approx(ncc(cohort.template, cohort.images[1]), abs=1e-3)
    assert after == pytest.approx(ncc(cohort.template, result.registered), abs=2e-3)
    assert scale == pytest.approx(result.parameters["scale"], abs=2e-3)


def test_cnn_snippet_runs_and_prints_both_accuracies():
    out = run(cnn_snippet(8, 6.0, 1.0, 32, 0, 1))
    assert re.findall(r"(with|without) registration accuracy", out) == ["with", "without"]
    assert all(0 <= v <= 1 for v in numbers(out))


def test_the_gain_question_is_computed_from_the_run():
    from types import SimpleNamespace

    result = SimpleNamespace(with_registration=SimpleNamespace(accuracy=0.75),
                             without_registration=SimpleNamespace(accuracy=0.5))
    question = cs.gain_question(result)
    assert question.answer == 25 and question.tolerance == 1.0 and question.numeric
    assert question.explanation == "75 % − 50 % = 25 points."
