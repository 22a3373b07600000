"""Every loader path on real files, checked against known values."""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from core import samples
from core.io import ImageLoadError, load_image, load_series, sniff
from core.io.orientation import axis_codes

NIBABEL_DATA = Path(nib.__file__).parent / "tests" / "data"
SKIMAGE_DATA = Path(samples.SAMPLES[10].path).parent


def dicom_bytes(name: str) -> bytes:
    return Path(get_testdata_file(name)).read_bytes()


def test_ct_small_is_in_hounsfield_units_with_its_spacing():
    volume = load_image(get_testdata_file("CT_small.dcm"))
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    assert volume.data.shape == (128, 128)
    assert volume.spacing == pytest.approx((0.661468, 0.661468))
    assert volume.modality == "CT" and volume.source_format == "DICOM"
    # HU = stored × 1 − 1024: the stored range 128..2191 becomes −896..1167
    assert (volume.stored.min(), volume.stored.max()) == (128, 2191)
    assert (volume.data.min(), volume.data.max()) == (-896, 1167)
    assert np.array_equal(volume.data, ds.pixel_array.astype(np.int32) - 1024)


@pytest.mark.parametrize("name", ["MR_small.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm",
                                  "MR_small_jpeg_ls_lossless.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm",
                                  "MR_small_expb.dcm", "MR_small_padded.dcm"])
def test_every_transfer_syntax_of_mr_small_gives_the_same_pixels(name):
    reference = pydicom.dcmread(get_testdata_file("MR_small.dcm")).pixel_array
    volume = load_image(get_testdata_file(name))
    assert volume.data.dtype.isnative
    assert np.array_equal(volume.data, reference)
    assert volume.spacing == pytest.approx((0.3125, 0.3125))


def test_jpeg_baseline_ybr_multiframe_becomes_an_rgb_stack():
    volume = load_image(get_testdata_file("examples_ybr_color.dcm"))
    assert volume.rgb and volume.data.shape == (30, 240, 320, 3)


def test_palette_colour_is_applied():
    volume = load_image(get_testdata_file("examples_palette.dcm"))
    assert volume.rgb and volume.data.shape == (350, 800, 3) and volume.data.dtype == np.uint8


def test_dicom_without_preamble_or_meta_loads():
    volume = load_image(get_testdata_file("ExplVR_BigEnd.dcm"))
    assert volume.data.shape == (60, 80, 3)


def test_format_is_recognised_by_content_not_name():
    volume = load_image(dicom_bytes("CT_small.dcm"), "scan.png")
    assert volume.source_format == "DICOM" and volume.data.shape == (128, 128)
    png = (SKIMAGE_DATA / "camera.png").read_bytes()
    assert load_image(png, "camera.dcm").source_format == "PNG"


def test_polyglot_preamble_is_read_as_dicom_only():
    data = bytearray(dicom_bytes("CT_small.dcm"))
    data[:4] = b"MZ\x90\x00"  # a Windows executable header in the preamble (CVE-2019-11687)
    data[4:12] = b"\x89PNG\r\n\x1a\n"
    assert sniff(bytes(data)) == "DICOM"
    assert load_image(bytes(data), "polyglot.exe").source_format == "DICOM"


def test_gzipped_dicom_loads():
    volume = load_image(get_testdata_file("zipMR.gz"))
    assert volume.data.shape == (64, 64)


def test_nifti_keeps_affine_orientation_and_is_shown_in_the_display_frame():
    path = NIBABEL_DATA / "anatomical.nii"
    image = nib.load(path)
    volume = load_image(path)
    assert axis_codes(volume.file_affine) == ("L", "A", "S")
    assert axis_codes(volume.affine) == ("S", "P", "L")
    assert volume.data.shape == (25, 41, 33)
    assert volume.spacing == pytest.approx((2.0, 2.0, 2.0))
    data = np.asanyarray(image.dataobj)
    # the same voxel in both frames has the same world position and the same value
    i, j, k = 10, 20, 12
    world = image.affine @ [i, j, k, 1]
    display_index = np.round(np.linalg.inv(volume.affine) @ world)[:3].astype(int)
    assert volume.data[tuple(display_index)] == data[i, j, k]


def test_nifti_4d_has_time_first_and_nifti2_loads():
    volume = load_image(NIBABEL_DATA / "example4d.nii.gz")
    assert volume.is_4d and volume.data.shape == (2, 24, 96, 128)
    nifti2 = load_image(NIBABEL_DATA / "example_nifti2.nii.gz")
    assert nifti2.source_format == "NIfTI-2" and nifti2.data.shape == (2, 12, 20, 32)


def test_nifti_scl_slope_is_applied_and_stored_values_kept():
    raw = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    image = nib.Nifti1Image(raw, np.eye(4))
    image.header.set_slope_inter(2.5, -10)
    volume = load_image(image.to_bytes(), "scaled.nii")
    assert volume.data.max() == pytest.approx(23 * 2.5 - 10)
    assert volume.stored.max() == 23
    gz = load_image(gzip.compress(image.to_bytes()), "scaled.nii.gz")
    assert np.array_equal(gz.data, volume.data)


def analyze_pair() -> tuple[bytes, bytes, np.ndarray]:
    data = np.asanyarray(nib.load(NIBABEL_DATA / "anatomical.nii").dataobj).astype(np.int16)
    image = nib.AnalyzeImage(data, np.diag([2.0, 2.0, 2.0, 1.0]))
    header, pixels = io.BytesIO(), io.BytesIO()
    image.to_file_map({"header": nib.FileHolder(fileobj=header), "image": nib.FileHolder(fileobj=pixels)})
    return header.getvalue(), pixels.getvalue(), data


def test_analyze_pair_loads_from_two_files_and_from_a_zip():
    header, pixels, data = analyze_pair()
    volume = load_series([("brain.img", pixels), ("brain.hdr", header)])
    assert volume.source_format == "ANALYZE 7.5"
    assert sorted(volume.data.shape) == sorted(data.shape) and volume.data.sum() == data.sum()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("brain/brain.hdr", header)
        z.writestr("brain/brain.img", pixels)
        z.writestr("__MACOSX/brain/._brain.hdr", b"junk")
    assert load_image(archive.getvalue(), "brain.zip").data.sum() == data.sum()


def test_png_16_bit_values_are_kept_and_palette_and_alpha_handled():
    ramp = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 15)
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, "PNG")
    volume = load_image(buffer.getvalue(), "ramp.png")
    assert volume.data.dtype == np.uint16 and volume.data.max() == ramp.max()
    rgba = Image.new("RGBA", (8, 6), (200, 10, 30, 128))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")
    colour = load_image(buffer.getvalue(), "rgba.png")
    assert colour.rgb and colour.data.shape == (6, 8, 3) and tuple(colour.data[0, 0]) == (200, 10, 30)
    buffer = io.BytesIO()
    Image.new("LA", (5, 4), (77, 255)).save(buffer, "PNG")
    assert load_image(buffer.getvalue(), "la.png").data.shape == (4, 5)


def test_jpeg_exif_orientation_is_applied():
    picture = np.zeros((20, 40, 3), np.uint8)
    picture[:, :20] = 255  # left half white
    image = Image.fromarray(picture)
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    volume = load_image(buffer.getvalue(), "phone.jpg")
    assert volume.data.shape[:2] == (40, 20)  # portrait once rotated
    assert volume.data[:15].mean() > 200 and volume.data[-15:].mean() < 50  # white half now on top


def test_multipage_tiff_and_animated_gif_are_stacks():
    tiff = load_image(SKIMAGE_DATA / "multipage.tif")
    assert tiff.data.shape == (2, 15, 10)
    rgb_tiff = load_image(SKIMAGE_DATA / "multipage_rgb.tif")
    assert rgb_tiff.rgb and rgb_tiff.data.shape == (2, 10, 10, 3)
    gif = load_image(SKIMAGE_DATA / "no_time_for_that_tiny.gif")
    assert gif.data.shape[0] == 24 and gif.data.shape[1:3] == (25, 14)


def test_grey_picture_saved_as_rgb_becomes_grey():
    phantom = load_image(SKIMAGE_DATA / "phantom.png")
    assert not phantom.rgb and phantom.data.shape == (400, 400)


def mr_series(n: int = 5) -> list[tuple[str, bytes]]:
    return samples.mni_dicom_series(step=40)[:n]


def test_series_is_sorted_by_position_not_by_name_or_instance_number():
    files = samples.mni_dicom_series(step=20)
    ordered = load_series(files)
    shuffled = files[:]
    random.Random(3).shuffle(shuffled)
    renamed = []
    for n, (_, data) in enumerate(shuffled):  # names and InstanceNumbers now lie about the order
        ds = pydicom.dcmread(io.BytesIO(data))
        ds.InstanceNumber = n + 1
        out = io.BytesIO()
        ds.save_as(out)
        renamed.append((f"IM{n:04d}.dcm", out.getvalue()))
    volume = load_series(renamed)
    assert np.array_equal(volume.data, ordered.data)
    assert volume.spacing == pytest.approx((20.0, 1.0, 1.0))
    assert axis_codes(volume.affine) == ("S", "P", "L")


def test_a_series_without_pixel_spacing_has_an_unknown_voxel_size():
    """Slices without PixelSpacing: the series' pixel size is unknown, as for one such slice (never 1 mm)."""
    files = []
    for name, data in mr_series():
        ds = pydicom.dcmread(io.BytesIO(data))
        del ds.PixelSpacing
        out = io.BytesIO()
        ds.save_as(out)
        files.append((name, out.getvalue()))
    assert not load_image(files[0][1], files[0][0]).spacing_known
    assert not load_series(files).spacing_known
    assert load_series(mr_series()).spacing_known


def test_series_from_a_zip_and_its_gap_is_reported():
    files = samples.mni_dicom_series(step=20)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for name, data in files:
            z.writestr(f"series/{name}", data)
    assert load_image(archive.getvalue(), "series.zip").data.shape[0] == len(files)
    with pytest.raises(ImageLoadError, match="gap of 40 mm"):
        load_series(files[:3] + files[4:])


def test_mni_dicom_series_sample_matches_the_template():
    template = samples.load(samples.SAMPLES[2].name)
    series = samples.load(samples.DICOM_SERIES_SAMPLE)
    assert np.array_equal(series.data, template.data[::2])
    assert np.allclose(series.affine, template.affine @ np.diag([2.0, 1, 1, 1]), atol=1e-3)


def test_phi_is_redacted_and_kept_apart():
    volume = load_image(get_testdata_file("CT_small.dcm"))
    assert volume.metadata["PatientName"] == "‹redacted›"
    assert volume.metadata["PatientID"] == "‹redacted›"
    assert volume.metadata["StudyDate"] == "‹redacted›"
    assert volume.metadata["SOPInstanceUID"] == "‹redacted›"
    assert volume.metadata["Rows"] == "128" and volume.metadata["Modality"] == "CT"
    assert volume.hidden_metadata["PatientName"] == str(pydicom.dcmread(get_testdata_file("CT_small.dcm")).PatientName)
    image = nib.Nifti1Image(np.zeros((2, 2, 2), np.uint8), np.eye(4))
    image.header["descrip"] = b"John Doe 1970-01-01"
    nifti = load_image(image.to_bytes(), "x.nii")
    assert nifti.metadata["descrip"] == "‹redacted›" and "John" in nifti.hidden_metadata["descrip"]


def test_an_unprintable_element_does_not_break_the_header():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.add_new(0x00091001, "LO", "not a number")
    ds.PatientName = "<script>alert(1)</script>"
    out = io.BytesIO()
    ds.save_as(out)
    data = out.getvalue().replace(b"\x09\x00\x01\x10LO", b"\x09\x00\x01\x10DS")  # a DS whose value fails conversion
    volume = load_image(data, "odd.dcm")
    assert volume.metadata["PatientName"] == "‹redacted›"
    assert "(0009,1001)" in volume.metadata


def test_loaders_accept_paths_bytes_and_file_objects():
    path = get_testdata_file("CT_small.dcm")
    with open(path, "rb") as handle:
        from_handle = load_image(handle)
    assert from_handle.name == "CT_small.dcm"
    assert np.array_equal(from_handle.data, load_image(Path(path).read_bytes()).data)
    with pytest.raises(ImageLoadError, match="cannot be opened"):
        load_image("/nonexistent/file.dcm")
    with pytest.raises(ImageLoadError):
        load_image(12345)


def test_a_dicomdir_index_inside_a_series_zip_is_skipped():
    dicomdir = Path(get_testdata_file("DICOMDIR")).read_bytes()
    files = samples.mni_dicom_series(step=30)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("DICOMDIR", dicomdir)
        for name, data in files:
            z.writestr(f"IMAGES/{name}", data)
    assert load_image(archive.getvalue(), "cd.zip").data.shape[0] == len(files)


def test_only_technical_attributes_are_shown_by_default():
    from core.io.phi import is_dicom_phi

    hidden = [("InstitutionName", "LO"), ("StationName", "SH"), ("AccessionNumber", "SH"),
              ("DeviceSerialNumber", "LO"), ("GPSLatitude", "DS"), ("SeriesDescription", "LO"), ("StudyID", "SH"),
              ("ProtocolName", "LO"), ("OperatorsName", "PN"), ("AcquisitionDateTime", "DT"),
              ("FrameOfReferenceUID", "UI"), ("PatientAddress", "LO"), ("", "UN")]
    shown = [("Rows", "US"), ("PixelSpacing", "DS"), ("Modality", "CS"), ("PatientSex", "CS"), ("PatientAge", "AS"),
             ("ManufacturerModelName", "LO"), ("Manufacturer", "LO"), ("SeriesNumber", "IS"),
             ("SOPClassUID", "UI"), ("TransferSyntaxUID", "UI"), ("RescaleSlope", "DS")]
    assert [k for k, _ in hidden if not is_dicom_phi(k)] == []
    assert [k for k, _ in shown if is_dicom_phi(k)] == []
    assert is_dicom_phi("Rows", is_private=True)  # any private element
    assert is_dicom_phi("SomeAttributeOfTomorrow")  # unknown to the allow-list: hidden


def test_series_loading_reports_its_progress():
    seen = []
    volume = load_series(samples.mni_dicom_series(step=20), progress=seen.append)
    assert len(seen) == volume.data.shape[0] and seen[-1] == 1.0 and seen == sorted(seen)
