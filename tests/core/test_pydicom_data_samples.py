"""The samples from pydicom-data: real radiographs, a large MR, ultrasound, an enhanced CT and LUT test files.

Every one loads offline (sockets blocked) with the shape, type, bit depth and
geometry its header records: a pixel size where the file has one, "unknown"
where it has none (never an invented 1 mm).
"""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

from core import samples
from core.describe import bit_depth


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# name, shape, dtype, bits stored, spacing (None = unknown), frame axis, rgb, MONOCHROME1, modality step, VOI step
EXPECTED = [
    ("X-ray: chest radiograph (pydicom-data RG1)", (1955, 1841), np.uint16, 15, None, "slices", False, True,
     "none", "window"),
    ("X-ray: tibia radiograph (pydicom-data RG3)", (1760, 1760), np.uint16, 10, None, "slices", False, True,
     "none", "window"),
    ("MR: shoulder 1024 × 1024 (pydicom-data MR2)", (1024, 1024), np.float32, 12, (0.195313, 0.195313), "slices",
     False, False, "rescale", "window"),
    ("Ultrasound: colour image (pydicom-data US1)", (480, 640, 3), np.uint8, 8, None, "slices", True, False,
     None, None),
    ("Ultrasound: dual B-mode, 16-bit palette (pydicom-data ALOKA)", (480, 640, 3), np.uint8, 16, None, "slices",
     True, False, None, None),
    ("CT: enhanced multi-frame, 2 slices (pydicom-data eCT)", (2, 512, 512), np.int16, 16, (10.0, 0.388672, 0.388672),
     "slices", False, False, "rescale", "window"),
    ("LUT test: Modality LUT (IHE MESA mlut_18)", (512, 512), np.uint16, 12, None, "slices", False, False,
     "Modality LUT", "none"),
    ("LUT test: VOI LUT (IHE MESA vlut_04)", (512, 512), np.uint8, 8, None, "slices", False, False,
     "none", "VOI LUT"),
]


@pytest.mark.parametrize("name, shape, dtype, bits, spacing, frame_axis, rgb, mono1, modality_step, voi_step",
                         EXPECTED, ids=[row[0].split("(")[-1].rstrip(")") for row in EXPECTED])
def test_sample_loads_offline_with_its_true_geometry(no_network, name, shape, dtype, bits, spacing, frame_axis, rgb,
                                                     mono1, modality_step, voi_step):
    volume = samples.load(name)
    assert volume.name == name and volume.source_format == "DICOM"
    assert volume.data.shape == shape and volume.data.dtype == dtype
    assert bit_depth(volume) == bits
    assert volume.spacing_known is (spacing is not None)
    if spacing is not None:
        assert volume.spacing == pytest.approx(spacing, rel=1e-6)
    assert volume.frame_axis == frame_axis and volume.rgb is rgb and volume.monochrome1 is mono1
    assert volume.low_values_white is (mono1 and not rgb)  # its pictures: low values white when the file asks
    if modality_step is None:
        assert volume.display_path is None  # colour: no rescale, no window
    else:
        assert (volume.display_path.modality_step, volume.display_path.voi_step) == (modality_step, voi_step)
    info = samples.info(name)
    assert info.package == "data_store" and "pydicom-data" in info.provenance + info.licence


def test_the_new_samples_are_all_listed_and_checked():
    listed = [s.name for s in samples.SAMPLES if s.package == "data_store"]
    assert listed == [row[0] for row in EXPECTED]


def test_enhanced_ct_takes_rescale_and_slice_distance_from_its_functional_groups():
    import pydicom

    volume = samples.load("CT: enhanced multi-frame, 2 slices (pydicom-data eCT)")
    raw = pydicom.dcmread(samples.info(volume.name).path).pixel_array
    assert np.array_equal(volume.stored, raw)
    assert np.array_equal(volume.data, raw.astype(np.int32) - 1024)  # Pixel Value Transformation: intercept -1024
    assert volume.display_path.window == (102.0, 49.0)  # Frame VOI LUT functional group


def test_mr2_rescale_matches_pydicom():
    import pydicom
    from pydicom.pixels import apply_modality_lut

    volume = samples.load("MR: shoulder 1024 × 1024 (pydicom-data MR2)")
    ds = pydicom.dcmread(samples.info(volume.name).path)
    assert np.allclose(volume.data, apply_modality_lut(ds.pixel_array, ds), rtol=1e-6, atol=1e-3)


def test_pydicom_finds_the_files_offline_where_the_samples_point(no_network):
    from pydicom.data import get_testdata_file

    for sample in samples.SAMPLES:
        if sample.package == "data_store":
            found = get_testdata_file(sample.file, download=True)  # would download if pydicom-data were missing
            assert found is not None and os.path.samefile(found, sample.path)


def test_listing_the_samples_reads_no_file(monkeypatch):
    import builtins
    import io as io_module

    def refuse(*args, **kwargs):
        raise AssertionError(f"a file was opened while listing samples: {args[:1]}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(io_module, "open", refuse)
    names = samples.names()
    assert "X-ray: chest radiograph (pydicom-data RG1)" in names
    assert all(samples.info(name).provenance for name in names)


def test_frames_rescaled_differently_are_each_rescaled_with_their_own():
    import copy
    import io

    import pydicom
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    from core.io import load_image

    ds = pydicom.dcmread(samples.info("CT: enhanced multi-frame, 2 slices (pydicom-data eCT)").path)
    shared = ds.SharedFunctionalGroupsSequence[0]
    del shared.PixelValueTransformationSequence
    for frame, (slope, intercept) in zip(ds.PerFrameFunctionalGroupsSequence, ((1.0, -1024.0), (2.0, -1000.0))):
        item = Dataset()
        item.RescaleSlope, item.RescaleIntercept, item.RescaleType = slope, intercept, "US"
        frame.PixelValueTransformationSequence = Sequence([item])
    buffer = io.BytesIO()
    copy.deepcopy(ds).save_as(buffer)
    volume = load_image(buffer.getvalue(), "eCT per-frame.dcm")
    raw = ds.pixel_array.astype(np.float64)
    assert np.allclose(volume.data[0], raw[0] - 1024) and np.allclose(volume.data[1], 2 * raw[1] - 1000)
    assert volume.display_path is None


def test_only_a_grey_monochrome1_image_is_drawn_low_values_white():
    from core.volume import Volume

    grey = np.zeros((4, 4))
    assert Volume(grey, (1.0, 1.0), monochrome1=True).low_values_white
    assert not Volume(grey, (1.0, 1.0)).low_values_white
    assert not Volume(np.zeros((4, 4, 3)), (1.0, 1.0), rgb=True, monochrome1=True).low_values_white  # colour: never
