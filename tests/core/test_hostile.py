"""The loaders refuse hostile or broken input cleanly and within a memory bound.

Every case of the corpus in ``hostile.py`` must raise ``ImageLoadError`` (and
nothing else) with a short, plain message, and must not allocate more than
``PEAK_LIMIT`` while doing so: bombs are refused from their headers, before
anything is decoded. The well-formed files the corpus is derived from must
still load, so these tests check refusals rather than a loader that refuses
everything.
"""

from __future__ import annotations

import tracemalloc
from contextlib import contextmanager

import numpy as np
import pytest

from core import io as core_io
from core.io import ImageLoadError, load_image, load_series
from core.volume import Volume

try:  # tests/ laid out as packages
    from .hostile import HostileCase, controls, corpus
except ImportError:  # pytest's default rootdir-less import of this folder
    from hostile import HostileCase, controls, corpus

MiB = 1024**2
PEAK_LIMIT = 300 * MiB
MAX_MESSAGE = 400
# Tracebacks, machine paths, and object reprs such as "<_io.BytesIO object at 0x7f...>".
FORBIDDEN_IN_MESSAGE = ("Traceback", "/work/", "site-packages", "/tmp/", "object at 0x")

CASES = corpus()
CONTROLS = controls()

# Number of values a correct loader returns for some controls (any axis order).
EXPECTED_SIZE = {
    "CT_small.dcm": 128 * 128,
    "MR_small_RLE.dcm": 64 * 64,
    "JPEG2000.dcm": 1024 * 256,
    "image_dfl.dcm": 512 * 512,
    "anatomical.nii": 33 * 41 * 25,
    "anatomical_le.nii.gz": 33 * 41 * 25,
    "camera.png": 512 * 512,
    "rocket.jpg": 427 * 640 * 3,
    "multipage.tif": 2 * 15 * 10,
    "mr_series": 3 * 64 * 64,
    "mr_series.zip": 3 * 64 * 64,
    "analyze_pair": 33 * 41 * 25,
    "analyze_pair.zip": 33 * 41 * 25,
}


def _load(case: HostileCase):
    if isinstance(case.data, list):
        return load_series(case.data)
    return load_image(case.data, filename=case.filename)


@contextmanager
def _traced_peak():
    """Yield a dict whose "peak" is the traced allocation peak of the block."""
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    result = {"peak": 0}
    try:
        yield result
    finally:
        result["peak"] = tracemalloc.get_traced_memory()[1] - baseline
        if started_here:
            tracemalloc.stop()


def test_corpus_is_large_and_names_are_unique():
    names = [case.name for case in CASES]
    assert len(CASES) >= 40
    assert len(names) == len(set(names))
    for case in CASES:
        assert case.why.strip(), case.name
        assert isinstance(case.data, (bytes, list)), case.name


def test_budget_is_stated():
    assert core_io.MAX_DECODED_BYTES == 512 * MiB


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_cleanly(case: HostileCase):
    with _traced_peak() as traced:
        with pytest.raises(ImageLoadError) as excinfo:
            _load(case)

    message = str(excinfo.value)
    assert message.strip(), f"{case.name}: empty message ({case.why})"
    assert len(message) < MAX_MESSAGE, f"{case.name}: {len(message)} characters: {message!r}"
    for fragment in FORBIDDEN_IN_MESSAGE:
        assert fragment not in message, f"{case.name}: message contains {fragment!r}: {message!r}"
    assert traced["peak"] < PEAK_LIMIT, (
        f"{case.name}: peak traced memory {traced['peak'] / MiB:.0f} MiB ({case.why})"
    )


@pytest.mark.parametrize("name", ["series_mixed", "zip_mixed_series"])
def test_mixed_series_message_says_so(name: str):
    case = next(c for c in CASES if c.name == name)
    with pytest.raises(ImageLoadError, match="(?i)series"):
        _load(case)


@pytest.mark.parametrize("case", CONTROLS, ids=[case.name for case in CONTROLS])
def test_base_files_of_the_corpus_load(case: HostileCase):
    volume = _load(case)
    assert isinstance(volume, Volume)
    data = np.asarray(volume.data)
    # core.volume.Volume: 2D grey or colour, 3D grey or colour, 4D grey
    assert 2 <= data.ndim <= 4
    assert data.size > 0
    if case.name in EXPECTED_SIZE:
        assert data.size == EXPECTED_SIZE[case.name]
