"""Load any image the course accepts, recognised by its content, never by its name.

>>> from core.io import load_image
>>> volume = load_image("CT_small.dcm")                       # doctest: +SKIP
>>> volume.data.shape, volume.spacing                         # doctest: +SKIP
((128, 128), (0.661468, 0.661468))

Every failure on bad input is an `ImageLoadError` whose message says which
file, what is wrong and what to try. Nothing is ever written to disk.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable

from core.io import dicom
from core.io import nifti
from core.io import raster
from core.io.errors import (MAX_DECODED_BYTES, MAX_ZIP_MEMBERS, MAX_ZIP_RATIO, NOT_ABOUT_THE_FILE, ImageLoadError,
                         check_budget, human_bytes, inflate_bounded)
from core.volume import Volume

__all__ = ["ImageLoadError", "MAX_DECODED_BYTES", "load_image", "load_series", "sniff"]

MAX_FILE_BYTES = 1024**3
"""Largest file read at all (1 GiB)."""

JUNK_NAMES = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def sniff(data: bytes) -> str:
    """Recognise a file's format from its first bytes.

    Parameters
    ----------
    data : bytes
        The start of the file (a few hundred bytes are enough).

    Returns
    -------
    str
        One of "DICOM", "NIfTI", "NIfTI.gz", "ANALYZE-header", "PNG", "JPEG",
        "GIF", "TIFF", "ZIP", "gzip" or "unknown".

    Examples
    --------
    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(20))
    'PNG'
    """
    if data[128:132] == b"DICM":  # checked first: a preamble may hold anything (CVE-2019-11687)
        return "DICOM"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "ZIP"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "TIFF"
    if data[:2] == b"\x1f\x8b":
        head = nifti.gunzip_head(data, 540)
        kind = nifti.header_kind(head)
        if kind in ("nifti1", "nifti2"):
            return "NIfTI.gz"
        if head[128:132] == b"DICM":
            return "DICOM.gz"
        return "ANALYZE-header" if kind else "gzip"
    kind = nifti.header_kind(data[:540])
    if kind in ("nifti1", "nifti2"):
        return "NIfTI"
    if kind:
        return "ANALYZE-header"
    if data[:2] in (b"\x08\x00", b"\x02\x00", b"\x00\x08", b"\x00\x02"):
        return "DICOM"  # no preamble: starts with a group 0002 or 0008 tag (little or big endian)
    return "unknown"


def _read_source(source, filename: str | None) -> tuple[bytes, str]:
    """Bytes and a display name from bytes, a path or a file-like object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), filename or "uploaded file"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = filename or path.name
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ImageLoadError(f"{name} is {human_bytes(path.stat().st_size)}, over the {human_bytes(MAX_FILE_BYTES)} a file may have.")
            return path.read_bytes(), name
        except OSError as exc:
            raise ImageLoadError(f"{name}: the file cannot be opened ({exc.strerror or 'read error'}).") from None
    if hasattr(source, "read"):
        name = filename or Path(str(getattr(source, "name", "") or "uploaded file")).name
        try:
            data = source.read(MAX_FILE_BYTES + 1)
        except Exception:  # noqa: BLE001 - a broken stream is a bad input like any other
            raise ImageLoadError(f"{name}: the file could not be read.") from None
        if len(data) > MAX_FILE_BYTES:
            raise ImageLoadError(f"{name} is over the {human_bytes(MAX_FILE_BYTES)} a file may have.")
        return bytes(data), name
    raise ImageLoadError(f"Cannot read an image from a {type(source).__name__}: give bytes, a path or an open file.")


def load_image(source, filename: str | None = None) -> Volume:
    """Load one image file: DICOM, NIfTI, PNG, JPEG, TIFF, GIF, or a .zip of a series or pair.

    Parameters
    ----------
    source : bytes, str, os.PathLike or file-like
        The file's content, its path, or an open binary file.
    filename : str, optional
        Name to show and to use in messages (taken from the path when omitted).

    Returns
    -------
    Volume
        Pixels (in physical units where the format defines them), spacing,
        redacted metadata and orientation.

    Raises
    ------
    ImageLoadError
        For any file that cannot be loaded, with a message saying why.
    """
    data, name = _read_source(source, filename)
    if not data:
        raise ImageLoadError(f"{name} is empty (0 bytes). Upload it again.")
    return _at_the_boundary(lambda: _load_bytes(data, name),
                            f"{name}: not enough memory to load this image. Try a smaller one.",
                            f"{name}: the file could not be read as an image. It may be damaged.")


def _at_the_boundary(load: Callable[[], Volume], out_of_memory: str, damaged: str) -> Volume:
    """Run a loader so that only an `ImageLoadError` leaves it, and give its pixels the machine's byte order.

    The one boundary of `load_image` and `load_series`: library warnings are
    silenced, an `ImageLoadError` passes unchanged, a `MemoryError` and any
    other exception (a decoder's, even a Rust panic) become an
    `ImageLoadError` with the given message; only the exceptions that stop
    the program (`NOT_ABOUT_THE_FILE`) pass as they are.

    Parameters
    ----------
    load : callable
        Reads the file(s) and returns the volume.
    out_of_memory, damaged : str
        The messages for a `MemoryError` and for any other library exception.

    Returns
    -------
    Volume
        What `load` returned, its pixel arrays in the machine's byte order.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _native_byte_order(load())
    except ImageLoadError:
        raise
    except MemoryError:
        raise ImageLoadError(out_of_memory) from None
    except NOT_ABOUT_THE_FILE:
        raise
    except BaseException:  # noqa: BLE001 - the boundary: no library exception (not even a Rust panic) reaches the user
        raise ImageLoadError(damaged) from None


def _native_byte_order(volume: Volume) -> Volume:
    """Convert big-endian pixel arrays (some DICOM and NIfTI files) to the machine's order."""
    for attribute in ("data", "stored"):
        array = getattr(volume, attribute)
        if array is not None and not array.dtype.isnative:
            setattr(volume, attribute, array.astype(array.dtype.newbyteorder("=")))
    return volume


def _load_bytes(data: bytes, name: str) -> Volume:
    kind = sniff(data)
    if kind == "DICOM":
        return dicom.load_dicom(data, name)
    if kind == "DICOM.gz":
        inflate_bounded(data, MAX_DECODED_BYTES, 31, name, keep=False)  # count first: a bomb is never held
        return dicom.load_dicom(nifti.gunzip_bounded(data, name), name)
    if kind in ("NIfTI", "NIfTI.gz"):
        return nifti.load_nifti(data, name)
    if kind in ("PNG", "JPEG", "GIF"):
        return raster.load_pillow_format(data, name, kind)
    if kind == "TIFF":
        return raster.load_tiff(data, name)
    if kind == "ZIP":
        try:
            return load_series(read_zip(data, name), name)
        except ImageLoadError as exc:
            message = str(exc)
            raise ImageLoadError(message if message.startswith(name) else f"{name}: {message}") from None
    if kind == "ANALYZE-header" and len(data) > 1024:
        raise ImageLoadError(
            f"{name} starts like a NIfTI/ANALYZE header but its magic string is not 'n+1' or 'n+2', and it is "
            "too long for a lone .hdr: a single-file NIfTI with a damaged header. Export it again."
        )
    if kind == "ANALYZE-header":
        raise ImageLoadError(
            f"{name} is an ANALYZE/NIfTI header (.hdr) alone: its pixels are in a separate .img file. "
            "Upload the .hdr and .img together, or both in one .zip."
        )
    if kind == "gzip":
        raise ImageLoadError(f"{name} is gzip-compressed but holds no NIfTI or DICOM image.")
    if dicom.looks_like_dicom(data):
        return dicom.load_dicom(data, name)
    raise ImageLoadError(
        f"{name} is not a recognised image: expected DICOM, NIfTI (.nii, .nii.gz), ANALYZE (.hdr + .img), "
        "PNG, JPEG, TIFF, GIF or a .zip of a DICOM series."
    )


def read_zip(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """The files inside a .zip, checked before they are decompressed, in memory only.

    Parameters
    ----------
    data : bytes
        The archive.
    name : str
        Its name, for messages.

    Returns
    -------
    list of (str, bytes)
        Member names and contents, operating-system junk (``__MACOSX/``,
        ``.DS_Store``) left out.

    Raises
    ------
    ImageLoadError
        Corrupt, encrypted or nested archives, unsafe member names, too many
        members, or a total size or ratio that betrays a zip bomb.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except Exception:  # noqa: BLE001 - BadZipFile, struct.error, ValueError...
        raise ImageLoadError(f"{name}: the .zip archive is damaged or truncated. Create it again.") from None
    members = [m for m in members if not any(j in m.filename for j in JUNK_NAMES)
               and not PurePosixPath(m.filename).name.startswith("._")]
    if not members:
        raise ImageLoadError(f"{name}: the .zip archive holds no files.")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImageLoadError(f"{name} holds {len(members):,} files, more than the {MAX_ZIP_MEMBERS:,} the course accepts.")
    total = 0
    for m in members:
        path = m.filename.replace("\\", "/")
        if path.startswith("/") or ".." in PurePosixPath(path).parts or (len(path) > 1 and path[1] == ":"):
            raise ImageLoadError(f"{name} holds a file with an unsafe path ({m.filename[:80]}). Nothing was extracted.")
        if m.flag_bits & 0x1:
            raise ImageLoadError(f"{name} is password-protected. Create the archive without a password.")
        if m.file_size > 1024**2 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            raise ImageLoadError(
                f"{name}: {m.filename[:80]} expands {m.file_size // max(m.compress_size, 1):,} times, "
                "far beyond any real image: it looks like a zip bomb. Nothing was extracted."
            )
        total += m.file_size
    check_budget(total, f"{name} holds {len(members)} file(s)")
    files = []
    for m in members:
        try:
            with archive.open(m) as member:
                content = member.read(m.file_size + 1)
        except NotImplementedError:
            raise ImageLoadError(
                f"{name}: {m.filename[:80]} is compressed with a method the course cannot read. "
                "Create the archive again with standard (Deflate) compression.") from None
        except Exception:  # noqa: BLE001 - bad CRC, truncated data
            raise ImageLoadError(f"{name}: {m.filename[:80]} inside the archive is damaged (bad checksum or truncated).") from None
        if len(content) > m.file_size:
            raise ImageLoadError(f"{name}: {m.filename[:80]} is larger than the archive declares. Nothing was extracted.")
        if content[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ImageLoadError(f"{name} holds another .zip ({m.filename[:80]}). Unpack it and upload the inner files.")
        files.append((PurePosixPath(m.filename).name, content))
    return files


def load_series(files, name: str | None = None, progress=None) -> Volume:
    """Load several files that make one image: DICOM slices of a series, or an ANALYZE pair.

    Parameters
    ----------
    files : list of (str, bytes)
        File names and contents, in any order.
    name : str, optional
        What to call the result in messages (e.g. the .zip it came from).
    progress : callable, optional
        Called with the fraction done (0 to 1) while a DICOM series is decoded.

    Returns
    -------
    Volume
        For DICOM, the slices sorted by position along the slice normal
        (never by file name or InstanceNumber).

    Raises
    ------
    ImageLoadError
        When the files do not make one image, with the reason.
    """
    files = [(str(n), bytes(d)) for n, d in files]
    label = name or (files[0][0] if len(files) == 1 else f"{len(files)} files")
    if not files:
        raise ImageLoadError("No files were given.")
    for fname, data in files:
        if not data:
            raise ImageLoadError(f"{fname} is empty (0 bytes). Upload it again.")
    return _at_the_boundary(lambda: _load_files(files, label, progress),
                            f"{label}: not enough memory to load these images. Try fewer or smaller files.",
                            f"{label}: the files could not be read as one image. They may be damaged.")


def _load_files(files: list[tuple[str, bytes]], label: str, progress=None) -> Volume:
    kinds = {fname: sniff(data) for fname, data in files}
    headers = [f for f in files if kinds[f[0]] == "ANALYZE-header"]
    if headers:
        return _load_pair(files, headers, label)
    if len(files) == 1:
        return _load_bytes(files[0][1], files[0][0])
    dicoms = [f for f in files if kinds[f[0]] in ("DICOM", "DICOM.gz")]
    others = [fname for fname in kinds if kinds[fname] not in ("DICOM", "DICOM.gz")]
    if not dicoms:
        found = ", ".join(sorted({kinds[f] for f in kinds}))
        raise ImageLoadError(
            f"{label}: {len(files)} files ({found}) that are not one image. Several files must be the DICOM slices "
            "of one series or an ANALYZE .hdr + .img pair; load other images one at a time."
        )
    if others:
        raise ImageLoadError(
            f"{label}: {others[0]} is not a DICOM file, but the other files are. Remove it and load the series again."
        )
    unzipped = [(f, nifti.gunzip_bounded(d, f) if kinds[f] == "DICOM.gz" else d) for f, d in dicoms]
    return dicom.load_dicom_series(unzipped, progress)


def _load_pair(files, headers, label: str) -> Volume:
    """Match a .hdr with its .img by name (or take the only other file)."""
    if len(headers) > 1:
        raise ImageLoadError(f"{label}: {len(headers)} header files; give one .hdr with its .img at a time.")
    header_name, header_bytes = headers[0]
    stem = header_name.rsplit(".", 2)[0] if header_name.endswith(".gz") else header_name.rsplit(".", 1)[0]
    images = [f for f in files if f is not headers[0]]
    matching = [f for f in images if f[0].rsplit(".", 2 if f[0].endswith(".gz") else 1)[0] == stem] or images
    if not matching:
        raise ImageLoadError(
            f"{header_name} is an ANALYZE/NIfTI header alone: its pixels are in a separate .img file. "
            "Upload the .hdr and .img together."
        )
    if len(matching) > 1:
        raise ImageLoadError(f"{label}: several files could be the image of {header_name}; give one .hdr with one .img.")
    return nifti.load_analyze_pair(header_bytes, matching[0][1], stem + " (.hdr + .img)")
