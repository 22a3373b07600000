"""The Loading page's "Show the code" snippets run as they are and print the page's numbers."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest

from core import samples, snippets

SERIES_CODE = "from core.samples import mni_dicom_series\nfiles = mni_dicom_series()"


def run(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def printed_value(output: str) -> np.ndarray:
    line = next(line for line in output.splitlines() if line.startswith("physical value"))
    return np.array([float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", line.removeprefix("physical value"))])


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.name)
def test_snippet_prints_the_probed_value(sample):
    volume = samples.load(sample.name)
    spatial = volume.spatial_shape
    index = tuple(n // 2 for n in spatial)
    if volume.is_4d:
        index = (1, *index)
    code = snippets.loading_snippet(volume, index, sample.path_code if sample.package else None,
                                    None if sample.package else SERIES_CODE)
    output = run(code)
    expected = np.atleast_1d(volume.data[index]).astype(float)
    assert np.allclose(printed_value(output), expected), output
    assert "shape" in output
