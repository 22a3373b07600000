"""DICOM: one file (single or multi-frame) or a series of slices, with the header kept.

Pixel values come out in physical units through the modality step (a
Modality LUT, or ``RescaleSlope`` and ``RescaleIntercept``: Hounsfield units
for CT; see `core.io.lut`), slices
of a series are ordered by their position along the slice normal, and the
header is returned as a flat dict with protected health information redacted.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Sequence

import numpy as np

from core.io import phi
from core.io.lut import display_path, functional_item, modality_values
from core.io.errors import MAX_DECODED_BYTES, NOT_ABOUT_THE_FILE, ImageLoadError, check_budget, inflate_bounded
from core.io.orientation import LPS_TO_RAS, to_display_frame
from core.volume import Volume

logging.getLogger("pydicom").setLevel(logging.ERROR)  # its warnings about damaged files would flood the server log

NO_PIXEL_TAGS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
DEFLATED = b"1.2.840.10008.1.2.1.99"
MAX_VALUE_CHARS = 200
DICOMDIR_UID = "1.2.840.10008.1.3.10"


def read_dataset(data: bytes, filename: str, header_only: bool = False, defer_pixels: bool = False):
    """Parse DICOM bytes with pydicom, turning every parser failure into `ImageLoadError`.

    Parameters
    ----------
    data : bytes
        The file's content, with or without the 128-byte preamble.
    filename : str
        Name used in messages.
    header_only : bool
        Stop before the pixel data (fast, for a quick look at the header).
    defer_pixels : bool
        Parse everything but leave large values (the pixel data) in `data`
        until they are used: one parse per slice of a series, no copy.

    Returns
    -------
    pydicom.dataset.FileDataset
    """
    import pydicom

    check_deflated_size(data, filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=header_only,
                                 defer_size=4096 if defer_pixels else None)
            if len(ds) == 0:
                raise ValueError("no data elements")
    except Exception as exc:  # pydicom raises many types on broken files
        raise ImageLoadError(
            f"{filename}: not a readable DICOM file. It may be truncated or damaged: "
            "export it again from the scanner or PACS."
        ) from None
    return ds


def check_deflated_size(data: bytes, filename: str) -> None:
    """Refuse a Deflated Explicit VR DICOM whose dataset would inflate past the budget.

    pydicom inflates the whole dataset before any attribute can be checked,
    so the inflated size is counted first, chunk by chunk, without keeping it.
    """
    if data[128:132] != b"DICM" or DEFLATED not in data[132:4096]:
        return
    if data[132:136] == b"\x02\x00\x00\x00" and data[136:138] == b"UL":
        meta_end = 144 + int.from_bytes(data[140:144], "little")
        inflate_bounded(data[meta_end:], MAX_DECODED_BYTES, -15, filename, keep=False)


def looks_like_dicom(data: bytes) -> bool:
    """Whether bytes without the DICM marker still parse as a DICOM dataset with an image or a class.

    A last resort for old files written without preamble and meta header.
    """
    try:
        ds = read_dataset(data[:65536], "probe", header_only=True)
    except ImageLoadError:
        return False
    return any(keyword in ds for keyword in ("SOPClassUID", "Modality")) and "Rows" in ds


def _int(ds, keyword: str, default: int | None = None) -> int | None:
    """An integer attribute, or `default` when missing or not a number."""
    try:
        value = ds.get(keyword, default)
        return default if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return default


def _floats(ds, keyword: str) -> list[float] | None:
    """A multi-valued decimal attribute as floats, or None when missing or malformed."""
    try:
        value = ds.get(keyword)
        if value is None or value == "":
            return None
        values = [float(v) for v in (value if isinstance(value, Sequence) and not isinstance(value, str) else [value])]
        return values if all(math.isfinite(v) for v in values) else None
    except (TypeError, ValueError):
        return None


#: FrameIncrementPointer targets that step through time: FrameTime, FrameTimeVector, CardiacTriggerTime...
_TIME_POINTERS = {0x00181063, 0x00181065, 0x00181060, 0x00181066}


def _frames_in_time(ds) -> bool:
    """True when a multi-frame file's frames follow one another in time (a cine loop), not in space."""
    try:
        pointers = ds.get("FrameIncrementPointer")
        if pointers is None:
            return "FrameTime" in ds or "FrameTimeVector" in ds
        pointers = pointers if hasattr(pointers, "__iter__") else [pointers]  # one tag or several
        return any(int(p) in _TIME_POINTERS for p in pointers)
    except Exception:  # noqa: BLE001 - a damaged element: the frames are then taken as slices
        return False


def series_rows(headers: list, positions: np.ndarray, order: np.ndarray) -> list[dict]:
    """One row per file of a series, in the order given: its name, instance number, position and place.

    Parameters
    ----------
    headers : list of (str, bytes, Dataset)
        The files as given.
    positions : numpy.ndarray
        Each file's ImagePositionPatient projected on the slice normal, in mm.
    order : numpy.ndarray
        Indices of `headers` sorted by position.

    Returns
    -------
    list of dict
        ``file``, ``instance number`` (None when absent), ``position (mm)``, ``place in the stack``.
    """
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    rows = []
    for n, (name, _, ds) in enumerate(headers):
        instance = _int(ds, "InstanceNumber", -1)
        rows.append({"file": name, "instance number": None if instance < 0 else instance,
                     "position (mm)": round(float(positions[n]), 4), "place in the stack": int(place[n])})
    return rows


def series_by_name(rows: list[dict]) -> tuple[list[dict], int]:
    """The rows of `series_rows` as a file browser lists them (by name), and how many sit elsewhere in the stack.

    Examples
    --------
    >>> rows = [{"file": "b.dcm", "place in the stack": 0}, {"file": "a.dcm", "place in the stack": 1}]
    >>> [r["file"] for r in series_by_name(rows)[0]], series_by_name(rows)[1]
    (['a.dcm', 'b.dcm'], 2)
    """
    listed = sorted(rows, key=lambda row: row["file"])
    moved = sum(n != row["place in the stack"] for n, row in enumerate(listed))
    return listed, moved


def _pixel_spacing(ds) -> tuple[float, float] | None:
    """Row and column spacing in mm from PixelSpacing (or ImagerPixelSpacing)."""
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        values = _floats(ds, keyword)
        if values and len(values) == 2 and min(values) > 0:
            return values[0], values[1]
    try:
        measures = ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]
    except (AttributeError, IndexError, KeyError, TypeError):
        return None
    values = _floats(measures, "PixelSpacing")
    return (values[0], values[1]) if values and len(values) == 2 and min(values) > 0 else None


def _slice_thickness(ds) -> float:
    """Distance between slices in mm: SpacingBetweenSlices, else SliceThickness (top level, else an
    enhanced file's Pixel Measures functional group), else 1."""
    measures = functional_item(ds, "PixelMeasuresSequence")
    for item in (ds, measures) if measures is not ds else (ds,):
        for keyword in ("SpacingBetweenSlices", "SliceThickness"):
            values = _floats(item, keyword)
            if values and values[0] > 0:
                return values[0]
    return 1.0


def check_image_attributes(ds, filename: str, header_only: bool = False) -> tuple[int, int, int, int, int]:
    """Validate the attributes that size the image, before anything is decoded.

    Parameters
    ----------
    ds : pydicom.Dataset
        The parsed file.
    filename : str
        Name used in messages.
    header_only : bool
        True when `ds` was read without its pixel data: the presence and
        length of the pixel data are then checked later, slice by slice.

    Returns
    -------
    rows, cols, frames, samples, bits_allocated : int

    Raises
    ------
    ImageLoadError
        No pixel data, impossible sizes, or a decoded size over the budget.
    """
    if not header_only and not any(tag in ds for tag in NO_PIXEL_TAGS):
        kind = _sop_class_name(ds)
        if "Image Storage" in kind and "Rows" in ds:
            raise ImageLoadError(f"{filename}: the file ends before its pixel data ({kind}). It is truncated: copy it again.")
        raise ImageLoadError(
            f"{filename}: this DICOM file holds no image{f' (it is a {kind})' if kind else ''}. "
            "Choose an image file of the study instead."
        )
    rows, cols = _int(ds, "Rows", 0), _int(ds, "Columns", 0)
    frames = _int(ds, "NumberOfFrames", 1)
    samples = _int(ds, "SamplesPerPixel", 1)
    bits = _int(ds, "BitsAllocated", 0)
    if rows <= 0 or cols <= 0:
        raise ImageLoadError(f"{filename}: the header declares an image of {rows} × {cols} pixels, which cannot hold an image.")
    if frames <= 0:
        raise ImageLoadError(f"{filename}: the header declares {frames} frames; a DICOM image needs at least one.")
    if samples not in (1, 3):
        raise ImageLoadError(f"{filename}: {samples} samples per pixel is not a valid DICOM image (1 for grey, 3 for colour).")
    if bits not in (1, 8, 16, 32, 64):
        raise ImageLoadError(f"{filename}: BitsAllocated is {bits}; DICOM stores pixels in 1, 8, 16, 32 or 64 bits. The file is damaged.")
    check_budget(rows * cols * frames * samples * max(bits, 8) // 8, f"{filename} declares {frames} × {rows} × {cols} pixels")
    photometric = str(ds.get("PhotometricInterpretation", "")).upper()
    if samples == 3 and photometric.startswith("MONOCHROME") or samples == 1 and photometric in ("RGB", "YBR_FULL", "YBR_FULL_422"):
        raise ImageLoadError(
            f"{filename}: {samples} samples per pixel contradicts PhotometricInterpretation {photometric}. The file is damaged."
        )
    syntax = _meta(ds, "TransferSyntaxUID")
    if syntax is not None and not syntax.is_transfer_syntax:
        raise ImageLoadError(
            f"{filename} declares transfer syntax {str(syntax)[:64]}, which is not a DICOM transfer syntax pydicom "
            "knows. Export it again as Explicit VR Little Endian.")
    if not header_only and (syntax is None or not syntax.is_compressed):
        subsampled = photometric == "YBR_FULL_422"  # two chroma samples shared by two pixels
        expected = rows * cols * frames * (2 if subsampled else samples) * bits / 8
        stored = len(ds.get("PixelData", b"") or b"") if "PixelData" in ds else expected
        if stored < expected:
            raise ImageLoadError(
                f"{filename}: the pixel data holds {stored:,} bytes but the header declares {int(expected):,}. "
                "The file is truncated: copy it again."
            )
    return rows, cols, frames, samples, bits


def _sop_class_name(ds) -> str:
    """Readable name of the file's SOP class ("RT Plan Storage", ...), or ""."""
    uid = ds.get("SOPClassUID") or _meta(ds, "MediaStorageSOPClassUID")
    name = getattr(uid, "name", "")
    return name if name and name != str(uid) else ""


def _meta(ds, keyword: str):
    """A file meta information attribute, or None (files without a meta header have none)."""
    meta = getattr(ds, "file_meta", None)
    return meta.get(keyword, None) if meta is not None else None


def _decode(ds, filename: str) -> np.ndarray:
    """Decode the pixel data, with a plain message when a decoder is missing or fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ds.pixel_array
    except NOT_ABOUT_THE_FILE:
        raise
    except BaseException as exc:  # decoders raise RuntimeError, ValueError, even a Rust panic...
        name = getattr(_meta(ds, "TransferSyntaxUID"), "name", "unknown transfer syntax")
        text = str(exc).lower()
        missing = "exceptions were raised" not in text and any(
            word in text for word in ("no plugins", "not supported", "required", "missing dependencies", "no decoder"))
        if missing:
            raise ImageLoadError(
                f"{filename}: pixel data compressed as {name}, and no installed decoder can read it. "
                "Export it uncompressed (Explicit VR Little Endian) and try again."
            ) from None
        raise ImageLoadError(f"{filename}: the pixel data ({name}) could not be decoded: the file may be damaged or truncated.") from None


def physical_values(stored: np.ndarray, ds, filename: str) -> np.ndarray:
    """Apply the rescale: ``value = stored × RescaleSlope + RescaleIntercept``.

    The slope and intercept are read at the top level, else from an enhanced
    file's Pixel Value Transformation functional group.

    Parameters
    ----------
    stored : numpy.ndarray
        Pixel values as stored in the file.
    ds : pydicom.Dataset
        Its header.
    filename : str
        Name used in messages.

    Returns
    -------
    numpy.ndarray
        Values in physical units, as the smallest integer type that holds them
        when slope and intercept are integers, float32 otherwise.
    """
    rescale = functional_item(ds, "PixelValueTransformationSequence")  # an enhanced file keeps it there
    slope = rescale.get("RescaleSlope", 1)
    intercept = rescale.get("RescaleIntercept", 0)
    try:
        slope = 1.0 if slope in (None, "") else float(slope)
        intercept = 0.0 if intercept in (None, "") else float(intercept)
    except (TypeError, ValueError):
        raise ImageLoadError(f"{filename}: RescaleSlope or RescaleIntercept is not a number. The header is damaged.") from None
    if not (math.isfinite(slope) and math.isfinite(intercept)) or slope == 0:
        raise ImageLoadError(
            f"{filename}: the rescale (slope {slope}, intercept {intercept}) cannot convert stored values to physical units."
        )
    if slope == 1 and intercept == 0:
        return stored
    if slope.is_integer() and intercept.is_integer() and stored.dtype.kind in "iu":
        low = min(float(stored.min()) * slope, float(stored.max()) * slope) + intercept
        high = max(float(stored.min()) * slope, float(stored.max()) * slope) + intercept
        dtype = next(t for t in (np.int16, np.int32, np.int64) if np.iinfo(t).min <= low and high <= np.iinfo(t).max)
        return stored.astype(dtype) * dtype(slope) + dtype(intercept)
    return stored.astype(np.float32) * np.float32(slope) + np.float32(intercept)


def _frame_rescales(ds, frames: int) -> list | None:
    """The per-frame Pixel Value Transformation items of an enhanced file whose frames are rescaled differently.

    None when the rescale is shared (top level or shared functional group) or the same for every frame.
    """
    if "RescaleSlope" in ds or frames < 2:
        return None
    try:
        if "PixelValueTransformationSequence" in ds.SharedFunctionalGroupsSequence[0]:
            return None
    except (AttributeError, IndexError, KeyError, TypeError):
        pass
    try:
        items = [group.PixelValueTransformationSequence[0] for group in ds.PerFrameFunctionalGroupsSequence]
    except (AttributeError, IndexError, KeyError, TypeError):
        return None
    pairs = {(str(item.get("RescaleSlope", "")), str(item.get("RescaleIntercept", ""))) for item in items}
    return items if len(items) == frames and len(pairs) > 1 else None


def header_fields(ds) -> tuple[dict, dict]:
    """The header as flat ``{keyword: text}`` dicts: the redacted view and the hidden PHI.

    Every element is converted on its own, so one unprintable element cannot
    break the display of the others; sequences are summarised by their length.
    """
    fields: dict[str, str] = {}
    private: set[str] = set()
    elements = list(ds.file_meta) if hasattr(ds, "file_meta") else []
    try:
        elements += list(ds)
    except Exception:  # a damaged dataset may fail half-way through iteration
        pass
    for elem in elements:
        try:
            if elem.keyword in NO_PIXEL_TAGS:
                continue
            name = elem.keyword or f"({elem.tag.group:04X},{elem.tag.element:04X})"
            if elem.VR == "SQ":
                text = f"sequence of {len(elem.value)} item(s)"
            elif elem.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
                text = f"{len(elem.value or b'')} bytes"
            else:
                text = str(elem.value)
            fields[name] = text[:MAX_VALUE_CHARS]
            if phi.is_dicom_phi(elem.keyword, elem.tag.is_private):
                private.add(name)
        except Exception:  # noqa: BLE001 - an element that cannot be shown is shown as such
            fields[str(getattr(elem, "tag", "?"))] = "(unreadable value)"
    return phi.split_phi(fields, private.__contains__)


def _affine(ds, spacing_rc: tuple[float, float], slice_step: float, normal=None) -> np.ndarray | None:
    """Voxel (slice, row, col) to RAS world matrix from ImagePosition/OrientationPatient."""
    position = _floats(ds, "ImagePositionPatient")
    cosines = _floats(ds, "ImageOrientationPatient")
    if not position or not cosines or len(position) != 3 or len(cosines) != 6:
        return None
    along_row, along_col = np.array(cosines[:3]), np.array(cosines[3:])
    normal = np.cross(along_row, along_col) if normal is None else normal
    if np.linalg.norm(normal) < 1e-6:
        return None
    lps = np.eye(4)
    lps[:3, 0] = normal / np.linalg.norm(normal) * slice_step
    lps[:3, 1] = along_col * spacing_rc[0]
    lps[:3, 2] = along_row * spacing_rc[1]
    lps[:3, 3] = position
    return LPS_TO_RAS @ lps


def _modality(ds) -> str:
    return str(ds.get("Modality", "") or "OT")


def volume_from_dataset(ds, filename: str) -> Volume:
    """Build a `Volume` from one DICOM file (single or multi-frame)."""
    rows, cols, frames, samples, _ = check_image_attributes(ds, filename)
    stored = _decode(ds, filename)
    photometric = str(ds.get("PhotometricInterpretation", "")).upper()
    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        try:
            stored = apply_color_lut(stored, ds)
        except Exception:  # noqa: BLE001
            raise ImageLoadError(f"{filename}: its colour palette could not be applied: the palette is damaged.") from None
        if stored.dtype != np.uint8:
            stored = (stored >> 8).astype(np.uint8)
        samples = 3
    rgb = samples == 3
    path = None if rgb else display_path(ds)
    if rgb:
        values = stored
    elif path.modality_lut is not None:  # a Modality LUT replaces the rescale (PS3.3 C.11.1)
        values = modality_values(stored, path)
    elif frame_rescales := _frame_rescales(ds, len(stored) if stored.ndim == 3 else 1):
        values = np.stack([physical_values(frame, item, filename) for frame, item in zip(stored, frame_rescales)])
        values = values.astype(np.float32, copy=False)
        path = None  # no one rescale for the whole file
    else:
        values = physical_values(stored, ds, filename)
    spacing_rc = _pixel_spacing(ds)
    redacted, hidden = header_fields(ds)
    spacing_known = spacing_rc is not None
    if spacing_rc is None:
        redacted["note"] = "No PixelSpacing in the header: the pixel size is unknown (computations count pixels)."
        spacing_rc = (1.0, 1.0)
    thickness = _slice_thickness(ds)
    is_stack = values.ndim == (4 if rgb else 3)
    affine = None if is_stack else _affine(ds, spacing_rc, thickness)  # one position cannot orient many frames
    spacing = (thickness, *spacing_rc) if is_stack else spacing_rc
    volume = Volume(
        data=values, spacing=tuple(float(s) for s in spacing), metadata=redacted, name=filename,
        affine=affine, rgb=rgb, modality=_modality(ds), source_format="DICOM",
        stored=None if values is stored else stored, file_affine=affine, hidden_metadata=hidden,
        monochrome1=photometric == "MONOCHROME1", spacing_known=spacing_known,
        frame_axis="frames" if is_stack and _frames_in_time(ds) else "slices", display_path=path,
    )
    return volume


def load_dicom(data: bytes, filename: str) -> Volume:
    """Load one DICOM file.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Name used on screen and in messages.

    Returns
    -------
    Volume
    """
    return volume_from_dataset(read_dataset(data, filename), filename)


def _stack_pixels(datasets: list, first: Volume, progress=None) -> np.ndarray:
    """Decode the slices ``(name, dataset)``, in the given order, into one preallocated array of stored values.

    `progress`, when given, is called with the fraction done after each slice.
    """
    template = first.data if first.stored is None else first.stored
    stack = np.empty((len(datasets), *template.shape), dtype=template.dtype)
    for n, (name, ds) in enumerate(datasets):
        check_image_attributes(ds, name)
        if str(ds.get("PhotometricInterpretation", "")).upper() == "PALETTE COLOR":
            pixels = volume_from_dataset(ds, name).data
        else:
            pixels = _decode(ds, name)
        if pixels.shape != template.shape:
            raise ImageLoadError(f"{name} holds {pixels.shape} pixels where the series has {template.shape}.")
        stack[n] = pixels
        del ds.PixelData  # drops pydicom's copies of this slice: peak memory stays near one volume
        if progress is not None:
            progress((n + 1) / len(datasets))
    return stack


def load_dicom_series(files: list[tuple[str, bytes]], progress=None) -> Volume:
    """Stack the slices of one DICOM series in order along the slice normal.

    Parameters
    ----------
    files : list of (str, bytes)
        One DICOM file per slice, in any order.
    progress : callable, optional
        Called with the fraction of slices decoded (0 to 1), for a progress bar.

    Returns
    -------
    Volume
        3D ``(slices, rows, cols)`` in the display frame, with the spacing
        between slices measured from the positions.

    Raises
    ------
    ImageLoadError
        Mixed series, different slice sizes, missing positions, duplicated
        or missing slices, or any unreadable file.
    """
    headers = []
    for name, data in files:
        ds = read_dataset(data, name, defer_pixels=True)
        if str(_meta(ds, "MediaStorageSOPClassUID")) == DICOMDIR_UID or "DirectoryRecordSequence" in ds:
            continue  # a DICOMDIR index, not a slice
        if "Rows" not in ds:
            kind = _sop_class_name(ds)
            raise ImageLoadError(f"{name} holds no image{f' (it is a {kind})' if kind else ''}: remove it from the series.")
        headers.append((name, data, ds))
    if not headers:
        raise ImageLoadError("None of the files is a DICOM image.")
    if len(headers) == 1:
        name, data, _ = headers[0]
        return load_dicom(data, name)
    series: dict[str, list[str]] = {}
    for name, _, ds in headers:
        series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append(name)
    if len(series) > 1:
        counts = ", ".join(f"{len(v)} file(s) like {v[0]}" for v in series.values())
        raise ImageLoadError(
            f"The files belong to {len(series)} different series ({counts}). Upload one series at a time."
        )
    first_name, _, first = headers[0]
    rows, cols, frames, samples, bits = check_image_attributes(first, first_name, header_only=True)
    check_budget(rows * cols * len(headers) * samples * 4, f"the series declares {len(headers)} slices of {rows} × {cols}")
    cosines = _floats(first, "ImageOrientationPatient")
    for name, _, ds in headers:
        if _int(ds, "Rows") != rows or _int(ds, "Columns") != cols:
            raise ImageLoadError(
                f"{name} is {_int(ds, 'Rows')} × {_int(ds, 'Columns')} pixels but {first_name} is {rows} × {cols}: "
                "the slices of one series must all have the same size."
            )
        if _int(ds, "NumberOfFrames", 1) != 1:
            raise ImageLoadError(f"{name} is a multi-frame file inside a series: load it on its own.")
        if _floats(ds, "ImagePositionPatient") is None or _floats(ds, "ImageOrientationPatient") is None:
            raise ImageLoadError(
                f"{name} has no ImagePositionPatient/ImageOrientationPatient, so the slices cannot be put in order. "
                "Load the files one by one instead."
            )
        if not np.allclose(_floats(ds, "ImageOrientationPatient"), cosines, atol=1e-3):
            raise ImageLoadError(f"{name} is tilted differently from {first_name}: the slices are not one stack.")
    normal = np.cross(cosines[:3], cosines[3:])
    positions = np.array([np.dot(_floats(ds, "ImagePositionPatient"), normal) for _, _, ds in headers])
    order = np.argsort(positions, kind="stable")
    steps = np.diff(positions[order])
    if np.any(steps < 1e-3):
        k = int(np.argmax(steps < 1e-3))
        raise ImageLoadError(
            f"{headers[order[k]][0]} and {headers[order[k + 1]][0]} are at the same position: the files hold "
            "duplicated slices or several echoes or time points. Upload one acquisition at a time."
        )
    step = float(np.median(steps))
    gaps = np.flatnonzero(steps > 1.5 * step)
    if gaps.size:
        k = int(gaps[0])
        raise ImageLoadError(
            f"Slice missing after slice {k + 1} of {len(headers)}: gap of {steps[k]:.3g} mm where the others are "
            f"{step:.3g} mm apart ({headers[order[k]][0]} to {headers[order[k + 1]][0]}). Upload the complete series."
        )
    first_slice = volume_from_dataset(headers[order[0]][2], headers[order[0]][0])  # its header describes the series
    stored = _stack_pixels([(headers[i][0], headers[i][2]) for i in order], first_slice, progress)
    rescales = {(str(ds.get("RescaleSlope", "")), str(ds.get("RescaleIntercept", ""))) for _, _, ds in headers}
    if first_slice.rgb:
        data = stored
    elif len(rescales) == 1:
        data = physical_values(stored, headers[order[0]][2], first_name)
    else:  # slice-by-slice rescale (some scanners scale each slice differently)
        data = np.stack([physical_values(stored[n], headers[i][2], headers[i][0]) for n, i in enumerate(order)])
        data = data.astype(np.float32, copy=False)
    spacing_rc = first_slice.spacing
    affine = _affine(headers[order[0]][2], spacing_rc, step, normal)
    file_affine = affine
    if affine is not None and not first_slice.rgb:
        reoriented, affine = to_display_frame(data, file_affine)
        stored = None if data is stored else to_display_frame(stored, file_affine)[0]
        data = reoriented
    elif data is stored:
        stored = None
    metadata = dict(first_slice.metadata, **{"number of slices": str(len(order)), "spacing between slices (mm)": f"{step:.4g}"})
    spacing = tuple(float(v) for v in np.linalg.norm(affine[:3, :3], axis=0)) if affine is not None else (step, *spacing_rc)
    volume = Volume(
        data=np.ascontiguousarray(data), spacing=spacing, metadata=metadata,
        name=f"{first_name} (+{len(order) - 1} slices)", affine=affine, rgb=first_slice.rgb,
        modality=first_slice.modality, source_format="DICOM series",
        stored=None if stored is None else np.ascontiguousarray(stored), file_affine=file_affine,
        hidden_metadata=first_slice.hidden_metadata, monochrome1=first_slice.monochrome1,
        spacing_known=first_slice.spacing_known,  # no PixelSpacing: the pixel size stays unknown for the series
        series_files=series_rows(headers, positions, order),
        display_path=first_slice.display_path if len(rescales) == 1 else None,  # per-slice rescales: no one path
    )
    return volume
