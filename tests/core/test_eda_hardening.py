"""Exploring: one decoded budget for a session's whole set, and header values as text in its charts."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from core import eda
from core.io.errors import MAX_DECODED_BYTES, ImageLoadError


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_budget_is_the_whole_sets_not_each_zips():
    rng = np.random.default_rng(0)
    uploads = [(f"part{k}.zip", _zip({f"f{k}.bin": rng.bytes(300_000)})) for k in range(4)]
    assert len(eda.expand_zips(uploads[:3], budget=1_000_000)) == 3  # 900 kB: within
    with pytest.raises(ImageLoadError, match="more than 976.6 KiB once unpacked, the most a session's set may hold"):
        eda.expand_zips(uploads, budget=1_000_000)  # each zip alone is within; the four together are not
    with pytest.raises(ImageLoadError, match="once unpacked"):
        eda.expand_zips([*uploads[:3], ("loose.bin", rng.bytes(200_000))], budget=1_000_000)


def test_the_sets_budget_is_the_per_file_budget_by_default():
    assert eda.MAX_SET_BYTES == MAX_DECODED_BYTES
    assert eda.expand_zips.__defaults__ == (eda.MAX_SET_BYTES,)


def test_header_values_and_names_are_text_in_the_charts():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Modality = '<a href="http://host.invalid/phish">CT</a>'
    ds.PatientSex = "<b>M</b>"
    buffer = io.BytesIO()
    ds.save_as(buffer)
    name = "<a href='http://host.invalid/f'>f</a>.dcm"
    table = eda.file_table([(name, buffer.getvalue()), ("b.dcm", buffer.getvalue())])
    figures = [*eda.overview_figures(table).values(), eda.snr_figure(table)]
    histogram = eda.histogram_figure([(name, eda.intensity_histogram(np.arange(10.0), 4, (0, 10)), {})])
    for figure in [*figures, histogram]:
        text = figure.to_json()
        assert "<a href" not in text and "<b>M" not in text
    assert "&lt;a href=" in "".join(f.to_json() for f in figures)  # the value is still there, as text
