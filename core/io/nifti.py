"""NIfTI-1, NIfTI-2 and ANALYZE 7.5: header and image, with the voxel-to-world affine.

The header is validated before any pixel is decoded, so a file that declares
a huge image or a gzip bomb is refused without being expanded in memory.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import warnings
import zlib

import numpy as np

from core.io import phi
from core.io.errors import MAX_DECODED_BYTES, ImageLoadError, check_budget, inflate_bounded, plain_reason
from core.io.orientation import axis_codes, spacing_from_affine, to_display_frame
from core.volume import Volume

logging.getLogger("nibabel").setLevel(logging.ERROR)  # its warnings about damaged files would flood the server log

NIFTI1_MAGICS = (b"n+1\0", b"ni1\0")
NIFTI2_MAGICS = (b"n+2\0", b"ni2\0")


def header_kind(head: bytes) -> str | None:
    """Recognise a NIfTI or ANALYZE header from its first bytes.

    Parameters
    ----------
    head : bytes
        At least the first 348 bytes of the file (540 for NIfTI-2).

    Returns
    -------
    str or None
        "nifti1", "nifti1-pair", "nifti2", "nifti2-pair", "analyze" or None.
    """
    if len(head) < 348:
        return None
    for order in "<>":
        size = struct.unpack(order + "i", head[:4])[0]
        if size == 348:
            magic = head[344:348]
            if magic == b"n+1\0":
                return "nifti1"
            if magic == b"ni1\0":
                return "nifti1-pair"
            return "analyze"
        if size == 540 and len(head) >= 540 and head[4:8] in NIFTI2_MAGICS:
            return "nifti2" if head[4:8] == b"n+2\0" else "nifti2-pair"
    return None


def gunzip_bounded(data: bytes, filename: str, limit: int = MAX_DECODED_BYTES) -> bytes:
    """Decompress gzip data chunk by chunk, refusing to produce more than `limit` bytes."""
    return inflate_bounded(data, limit, 31, filename)


def gunzip_head(data: bytes, n: int) -> bytes:
    """The first `n` decompressed bytes of a gzip stream (b"" when it is unreadable)."""
    try:
        return zlib.decompressobj(wbits=31).decompress(data, n)
    except zlib.error:
        return b""


def _image_class(kind: str):
    import nibabel as nib

    return {
        "nifti1": nib.Nifti1Image, "nifti2": nib.Nifti2Image, "nifti1-pair": nib.Nifti1Pair,
        "nifti2-pair": nib.Nifti2Pair, "analyze": nib.Spm2AnalyzeImage,
    }[kind]


def _parse_header(header_bytes: bytes, kind: str, filename: str):
    """Parse and check a header; refuse impossible or over-budget images before decoding."""
    dims = declared_dims(header_bytes, kind)
    if not 1 <= dims[0] <= 7:
        raise ImageLoadError(
            f"{filename}: the header declares {dims[0]} dimensions; NIfTI and ANALYZE allow 1 to 7. The header is damaged.")
    if any(d <= 0 for d in dims[1:dims[0] + 1]):
        raise ImageLoadError(
            f"{filename}: the header declares an image of {' × '.join(map(str, dims[1:dims[0] + 1]))} voxels; "
            "a size of zero or less cannot hold an image.")
    klass = _image_class(kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = klass.header_class.from_fileobj(io.BytesIO(header_bytes), check=True)
            shape = header.get_data_shape()
            dtype = header.get_data_dtype()
    except Exception as exc:  # nibabel raises HeaderDataError, ValueError, struct.error...
        raise ImageLoadError(f"{filename}: the {_format_name(kind)} header is invalid ({plain_reason(exc)}). The file is damaged.") from None
    if not shape or any(d <= 0 for d in shape):
        raise ImageLoadError(f"{filename}: the header declares an image of shape {shape}, which cannot hold an image.")
    if len(shape) > 4 and any(d > 1 for d in shape[4:]):
        raise ImageLoadError(
            f"{filename} has {len(shape)} dimensions {shape}; the course shows 2D, 3D and 4D (time series) images."
        )
    check_budget(math.prod(shape) * dtype.itemsize, f"{filename} declares {' × '.join(map(str, shape))} voxels")
    return header


def declared_dims(head: bytes, kind: str) -> tuple[int, ...]:
    """The ``dim`` field of a NIfTI/ANALYZE header (number of dimensions, then sizes), read with struct."""
    order = "<" if struct.unpack("<i", head[:4])[0] in (348, 540) else ">"
    if kind.startswith("nifti2"):
        return struct.unpack(order + "8q", head[16:80])
    return struct.unpack(order + "8h", head[40:56])


def _format_name(kind: str) -> str:
    return {"nifti1": "NIfTI-1", "nifti2": "NIfTI-2", "nifti1-pair": "NIfTI-1 pair",
            "nifti2-pair": "NIfTI-2 pair", "analyze": "ANALYZE 7.5"}[kind]


def load_nifti(data: bytes, filename: str) -> Volume:
    """Load a single-file NIfTI-1 or NIfTI-2 image, plain or gzipped.

    Parameters
    ----------
    data : bytes
        The .nii or .nii.gz content.
    filename : str
        Name used on screen and in messages.

    Returns
    -------
    Volume
        Reoriented to the display frame; 4D images as ``(time, slices, rows, cols)``.
    """
    gzipped = data[:2] == b"\x1f\x8b"
    head = gunzip_head(data, 540) if gzipped else data[:540]
    kind = header_kind(head)
    if kind not in ("nifti1", "nifti2"):
        raise ImageLoadError(f"{filename}: not a single-file NIfTI image.")
    header = _parse_header(head, kind, filename)
    offset = int(header.get_data_offset())
    needed = offset + math.prod(header.get_data_shape()) * header.get_data_dtype().itemsize
    if gzipped:
        data = gunzip_bounded(data, filename, limit=needed)
    if len(data) < needed:
        raise ImageLoadError(
            f"{filename}: holds {len(data):,} bytes but its header needs {needed:,}. The file is truncated: copy it again."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = _image_class(kind).from_bytes(data)
    except Exception as exc:  # noqa: BLE001
        raise ImageLoadError(f"{filename}: the NIfTI file could not be read ({plain_reason(exc)}). It may be damaged.") from None
    return _volume(image, kind, filename)


def load_analyze_pair(header_bytes: bytes, image_bytes: bytes, filename: str) -> Volume:
    """Load an ANALYZE 7.5 or NIfTI pair: a ``.hdr`` header and its ``.img`` pixels.

    Parameters
    ----------
    header_bytes, image_bytes : bytes
        Content of the .hdr and .img files (either may be gzipped).
    filename : str
        Name of the pair, for the screen and messages.

    Returns
    -------
    Volume
    """
    if header_bytes[:2] == b"\x1f\x8b":
        header_bytes = gunzip_bounded(header_bytes, filename, 1024**2)
    kind = header_kind(header_bytes)
    if kind not in ("analyze", "nifti1-pair", "nifti2-pair"):
        raise ImageLoadError(f"{filename}: the .hdr file is not an ANALYZE or NIfTI header.")
    header = _parse_header(header_bytes, kind, filename)
    needed = int(header.get_data_offset()) + math.prod(header.get_data_shape()) * header.get_data_dtype().itemsize
    if image_bytes[:2] == b"\x1f\x8b":
        image_bytes = gunzip_bounded(image_bytes, filename, limit=needed)
    if len(image_bytes) < needed:
        raise ImageLoadError(
            f"{filename}: the .img file holds {len(image_bytes):,} bytes but the header declares {needed:,}. "
            "The image file is truncated or belongs to another header."
        )
    klass = _image_class(kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            files = {"header": io.BytesIO(header_bytes), "image": io.BytesIO(image_bytes)}
            if any(kind == "mat" for kind, _ in klass.files_types):  # SPM's optional .mat orientation file: absent
                files["mat"] = io.BytesIO()
            file_map = klass.make_file_map(files)
            image = klass.from_file_map(file_map)
    except Exception as exc:  # noqa: BLE001
        raise ImageLoadError(f"{filename}: the pair could not be read ({plain_reason(exc)}). It may be damaged.") from None
    return _volume(image, kind, filename)


def _header_fields(header) -> dict:
    """Every header field as text, keyed by its NIfTI name."""
    fields = {}
    for key in header.keys():
        try:
            value = header[key]
            text = value.tobytes().rstrip(b"\0").decode("latin-1") if value.dtype.kind == "S" else (
                str(value.tolist()) if value.ndim else str(value.item()))
            fields[key] = text[:200]
        except Exception:  # noqa: BLE001 - show what cannot be converted as such
            fields[key] = "(unreadable value)"
    return fields


def _volume(image, kind: str, filename: str) -> Volume:
    """Build a `Volume` from a nibabel image: scale, check the affine, reorient."""
    header = image.header
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scaled = np.asanyarray(image.dataobj)
            # nibabel moves scl_slope/scl_inter from the header to the array proxy when it loads
            slope, inter = float(getattr(image.dataobj, "slope", 1.0)), float(getattr(image.dataobj, "inter", 0.0))
            rescaled = (slope, inter) != (1.0, 0.0)
            stored = np.asanyarray(image.dataobj.get_unscaled()) if rescaled else scaled
    except Exception as exc:  # noqa: BLE001
        raise ImageLoadError(f"{filename}: the voxel data could not be read ({plain_reason(exc)}). It may be damaged.") from None
    if scaled.dtype.kind == "c" or scaled.dtype.names:
        raise ImageLoadError(f"{filename}: holds {scaled.dtype} voxels (complex or RGB records); the course reads real-valued images.")
    shape = scaled.shape
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    scaled, stored = scaled.reshape(shape), stored.reshape(shape)
    if scaled.ndim == 2:
        scaled, stored = scaled[:, :, None], stored[:, :, None]
    fields = _header_fields(header)
    if "scl_slope" in fields:
        fields["scl_slope"], fields["scl_inter"] = f"{slope:g}", f"{inter:g}"
    affine = np.asarray(image.affine, dtype=float)
    zooms = [float(z) if np.isfinite(z) and z > 0 else 1.0 for z in header.get_zooms()[:3]]
    zooms += [1.0] * (3 - len(zooms))
    if not np.all(np.isfinite(affine)) or abs(np.linalg.det(affine[:3, :3])) < 1e-12:
        affine = np.diag([*zooms, 1.0])
        fields["note"] = "The header's orientation is invalid (NaN or singular affine): voxel sizes used, orientation unknown."
    if kind == "analyze":
        fields["note"] = "ANALYZE 7.5 stores no orientation: nibabel assumes the radiological (LAS) convention."
    codes = axis_codes(affine)
    fields["orientation (axis codes)"] = "".join(codes)
    redacted, hidden = phi.split_phi(fields, phi.NIFTI_PHI_FIELDS.__contains__)
    data, display_affine = to_display_frame(scaled, affine)
    stored_display = to_display_frame(stored, affine)[0] if rescaled else None
    if data.ndim == 4:  # (slices, rows, cols, time) -> (time, slices, rows, cols)
        data = np.moveaxis(data, 3, 0)
        stored_display = None if stored_display is None else np.moveaxis(stored_display, 3, 0)
    return Volume(
        data=np.ascontiguousarray(data), spacing=spacing_from_affine(display_affine), metadata=redacted,
        name=filename, affine=display_affine, source_format=_format_name(kind),
        stored=None if stored_display is None else np.ascontiguousarray(stored_display),
        file_affine=affine, hidden_metadata=hidden,
    )

