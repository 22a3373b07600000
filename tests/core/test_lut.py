"""The value chain the DICOM way: Modality LUT or rescale, then VOI LUT or window, against pydicom's own functions."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from core import samples
from core.io import lut
from core.display import apply_window

MLUT = "LUT test: Modality LUT (IHE MESA mlut_18)"
VLUT = "LUT test: VOI LUT (IHE MESA vlut_04)"


def _dataset(name: str):
    return pydicom.dcmread(samples.info(name).path)


def test_apply_lut_clamps_below_and_above_the_table():
    table = lut.Lut(first=-2, table=np.array([5, 6, 7], dtype=np.uint16), bits=16, kind="Modality LUT")
    assert lut.apply_lut(np.array([[-9, -2], [-1, 0]]), table).tolist() == [[5, 5], [6, 7]]
    assert lut.apply_lut(np.array([1.7, 100.0]), table).tolist() == [7, 7]
    assert table.inputs.tolist() == [-2, -1, 0]


def test_modality_lut_of_mlut_18_matches_pydicom():
    ds = _dataset(MLUT)
    path = lut.display_path(ds)
    assert path.modality_step == "Modality LUT" and path.voi_step == "none"
    assert (path.modality_lut.first, len(path.modality_lut.table), path.modality_lut.bits) == (-2048, 4096, 16)
    expected = apply_modality_lut(ds.pixel_array, ds)
    ours = lut.modality_values(ds.pixel_array, path)
    assert ours.dtype == expected.dtype and np.array_equal(ours, expected)
    # the loaded volume's values are the LUT's output, its stored values the file's
    volume = samples.load(MLUT)
    assert np.array_equal(volume.data, expected) and np.array_equal(volume.stored, ds.pixel_array)
    assert not np.array_equal(expected.astype(np.int64), ds.pixel_array.astype(np.int64))  # the LUT does something


def test_voi_lut_of_vlut_04_matches_pydicom():
    ds = _dataset(VLUT)
    path = lut.display_path(ds)
    assert path.modality_step == "none" and path.voi_step == "VOI LUT"
    assert (path.voi_lut.first, len(path.voi_lut.table), path.voi_lut.bits) == (0, 256, 16)
    meaningful = lut.modality_values(ds.pixel_array, path)
    expected = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds)
    assert np.array_equal(lut.apply_lut(meaningful, path.voi_lut), expected)
    grey = lut.voi_grey(meaningful, path)
    assert grey.dtype == np.uint8
    assert np.array_equal(grey, np.rint(expected / 65535 * 255).astype(np.uint8))
    assert len(np.unique(grey)) > 100  # a real ramp, not a constant


def test_window_path_of_a_file_without_luts_is_the_courses_window():
    ds = _dataset("MR: shoulder 1024 × 1024 (pydicom-data MR2)")
    path = lut.display_path(ds)
    assert path.modality_step == "rescale" and path.voi_step == "window"
    assert path.window == (2000.0, 1000.0) and path.slope == pytest.approx(3.774114)
    values = lut.modality_values(ds.pixel_array, path)
    assert np.allclose(values, apply_modality_lut(ds.pixel_array, ds))
    grey = lut.voi_grey(values, path)
    assert np.array_equal(grey, apply_window(values, 2000.0, 1000.0))
    # pydicom's LINEAR windowing (PS3.3 C.11.2.1.2) onto 0-255 agrees to one grey level
    ds.BitsStored, ds.PixelRepresentation = 8, 0  # pydicom scales the window's output to the stored range
    del ds.RescaleSlope, ds.RescaleIntercept
    theirs = apply_voi_lut(values, ds)
    assert np.abs(theirs - grey.astype(float)).max() <= 1.0


def test_monochrome1_is_inverted_after_the_window():
    path = lut.DisplayPath(window=(100.0, 50.0), monochrome1=True)
    assert lut.voi_grey(np.array([0.0, 100.0]), path).tolist() == [255, 0]
    voi = lut.Lut(0, np.array([0, 65535], dtype=np.uint16), 16, "VOI LUT")
    assert lut.voi_grey(np.array([0, 1]), lut.DisplayPath(voi_lut=voi, monochrome1=True)).tolist() == [255, 0]


def test_chain_at_a_pixel_follows_the_lut_path():
    ds = _dataset(MLUT)
    path = lut.display_path(ds)
    stored = int(ds.pixel_array[256, 256])
    rows = lut.chain_at(stored, path, window=(4096.0, 2048.0))
    assert [row["stage"] for row in rows] == ["stored", "Modality LUT", "window", "grey"]
    assert rows[0]["value"] == stored
    assert rows[1]["value"] == float(apply_modality_lut(np.array([stored]), ds)[0])
    assert rows[3]["value"] == float(apply_window(np.array([rows[1]["value"]]), 4096.0, 2048.0)[0])

    vds = _dataset(VLUT)
    vpath = lut.display_path(vds)
    value = int(vds.pixel_array[100, 300])
    rows = lut.chain_at(value, vpath)
    assert [row["stage"] for row in rows] == ["stored", "modality (none)", "VOI LUT", "grey"]
    assert rows[2]["value"] == float(apply_voi_lut(np.array([value]), vds)[0])
    assert rows[3]["value"] == round(rows[2]["value"] / 65535 * 255)


def test_a_damaged_lut_falls_back_to_the_other_path():
    ds = _dataset(VLUT)
    ds.VOILUTSequence[0].LUTDescriptor = [256, 0]  # one value missing
    ds.WindowCenter, ds.WindowWidth = 128, 256
    path = lut.display_path(ds)
    assert path.voi_lut is None and path.voi_step == "window" and path.window == (256.0, 128.0)
