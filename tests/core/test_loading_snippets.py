"""The Loading page's "Show the code" snippets run as they are and print the page's numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from snippet_runs import run_here as run

from core.snippets import loading as snippets
from core import samples


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
    code = snippets.loading_snippet(volume, index, sample)
    assert "import core" not in code and "from core" not in code if sample.package else "mni_dicom_series" in code
    output = run(code)
    expected = np.atleast_1d(volume.data[index]).astype(float)
    assert np.allclose(printed_value(output), expected), output
    assert "shape" in output


def test_dicom_snippet_says_a_missing_pixel_spacing_is_unknown_not_1_mm(tmp_path, monkeypatch):
    import pydicom
    from pydicom.data import get_testdata_file

    from core.io import load_image

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    del ds.PixelSpacing
    path = tmp_path / "no_spacing.dcm"
    ds.save_as(path)
    volume = load_image(str(path))
    assert not volume.spacing_known
    volume.name = "no_spacing.dcm"  # an upload: the learner saves it next to the script
    monkeypatch.chdir(tmp_path)
    output = run(snippets.loading_snippet(volume, (3, 4)))
    line = next(line for line in output.splitlines() if line.startswith("pixel spacing"))
    assert "unknown" in line and "1.0" not in line
    assert np.allclose(printed_value(output), volume.data[3, 4])


@pytest.mark.parametrize("sample", [s for s in samples.SAMPLES if s.package], ids=lambda s: s.name)
def test_a_sample_is_found_by_the_library_that_ships_it(sample):
    namespace = {}
    exec(snippets.sample_path_code(sample), namespace)
    assert namespace["path"] == sample.path or __import__("os").path.samefile(namespace["path"], sample.path)
