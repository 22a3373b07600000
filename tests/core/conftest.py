"""Fixtures shared by the unit tests: the course's networks (Keras, a brain-slice set) and the EDA cohort."""

from __future__ import annotations

import pytest

from core import cnn, eda
from core.data.cohort import build_cohort
from core.data import labelled
from core.data import lesions


@pytest.fixture(scope="module")
def keras():
    """Keras as the course sets it up (`core.cnn.keras_module`), imported only by the tests that ask."""
    return cnn.keras_module()


@pytest.fixture(scope="module")
def brain_set():
    """240 generated 32 × 32 brain slices, half with a lesion, and a stratified quarter held out.

    Returns
    -------
    (LabelledImages, numpy.ndarray, numpy.ndarray)
        The images, and the indices of the training and held-out ones.
    """
    data = lesions.generate(240, size=32, seed=0)
    train, held = labelled.stratified_split(data.labels, 0.25, seed=0)
    return data, train, held


@pytest.fixture(scope="module")
def cohort():
    """Lesson 3's built-in dataset (`core.data.cohort.build_cohort`): its files and the answer key of its problems."""
    return build_cohort()


@pytest.fixture(scope="module")
def table(cohort):
    """The cohort's per-file table (`core.eda.file_table`)."""
    return eda.file_table(cohort.files)
