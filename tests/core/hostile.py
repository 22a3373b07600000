"""A corpus of hostile or broken inputs for the image loaders in ``core.io``.

Every case is built in memory, with code, from sample files that installed
packages ship (pydicom's test files, nibabel's test data, scikit-image's data
folder). Nothing is downloaded and nothing is written to disk.

The "bombs" (inputs that declare or decompress to far more than
``core.io.MAX_DECODED_BYTES``) are built without ever holding their decoded
size in memory: a block of zeros is deflated once after a full flush, and the
resulting byte-aligned, history-free deflate block is repeated; checksums of
long runs of zeros are computed chunk by chunk or in closed form.

Use :func:`corpus` for the hostile cases and :func:`controls` for the
well-formed inputs they are derived from (which a working loader must load).

Example
-------
>>> cases = corpus()
>>> len(cases) >= 40
True
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pydicom.config
import pydicom.data
import skimage
from pydicom.encaps import encapsulate, generate_frames

__all__ = ["HostileCase", "corpus", "controls", "MiB", "GiB"]

MiB = 1024**2
GiB = 1024**3

#: Budget the loaders promise to enforce (mirrors ``core.io.MAX_DECODED_BYTES``).
BUDGET = 512 * MiB


@dataclass(frozen=True)
class HostileCase:
    """One input for the loaders.

    ``data`` is bytes for ``load_image(data, filename=filename)`` or a list of
    ``(filename, bytes)`` pairs for ``load_series(data)``.
    """

    name: str
    filename: str
    data: bytes | list[tuple[str, bytes]]
    why: str

    @property
    def is_series(self) -> bool:
        return isinstance(self.data, list)

    @property
    def size(self) -> int:
        if isinstance(self.data, list):
            return sum(len(b) for _, b in self.data)
        return len(self.data)


# --------------------------------------------------------------------------
# Base files shipped by installed packages
# --------------------------------------------------------------------------

_NIBABEL_DATA = Path(nib.__file__).parent / "tests" / "data"
_SKIMAGE_DATA = Path(skimage.__file__).parent / "data"


@functools.lru_cache(maxsize=None)
def _dicom_file(name: str) -> bytes:
    path = pydicom.data.get_testdata_file(name)
    if path is None:  # pragma: no cover - would mean pydicom changed its data
        raise FileNotFoundError(f"pydicom does not ship {name}")
    return Path(path).read_bytes()


@functools.lru_cache(maxsize=None)
def _nibabel_file(name: str) -> bytes:
    return (_NIBABEL_DATA / name).read_bytes()


@functools.lru_cache(maxsize=None)
def _skimage_file(name: str) -> bytes:
    return (_SKIMAGE_DATA / name).read_bytes()


def _rng_bytes(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).bytes(n)


# --------------------------------------------------------------------------
# Streams of zeros that are small compressed, never allocated decompressed
# --------------------------------------------------------------------------

_ZERO_CHUNK = bytes(MiB)


def _adler32_extend_zeros(adler: int, n: int) -> int:
    """Adler-32 of ``data + bytes(n)`` given ``adler == adler32(data)``."""
    a = adler & 0xFFFF
    b = (adler >> 16) & 0xFFFF
    b = (b + (n % 65521) * a) % 65521
    return (b << 16) | a


def _crc32_extend_zeros(crc: int, n: int) -> int:
    """CRC-32 of ``data + bytes(n)`` given ``crc == crc32(data)``, chunk by chunk."""
    full, rest = divmod(n, len(_ZERO_CHUNK))
    for _ in range(full):
        crc = zlib.crc32(_ZERO_CHUNK, crc)
    return zlib.crc32(_ZERO_CHUNK[:rest], crc)


@functools.lru_cache(maxsize=None)
def _deflate_zeros(prefix: bytes, n_zeros: int, wbits: int) -> bytes:
    """Deflate ``prefix + bytes(n_zeros)`` without materialising the zeros.

    ``wbits`` is -15 for raw deflate (zip members, DICOM deflated transfer
    syntax, gzip bodies) or 15 for a zlib stream (PNG). For a zlib stream the
    trailing Adler-32 is computed in closed form.
    """
    co = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    full, rest = divmod(n_zeros, len(_ZERO_CHUNK))
    parts = [head]
    if full:
        # After a full flush the compressor keeps no history, so the output
        # for one chunk of zeros is a self-contained, byte-aligned block that
        # can be repeated.
        block = co.compress(_ZERO_CHUNK) + co.flush(zlib.Z_FULL_FLUSH)
        parts.append(block * full)
    tail = co.compress(_ZERO_CHUNK[:rest]) + co.flush(zlib.Z_FINISH)
    if wbits > 0:
        tail = tail[:-4]  # the compressor's Adler-32 only saw one chunk
        adler = _adler32_extend_zeros(zlib.adler32(prefix), n_zeros)
        tail += struct.pack(">I", adler)
    parts.append(tail)
    return b"".join(parts)


def _gzip_zeros(prefix: bytes, n_zeros: int) -> bytes:
    """A gzip member holding ``prefix + bytes(n_zeros)``, built in small pieces."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    body = _deflate_zeros(prefix, n_zeros, -15)
    crc = _crc32_extend_zeros(zlib.crc32(prefix), n_zeros)
    size = (len(prefix) + n_zeros) & 0xFFFFFFFF
    return header + body + struct.pack("<II", crc, size)


# --------------------------------------------------------------------------
# DICOM helpers
# --------------------------------------------------------------------------


class _lenient_pydicom:
    """Let pydicom write values that break the standard (NaN in a DS, ...)."""

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        s = pydicom.config.settings
        self._saved = (s.reading_validation_mode, s.writing_validation_mode)
        s.reading_validation_mode = pydicom.config.IGNORE
        s.writing_validation_mode = pydicom.config.IGNORE
        return self

    def __exit__(self, *exc):
        s = pydicom.config.settings
        s.reading_validation_mode, s.writing_validation_mode = self._saved
        self._warnings.__exit__(*exc)
        return False


def _read_dicom(raw: bytes) -> pydicom.Dataset:
    with _lenient_pydicom():
        return pydicom.dcmread(io.BytesIO(raw), force=True)


def _write_dicom(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    with _lenient_pydicom():
        ds.save_as(buf)
    return buf.getvalue()


def _edit_dicom(name: str, edit) -> bytes:
    ds = _read_dicom(_dicom_file(name))
    with _lenient_pydicom():
        edit(ds)
    return _write_dicom(ds)


def _first_frame(ds: pydicom.Dataset) -> bytes:
    return next(generate_frames(ds.PixelData, number_of_frames=1))


def _set_encapsulated(ds: pydicom.Dataset, frames: list[bytes]) -> None:
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].is_undefined_length = True


def _huge_header(ds: pydicom.Dataset) -> None:
    ds.Rows = 65535
    ds.Columns = 65535
    ds.NumberOfFrames = 100000


def _mr_slice(i: int, series_uid: str | None = None) -> pydicom.Dataset:
    """Slice ``i`` of a three-slice series made from MR_small.dcm."""
    ds = _read_dicom(_dicom_file("MR_small.dcm"))
    uid = f"1.2.826.0.1.3680043.8.498.7134.{i + 1}"
    ds.SOPInstanceUID = uid
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    if series_uid is not None:
        ds.SeriesInstanceUID = series_uid
    thickness = float(ds.get("SliceThickness", 1.0) or 1.0)
    x, y, z = (float(v) for v in ds.ImagePositionPatient)
    ds.ImagePositionPatient = [x, y, round(z + i * thickness, 4)]
    if "SliceLocation" in ds:
        ds.SliceLocation = round(float(ds.SliceLocation) + i * thickness, 4)
    ds.InstanceNumber = i + 1
    return ds


def _mr_series(n: int = 3, edit=None, series_uids=None) -> list[tuple[str, bytes]]:
    """A valid series (slices listed out of order); ``edit(i, ds)`` may spoil it."""
    files = []
    for i in reversed(range(n)):
        ds = _mr_slice(i, None if series_uids is None else series_uids[i])
        if edit is not None:
            edit(i, ds)
        files.append((f"IM{i + 1:04d}.dcm", _write_dicom(ds)))
    return files


def _deflated_dicom_bomb() -> bytes:
    """DICOM in the Deflated Explicit VR Little Endian transfer syntax whose
    dataset inflates to ~1.5 GiB: the image header is inside the deflated
    stream, so nothing tells its size before inflating."""
    template = _read_dicom(_dicom_file("CT_small.dcm"))
    meta = pydicom.dataset.FileMetaDataset()
    meta.MediaStorageSOPClassUID = template.SOPClassUID
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.7134.99"
    meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.8.498.1"
    fp = pydicom.filebase.DicomBytesIO()
    fp.is_little_endian, fp.is_implicit_VR = True, False
    pydicom.filewriter.write_file_meta_info(fp, meta, enforce_standard=True)
    preamble_and_meta = b"\x00" * 128 + b"DICM" + fp.getvalue()

    ds = pydicom.Dataset()
    for keyword in ("SOPClassUID", "Modality", "PatientName", "StudyInstanceUID",
                    "SeriesInstanceUID", "PhotometricInterpretation"):
        setattr(ds, keyword, getattr(template, keyword))
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.SamplesPerPixel = 1
    ds.NumberOfFrames = 3
    ds.Rows = 16384
    ds.Columns = 16384
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    body = pydicom.filebase.DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    pydicom.filewriter.write_dataset(body, ds)
    n_pixel_bytes = 3 * 16384 * 16384 * 2
    pixel_header = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, n_pixel_bytes)
    return preamble_and_meta + _deflate_zeros(body.getvalue() + pixel_header, n_pixel_bytes, -15)


# --------------------------------------------------------------------------
# NIfTI / ANALYZE helpers
# --------------------------------------------------------------------------


def _nii_endian(raw: bytes) -> str:
    return "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"


def _nii_patch(raw: bytes, **fields) -> bytes:
    """Patch NIfTI-1 / ANALYZE header fields by byte offset, keeping endianness."""
    offsets = {
        "sizeof_hdr": (0, "i"),
        "dim": (40, "8h"),
        "datatype": (70, "h"),
        "bitpix": (72, "h"),
        "vox_offset": (108, "f"),
        "magic": (344, "4s"),
    }
    out = bytearray(raw)
    e = _nii_endian(raw)
    for key, value in fields.items():
        off, fmt = offsets[key]
        values = value if isinstance(value, (list, tuple)) else (value,)
        struct.pack_into(e + fmt, out, off, *values)
    return bytes(out)


@functools.lru_cache(maxsize=None)
def _anatomical_le() -> bytes:
    """anatomical.nii re-saved little-endian (the shipped file is big-endian)."""
    img = nib.load(_NIBABEL_DATA / "anatomical.nii")
    data = np.asarray(img.dataobj).astype("<i2")
    return nib.Nifti1Image(data, img.affine).to_bytes()


@functools.lru_cache(maxsize=None)
def _analyze_pair() -> tuple[bytes, bytes]:
    """An ANALYZE 7.5 .hdr/.img pair made from anatomical.nii, in memory."""
    src = nib.load(_NIBABEL_DATA / "anatomical.nii")
    img = nib.AnalyzeImage(np.asarray(src.dataobj).astype("<i2"), src.affine)
    fmap = img.make_file_map()
    fmap["header"].fileobj = io.BytesIO()
    fmap["image"].fileobj = io.BytesIO()
    img.to_file_map(fmap)
    return fmap["header"].fileobj.getvalue(), fmap["image"].fileobj.getvalue()


def _nii_gzip_bomb_with_valid_header() -> bytes:
    hdr = nib.load(_NIBABEL_DATA / "anatomical.nii").header.copy()
    shape = (1024, 1024, 1100)
    hdr.set_data_shape(shape)
    hdr.set_data_dtype(np.uint8)
    hdr["vox_offset"] = 352
    prefix = hdr.binaryblock + b"\x00" * 4
    return _gzip_zeros(prefix, int(np.prod(shape)))


def _nifti2_huge() -> bytes:
    hdr = nib.Nifti2Header()
    hdr.set_data_dtype(np.int16)
    hdr.set_data_shape((10**6, 10**6, 10**6))
    hdr["vox_offset"] = 544
    return hdr.binaryblock + b"\x00" * 4 + b"\x00" * 64


# --------------------------------------------------------------------------
# PNG / JPEG / TIFF / GIF helpers
# --------------------------------------------------------------------------

_PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, bit_depth: int, colour_type: int, idat: bytes,
         extra: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (_PNG_SIG + _png_chunk(b"IHDR", ihdr) + extra
            + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b""))


def _png_insert_after_ihdr(png: bytes, chunk: bytes) -> bytes:
    return png[:33] + chunk + png[33:]


def _png_rgba_over_budget() -> bytes:
    """13000 x 13000 RGBA, 8 bit: 676 MB decoded, yet 169 Mpx is below
    Pillow's DecompressionBombError threshold (2 x 89.5 Mpx)."""
    w = h = 13000
    raw_len = h * (1 + 4 * w)  # filter byte + RGBA per row; all zero
    return _png(w, h, 8, 6, _deflate_zeros(b"", raw_len, 15))


def _jpeg_with_size(jpeg: bytes, width: int, height: int) -> bytes:
    out = bytearray(jpeg)
    i = 2
    while i < len(out) - 9:
        if out[i] != 0xFF:
            raise ValueError("not a marker")
        marker = out[i + 1]
        seglen = struct.unpack(">H", out[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            struct.pack_into(">HH", out, i + 5, height, width)
            return bytes(out)
        i += 2 + seglen
    raise ValueError("no SOF marker")


def _tiff_ifd(entries: list[tuple[int, int, int, int]], next_ifd: int) -> bytes:
    """entries: (tag, type, count, value) with a value that fits in 4 bytes."""
    out = [struct.pack("<H", len(entries))]
    for tag, typ, count, value in sorted(entries):
        if typ == 3:  # SHORT
            out.append(struct.pack("<HHIHH", tag, typ, count, value, 0))
        else:  # LONG
            out.append(struct.pack("<HHII", tag, typ, count, value))
    out.append(struct.pack("<I", next_ifd))
    return b"".join(out)


def _tiff_entries(width, height, bits, compression, strip_offset, strip_bytes):
    return [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, bits),
        (259, 3, 1, compression), (262, 3, 1, 1), (273, 4, 1, strip_offset),
        (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, strip_bytes),
    ]


def _tiff(width: int, height: int, bits: int, strip: bytes, compression: int = 1,
          pages: int = 1, first_ifd: int | None = None, strip_offset: int | None = None) -> bytes:
    """A little-endian TIFF; every page points at the same single strip."""
    strip_at = 8
    ifd_at = strip_at + len(strip) + (len(strip) & 1)
    entry_count = 9
    ifd_size = 2 + 12 * entry_count + 4
    parts = [b"II*\x00", struct.pack("<I", ifd_at if first_ifd is None else first_ifd),
             strip, b"\x00" * (len(strip) & 1)]
    so = strip_at if strip_offset is None else strip_offset
    for p in range(pages):
        nxt = ifd_at + (p + 1) * ifd_size if p + 1 < pages else 0
        parts.append(_tiff_ifd(_tiff_entries(width, height, bits, compression, so, len(strip)), nxt))
    return b"".join(parts)


def _gif(width: int, height: int, frames: int, frame_w: int = 1, frame_h: int = 1) -> bytes:
    """GIF89a with a big logical screen and many tiny frames (one pixel each)."""
    out = [b"GIF89a", struct.pack("<HHBBB", width, height, 0x80, 0, 0),
           b"\x00\x00\x00\xff\xff\xff",  # global colour table: black, white
           b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"]
    # LZW, minimum code size 2: clear (4), colour 0, end (5) in 3-bit codes
    pixel = b"\x02\x02\x44\x01\x00"
    for f in range(frames):
        out.append(b"\x21\xf9\x04\x00\x01\x00\x00\x00")  # graphic control, 10 ms
        out.append(b"\x2c" + struct.pack("<HHHHB", f % max(1, width - frame_w), 0,
                                         frame_w, frame_h, 0))
        out.append(pixel)
    out.append(b"\x3b")
    return b"".join(out)


# --------------------------------------------------------------------------
# ZIP helpers (raw, so the headers can lie)
# --------------------------------------------------------------------------


@dataclass
class _ZipMember:
    name: str
    payload: bytes  # already compressed for method 8
    crc: int
    usize: int
    method: int = 8
    flags: int = 0
    is_dir: bool = False


def _zmember(name: str, data: bytes, method: int = 8) -> _ZipMember:
    if method == 8:
        co = zlib.compressobj(6, zlib.DEFLATED, -15)
        payload = co.compress(data) + co.flush()
    else:
        payload = data
    return _ZipMember(name, payload, zlib.crc32(data), len(data), method)


def _zmember_zeros(name: str, n: int) -> _ZipMember:
    return _ZipMember(name, _deflate_zeros(b"", n, -15), _crc32_zeros(n), n)


@functools.lru_cache(maxsize=None)
def _crc32_zeros(n: int) -> int:
    return _crc32_extend_zeros(0, n)


def _zip(members: list[_ZipMember], central_flags_too: bool = True) -> bytes:
    local, central, offset = [], [], 0
    for m in members:
        name = m.name.encode("utf-8")
        flags = m.flags | 0x800  # UTF-8 names
        head = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, m.method, 0, 0x21,
                           m.crc, len(m.payload), m.usize, len(name), 0) + name
        local.append(head + m.payload)
        cflags = flags if central_flags_too else 0x800
        ext_attr = 0x10 if m.is_dir else 0
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, cflags,
                                   m.method, 0, 0x21, m.crc, len(m.payload), m.usize,
                                   len(name), 0, 0, 0, 0, ext_attr, offset) + name)
        offset += len(head) + len(m.payload)
    cd = b"".join(central)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members),
                       len(cd), offset, 0)
    return b"".join(local) + cd + eocd


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


def _generic_cases() -> list[HostileCase]:
    C = HostileCase
    return [
        C("empty_file", "upload.dcm", b"", "zero bytes"),
        C("one_byte", "image.png", b"\x89", "a single byte, the first of a PNG signature"),
        C("random_bytes", "noise.bin", _rng_bytes(4096), "4 KiB of random bytes, no format"),
        C("random_bytes_named_dcm", "scan.dcm", _rng_bytes(4096, seed=1),
          "random bytes with a .dcm name: format is sniffed by content, not extension"),
        C("all_zeros", "zeros.img", bytes(4096),
          "4 KiB of zero bytes (no DICM magic, NIfTI sizeof_hdr 0)"),
        C("text_file", "notes.txt",
          b"Patient notes\nThis is a plain text file, not an image.\n" * 20, "a text file"),
        C("text_named_nii", "brain.nii",
          b"This is not a NIfTI file, just text with a .nii name.\n" * 10,
          "text with a .nii extension"),
        C("dicom_json", "study.json", _dicom_file("test1.json"),
          "DICOM JSON model (pydicom test1.json): metadata only, not a supported image file"),
        C("numpy_npy", "faces.npy", _skimage_file("lfw_subset.npy")[:8192],
          "a NumPy .npy file (skimage lfw_subset.npy, first 8 KiB): not a supported format"),
        C("mgh_unsupported", "brain.mgz", _nibabel_file("test.mgz"),
          "FreeSurfer MGZ (nibabel test.mgz): gzip of an unsupported format"),
        C("gzip_of_text", "brain.nii.gz", gzip.compress(b"hello, I am not a NIfTI header\n" * 20),
          "a valid gzip stream whose content is text, named .nii.gz"),
        C("dicm_magic_then_garbage", "scan.dcm",
          b"\x00" * 128 + b"DICM" + _rng_bytes(2048, seed=2),
          "DICOM preamble and DICM magic followed by random bytes"),
        C("dicom_preamble_only", "scan.dcm", b"\x00" * 128 + b"DICM",
          "DICOM preamble and magic, nothing after"),
    ]


def _dicom_cases() -> list[HostileCase]:
    C = HostileCase
    ct = _dicom_file("CT_small.dcm")
    cases = [
        C("dcm_truncated_in_meta", "CT_small.dcm", ct[:200],
          "CT_small.dcm cut inside the file meta information"),
        C("dcm_truncated_in_header", "CT_small.dcm", ct[:1200],
          "CT_small.dcm cut inside the dataset, before the pixel data"),
        C("dcm_truncated_in_pixels", "CT_small.dcm", ct[: len(ct) - 16000],
          "CT_small.dcm cut in the middle of the PixelData value"),
        C("dcm_mr_truncated", "MR_truncated.dcm", _dicom_file("MR_truncated.dcm"),
          "pydicom's MR_truncated.dcm: PixelData shorter than 64x64x16 bit"),
        C("dcm_rtplan_no_pixels", "rtplan.dcm", _dicom_file("rtplan.dcm"),
          "a valid RT Plan: DICOM without any image"),
        C("dcm_sr_no_pixels", "report.dcm", _dicom_file("test-SR.dcm"),
          "a valid Structured Report: DICOM without any image"),
        C("dcm_rtstruct_no_pixels", "rtstruct.dcm", _dicom_file("rtstruct.dcm"),
          "a valid RT Structure Set without file meta: DICOM without any image"),
    ]

    def huge_uncompressed(ds):
        _huge_header(ds)
        ds.PixelData = b"\x00" * 16

    def huge_single_frame(ds):
        ds.Rows = 65535
        ds.Columns = 65535
        ds.PixelData = b"\x00" * 16

    def huge_encapsulated(ds):
        _huge_header(ds)

    def pixels_short(ds):
        ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]

    def rows_zero(ds):
        ds.Rows = 0

    def columns_zero(ds):
        ds.Columns = 0

    def bits_7(ds):
        ds.BitsAllocated = 7
        ds.BitsStored = 7
        ds.HighBit = 6

    def bits_stored_too_big(ds):
        ds.BitsStored = 20
        ds.HighBit = 19

    def samples_3_mono(ds):
        ds.SamplesPerPixel = 3
        ds.PlanarConfiguration = 0

    def slope_nan(ds):
        ds.RescaleSlope = "NaN"

    def slope_inf(ds):
        ds.RescaleSlope = "inf"

    def intercept_nan(ds):
        ds.RescaleIntercept = "NaN"

    def no_rows(ds):
        del ds.Rows

    def rle_corrupt(ds):
        frame = bytearray(_first_frame(ds))
        # RLE header: segment count, then 15 offsets; make them point far away
        struct.pack_into("<16I", frame, 0, 15, *([0x7FFFFFF0] * 15))
        _set_encapsulated(ds, [bytes(frame)])

    def j2k_corrupt(ds):
        frame = bytearray(_first_frame(ds))
        frame[:32] = b"\x00" * 32  # wipe the SOC and SIZ markers
        _set_encapsulated(ds, [bytes(frame)])

    def encapsulated_empty(ds):
        ds.PixelData = b"\xfe\xff\x00\xe0\x00\x00\x00\x00"  # basic offset table only
        ds["PixelData"].is_undefined_length = True

    cases += [
        C("dcm_huge_uncompressed", "CT_small.dcm", _edit_dicom("CT_small.dcm", huge_uncompressed),
          "header declares 65535 x 65535 x 100000 frames x 16 bit (858 TB), 16 bytes of pixels"),
        C("dcm_huge_single_frame", "CT_small.dcm", _edit_dicom("CT_small.dcm", huge_single_frame),
          "header declares one 65535 x 65535 x 16 bit frame (8.6 GB), 16 bytes of pixels"),
        C("dcm_huge_rle", "MR_small_RLE.dcm", _edit_dicom("MR_small_RLE.dcm", huge_encapsulated),
          "RLE encapsulated, header declares 65535 x 65535 x 100000 frames, one small fragment"),
        C("dcm_huge_jpeg2000", "JPEG2000.dcm", _edit_dicom("JPEG2000.dcm", huge_encapsulated),
          "JPEG 2000 encapsulated, header declares 65535 x 65535 x 100000 frames, one small fragment"),
        C("dcm_pixeldata_short", "CT_small.dcm", _edit_dicom("CT_small.dcm", pixels_short),
          "well-formed element, but PixelData holds half the bytes Rows x Columns x 16 bit need"),
        C("dcm_rows_zero", "CT_small.dcm", _edit_dicom("CT_small.dcm", rows_zero), "Rows = 0"),
        C("dcm_columns_zero", "CT_small.dcm", _edit_dicom("CT_small.dcm", columns_zero),
          "Columns = 0"),
        C("dcm_rows_missing", "CT_small.dcm", _edit_dicom("CT_small.dcm", no_rows),
          "PixelData present but the Rows element is missing"),
        C("dcm_bits_allocated_7", "CT_small.dcm", _edit_dicom("CT_small.dcm", bits_7),
          "BitsAllocated = 7 (must be 1 or a multiple of 8)"),
        C("dcm_bits_stored_gt_allocated", "CT_small.dcm",
          _edit_dicom("CT_small.dcm", bits_stored_too_big), "BitsStored 20 > BitsAllocated 16"),
        C("dcm_samples3_monochrome", "CT_small.dcm", _edit_dicom("CT_small.dcm", samples_3_mono),
          "SamplesPerPixel 3 with MONOCHROME2 and only one sample's worth of pixel data"),
        C("dcm_rescale_slope_nan", "CT_small.dcm", _edit_dicom("CT_small.dcm", slope_nan),
          "RescaleSlope NaN: every Hounsfield value would be NaN"),
        C("dcm_rescale_slope_inf", "CT_small.dcm", _edit_dicom("CT_small.dcm", slope_inf),
          "RescaleSlope inf: every Hounsfield value would be infinite or NaN"),
        C("dcm_rescale_intercept_nan", "CT_small.dcm", _edit_dicom("CT_small.dcm", intercept_nan),
          "RescaleIntercept NaN"),
        C("dcm_rle_corrupt_segments", "MR_small_RLE.dcm", _edit_dicom("MR_small_RLE.dcm", rle_corrupt),
          "RLE header lists 15 segments at offsets far past the end of the fragment"),
        C("dcm_jpeg2000_corrupt_codestream", "JPEG2000.dcm", _edit_dicom("JPEG2000.dcm", j2k_corrupt),
          "JPEG 2000 codestream with its SOC/SIZ markers wiped"),
        C("dcm_encapsulated_no_fragments", "JPEG2000.dcm",
          _edit_dicom("JPEG2000.dcm", encapsulated_empty),
          "encapsulated PixelData with a basic offset table and no fragment at all"),
        C("dcm_unknown_transfer_syntax", "CT_small.dcm",
          ct.replace(b"1.2.840.10008.1.2.1\x00", b"1.2.840.10008.9.9.9\x00", 1),
          "file meta names a transfer syntax no decoder knows (1.2.840.10008.9.9.9)"),
        C("dcm_deflate_bomb", "CT_deflated.dcm", _deflated_dicom_bomb(),
          "Deflated transfer syntax; the dataset inflates to 1.5 GiB (3 x 16384 x 16384 x 16 bit)"
          " so its header can only be read by inflating, which must be bounded"),
    ]
    return cases


def _nifti_cases() -> list[HostileCase]:
    C = HostileCase
    anat = _nibabel_file("anatomical.nii")
    anat_le = _anatomical_le()
    ex4d_gz = _nibabel_file("example4d.nii.gz")
    # NIfTI-1 dims are int16, so 32767 is the largest a side can claim
    huge_nii = _nii_patch(anat[:352 + 64], dim=[3, 32767, 32767, 32767, 1, 1, 1, 1])
    return [
        C("nii_truncated_header", "anatomical.nii", anat[:100],
          "anatomical.nii cut inside the 348-byte header"),
        C("nii_truncated_after_header", "anatomical.nii", anat[:352],
          "anatomical.nii header only, no voxels"),
        C("nii_truncated_in_data", "anatomical.nii", anat[: len(anat) // 2],
          "anatomical.nii cut halfway through the voxel data"),
        C("nii_bad_magic", "anatomical.nii", _nii_patch(anat_le, magic=b"xyz\x00"),
          "sizeof_hdr 348 but magic 'xyz' instead of 'n+1'"),
        C("nii_bad_datatype", "anatomical.nii", _nii_patch(anat_le, datatype=9999),
          "datatype code 9999 does not exist"),
        C("nii_negative_dim", "anatomical.nii",
          _nii_patch(anat_le, dim=[3, 33, -41, 25, 1, 1, 1, 1]), "dim[2] = -41"),
        C("nii_dim0_out_of_range", "anatomical.nii",
          _nii_patch(anat_le, dim=[9, 33, 41, 25, 1, 1, 1, 1]),
          "dim[0] = 9 (number of dimensions must be 1..7)"),
        C("nii_huge_dims", "huge.nii", huge_nii,
          "header declares 32767^3 int16 (70 TB) in a 416-byte file"),
        C("niigz_huge_dims", "huge.nii.gz", gzip.compress(huge_nii),
          "the same 32767^3 header gzipped"),
        C("nii_vox_offset_past_end", "anatomical.nii", _nii_patch(anat_le, vox_offset=1.0e9),
          "vox_offset says the voxels start 1 GB into a 68 kB file"),
        C("nifti2_huge_dims", "huge2.nii", _nifti2_huge(),
          "NIfTI-2 header declaring 10^6 x 10^6 x 10^6 int16, no data"),
        C("niigz_truncated_half", "example4d.nii.gz", ex4d_gz[: len(ex4d_gz) // 2],
          "example4d.nii.gz cut halfway: the deflate stream ends early"),
        C("niigz_truncated_header", "example4d.nii.gz", ex4d_gz[:40],
          "example4d.nii.gz cut after 40 bytes: not even a NIfTI header inflates"),
        C("niigz_bomb_zeros", "bomb.nii.gz", _gzip_zeros(b"", int(1.1 * GiB)),
          "gzip bomb: ~1 MB that inflates to 1.1 GiB of zeros (no NIfTI header inside)"),
        C("niigz_bomb_small_header", "anatomical.nii.gz", _gzip_zeros(anat_le, int(1.1 * GiB)),
          "valid 68 kB anatomical.nii (33 x 41 x 25) followed by 1.1 GiB of zeros, gzipped to"
          " ~1 MB: inflate no further than the header says, never up to the budget"),
        C("niigz_bomb_valid_header", "big.nii.gz", _nii_gzip_bomb_with_valid_header(),
          "valid NIfTI header for 1024 x 1024 x 1100 uint8 (1.1 GiB) and all its voxels, gzipped"
          " to ~1 MB: refuse from the header, before inflating"),
    ]


def _analyze_cases() -> list[HostileCase]:
    C = HostileCase
    hdr, img = _analyze_pair()
    huge_hdr = _nii_patch(hdr, dim=[3, 30000, 30000, 30000, 1, 1, 1, 1])
    return [
        C("analyze_hdr_without_img", "brain.hdr", [("brain.hdr", hdr)],
          "load_series with an ANALYZE .hdr and no .img"),
        C("analyze_img_without_hdr", "brain.img", [("brain.img", img)],
          "load_series with an ANALYZE .img and no .hdr"),
        C("analyze_img_too_short", "brain.hdr", [("brain.hdr", hdr), ("brain.img", img[: len(img) // 3])],
          "ANALYZE pair whose .img holds a third of the voxels the .hdr declares"),
        C("analyze_huge_dims", "brain.hdr", [("brain.hdr", huge_hdr), ("brain.img", img[:1024])],
          "ANALYZE .hdr declaring 30000^3 int16 with a 1 KiB .img"),
        C("analyze_hdr_as_single_file", "analyze.hdr", _nibabel_file("analyze.hdr"),
          "nibabel's analyze.hdr given alone to load_image: a header with no voxels"),
    ]


def _png_cases() -> list[HostileCase]:
    C = HostileCase
    cam = _skimage_file("camera.png")
    bad_crc = bytearray(cam)
    bad_crc[29:33] = bytes(b ^ 0xFF for b in bad_crc[29:33])
    ztxt = _png_chunk(b"zTXt", b"Comment\x00\x00" + _deflate_zeros(b"", 64 * MiB, 15))
    return [
        C("png_signature_only", "camera.png", cam[:8], "PNG signature and nothing else"),
        C("png_truncated_after_ihdr", "camera.png", cam[:33], "camera.png cut before any IDAT"),
        C("png_truncated_in_idat", "camera.png", cam[: len(cam) // 2],
          "camera.png cut halfway through the image data"),
        C("png_bad_ihdr_crc", "camera.png", bytes(bad_crc), "camera.png with a wrong IHDR CRC"),
        C("png_zero_width", "empty.png", _png(0, 10, 8, 0, zlib.compress(b"\x00" * 10)),
          "IHDR width 0"),
        C("png_huge_declared", "huge.png",
          _png(100000, 100000, 8, 0, zlib.compress(b"\x00" * 100001)),
          "IHDR declares 100000 x 100000 (10 Gpx), one row of data"),
        C("png_rgba_over_budget", "big.png", _png_rgba_over_budget(),
          "complete, valid 13000 x 13000 RGBA PNG: 676 MB decoded from ~0.7 MB, and 169 Mpx"
          " is under Pillow's own bomb limit, so only the loader's budget stops it"),
        C("png_ztxt_bomb", "camera.png", _png_insert_after_ihdr(cam, ztxt),
          "camera.png with a zTXt chunk that inflates to 64 MiB"),
    ]


def _jpeg_cases() -> list[HostileCase]:
    C = HostileCase
    jpg = _skimage_file("rocket.jpg")
    return [
        C("jpeg_soi_only", "rocket.jpg", jpg[:3], "only the JPEG start-of-image marker"),
        C("jpeg_truncated_in_headers", "rocket.jpg", jpg[:400],
          "rocket.jpg cut inside its header segments"),
        C("jpeg_truncated_in_scan", "rocket.jpg", jpg[: len(jpg) // 2],
          "rocket.jpg cut halfway through the entropy-coded scan"),
        C("jpeg_huge_declared", "rocket.jpg", _jpeg_with_size(jpg, 65500, 65500),
          "SOF declares 65500 x 65500 (4.3 Gpx) with the scan data of a small image"),
    ]


def _tiff_cases() -> list[HostileCase]:
    C = HostileCase
    tif = _skimage_file("multipage.tif")
    page_strip = zlib.compress(bytes(MiB), 9)
    return [
        C("tiff_header_only", "multipage.tif", tif[:8], "TIFF header, first IFD missing"),
        C("tiff_truncated_in_first_page", "multipage.tif", tif[:100],
          "multipage.tif cut inside the first page's strip, before its IFD"),
        C("tiff_truncated_in_ifd", "multipage.tif", tif[:180],
          "multipage.tif cut inside the first IFD"),
        C("tiff_ifd_offset_past_end", "bad.tif",
          _tiff(16, 16, 8, bytes(256), first_ifd=0x7FFFFFF0),
          "header points to an IFD 2 GB past the end of the file"),
        C("tiff_strip_past_end", "bad.tif",
          _tiff(64, 64, 8, bytes(64), strip_offset=0x7FFFFFF0),
          "64 x 64 page whose only strip lies 2 GB past the end of the file"),
        C("tiff_huge_declared", "huge.tif", _tiff(100000, 100000, 16, bytes(16)),
          "one page declaring 100000 x 100000 x 16 bit (20 GB) with a 16-byte strip"),
        C("tiff_page_bomb", "stack.tif",
          _tiff(1024, 1024, 8, page_strip, compression=8, pages=2000),
          "2000 pages of 1024 x 1024 deflated zeros sharing one 1 kB strip: 2 GiB decoded"),
    ]


def _gif_cases() -> list[HostileCase]:
    C = HostileCase
    gif = _skimage_file("no_time_for_that_tiny.gif")
    return [
        C("gif_header_only", "anim.gif", gif[:6], "just 'GIF89a'"),
        C("gif_truncated_after_screen", "anim.gif", gif[:13],
          "GIF cut after the logical screen descriptor"),
        C("gif_truncated_half", "anim.gif", gif[: len(gif) // 2],
          "animated GIF cut halfway through its frames"),
        C("gif_huge_screen", "huge.gif", _gif(65535, 65535, 1),
          "logical screen 65535 x 65535 (4.3 Gpx) with one one-pixel frame"),
        C("gif_frame_bomb", "bomb.gif", _gif(2048, 2048, 300),
          "animated GIF bomb: 300 frames on a 2048 x 2048 screen in ~5 kB; rendered frames"
          " are 1.2 GB as palette indices, 3.8 GB as RGB"),
    ]


def _zip_cases() -> list[HostileCase]:
    C = HostileCase
    ct = _dicom_file("CT_small.dcm")
    hdr, img = _analyze_pair()
    good_ct = _zip([_zmember("CT_small.dcm", ct)])

    bad_crc = _zmember("CT_small.dcm", ct)
    bad_crc.crc ^= 0xDEADBEEF

    encrypted = _zmember("CT_small.dcm", ct)
    encrypted.flags |= 0x1

    unknown_method = _zmember("CT_small.dcm", ct, method=0)
    unknown_method.method = 99  # AES in WinZip's scheme; zipfile cannot read it

    bomb = _zmember_zeros("scan.dcm", 600 * MiB)
    lying = _zmember_zeros("scan.dcm", 600 * MiB)
    lying.usize = len(ct)
    lying.crc = zlib.crc32(ct)

    ten = _zmember_zeros("slice.dcm", 10 * MiB)
    many_big = [_ZipMember(f"slice_{i:03d}.dcm", ten.payload, ten.crc, ten.usize)
                for i in range(64)]

    one = _zmember_zeros("slice.dcm", MiB)
    many_one_mib = [_ZipMember(f"slice_{i:03d}.dcm", one.payload, one.crc, one.usize)
                    for i in range(600)]

    tiny = _zmember("x.dcm", b"not dicom", method=0)
    many_tiny = [_ZipMember(f"series/IM{i:05d}.dcm", tiny.payload, tiny.crc, tiny.usize, 0)
                 for i in range(20000)]

    mixed = _mr_series(4, series_uids=["1.2.826.0.1.3680043.8.498.7134.100"] * 2
                       + ["1.2.826.0.1.3680043.8.498.7134.200"] * 2)

    return [
        C("zip_empty", "empty.zip", _zip([]), "a zip with no members"),
        C("zip_directories_only", "folders.zip",
          _zip([_ZipMember("dicom/", b"", 0, 0, 0, is_dir=True),
                _ZipMember("dicom/series1/", b"", 0, 0, 0, is_dir=True)]),
          "a zip holding only empty folders"),
        C("zip_text_files", "notes.zip",
          _zip([_zmember("readme.txt", b"read me\n" * 50), _zmember("notes.txt", b"notes\n" * 50)]),
          "a zip of unrelated text files"),
        C("zip_no_pixel_dicom", "plans.zip",
          _zip([_zmember("rtplan.dcm", _dicom_file("rtplan.dcm")),
                _zmember("report.dcm", _dicom_file("test-SR.dcm"))]),
          "a zip of DICOM files without images (RT plan, SR)"),
        C("zip_bomb_one_member", "bomb.zip", _zip([bomb]),
          "one member of 600 MiB of zeros compressed to ~0.6 MB (over the budget, ratio ~1000)"),
        C("zip_bomb_lying_size", "bomb.zip", _zip([lying]),
          "member's headers say 39 kB (CT_small's size and CRC) but it inflates to 600 MiB"),
        C("zip_total_over_budget", "stack.zip", _zip(many_big),
          "64 members of 10 MiB zeros each: every member small, 640 MiB in total"),
        C("zip_total_over_budget_small_members", "stack.zip", _zip(many_one_mib),
          "600 members of exactly 1 MiB of zeros: each too small for a per-member ratio rule,"
          " 600 MiB in total"),
        C("zip_in_zip", "outer.zip", _zip([_zmember("inner.zip", good_ct)]),
          "a zip whose only member is another zip (holding CT_small.dcm): no recursive unpacking"),
        C("zip_only_os_junk", "mac.zip",
          _zip([_zmember("__MACOSX/._CT_small.dcm", b"\x00\x05\x16\x07" + bytes(200)),
                _zmember(".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(200))]),
          "a zip holding only macOS metadata files (__MACOSX/, .DS_Store)"),
        C("zip_20000_members", "many.zip", _zip(many_tiny),
          "20,000 tiny members: member-count limit"),
        C("zip_path_traversal", "evil.zip", _zip([_zmember("../evil.dcm", ct)]),
          "the only member is named '../evil.dcm' (a valid CT slice)"),
        C("zip_path_traversal_nested", "evil.zip",
          _zip([_zmember("series/../../etc/evil.dcm", ct)]),
          "member name climbs out of the archive through a sub-folder"),
        C("zip_absolute_path", "evil.zip", _zip([_zmember("/abs.dcm", ct)]),
          "the only member has the absolute name '/abs.dcm' (a valid CT slice)"),
        C("zip_bad_crc", "ct.zip", _zip([bad_crc]),
          "CT_small.dcm stored with a CRC-32 that does not match its content"),
        C("zip_truncated_central_directory", "ct.zip", good_ct[:-30],
          "valid zip of CT_small.dcm with the end of its central directory cut off"),
        C("zip_truncated_half", "ct.zip", good_ct[: len(good_ct) // 2],
          "valid zip of CT_small.dcm cut halfway through the member data"),
        C("zip_encrypted", "secret.zip", _zip([encrypted]),
          "encryption flag set in the local and central headers: needs a password"),
        C("zip_unknown_compression", "ct.zip", _zip([unknown_method]),
          "member compressed with method 99 (AES), which zipfile cannot read"),
        C("zip_mixed_series", "mixed.zip",
          _zip([_zmember(name, data) for name, data in mixed]),
          "four MR slices of the same size from two different SeriesInstanceUIDs:"
          " must be refused as a mixed series"),
        C("zip_analyze_img_too_short", "brain.zip",
          _zip([_zmember("brain.hdr", hdr), _zmember("brain.img", img[: len(img) // 3])]),
          "ANALYZE pair in a zip whose .img holds a third of the voxels"),
        C("zip_analyze_hdr_only", "brain.zip", _zip([_zmember("brain.hdr", hdr)]),
          "a zip holding an ANALYZE .hdr without its .img"),
    ]


def _series_cases() -> list[HostileCase]:
    C = HostileCase
    ct = _dicom_file("CT_small.dcm")

    def drop_all_positions(i, ds):
        for kw in ("ImagePositionPatient", "InstanceNumber", "SliceLocation"):
            if kw in ds:
                delattr(ds, kw)

    def drop_one_position(i, ds):
        if i == 1:
            del ds.ImagePositionPatient

    def huge(i, ds):
        ds.Rows = 65535
        ds.Columns = 65535
        ds.PixelData = b"\x00" * 16

    series_uid = _mr_slice(0).SeriesInstanceUID
    ct_same_series = _read_dicom(ct)
    ct_same_series.SeriesInstanceUID = series_uid
    different_sizes = _mr_series(2) + [("IM0003.dcm", _write_dicom(ct_same_series))]

    hdr, _ = _analyze_pair()
    return [
        C("series_empty_list", "", [], "load_series([]): no files at all"),
        C("series_text_files", "a.txt", [("a.txt", b"hello\n"), ("b.txt", b"world\n")],
          "two text files"),
        C("series_one_file_garbage", "IM0003.dcm",
          _mr_series(2) + [("IM0003.dcm", _rng_bytes(9830, seed=3))],
          "two valid MR slices and one file of random bytes"),
        C("series_mixed", "IM0001.dcm",
          _mr_series(4, series_uids=["1.2.826.0.1.3680043.8.498.7134.100"] * 2
                     + ["1.2.826.0.1.3680043.8.498.7134.200"] * 2),
          "slices of the same size from two different SeriesInstanceUIDs: mixed series"),
        C("series_different_sizes", "IM0003.dcm", different_sizes,
          "same SeriesInstanceUID but a 128 x 128 slice among 64 x 64 slices"),
        C("series_no_position", "IM0001.dcm", _mr_series(3, edit=drop_all_positions),
          "three slices without ImagePositionPatient, InstanceNumber or SliceLocation:"
          " no way to order them"),
        C("series_one_slice_missing_position", "IM0002.dcm", _mr_series(3, edit=drop_one_position),
          "one of three slices has no ImagePositionPatient, so it cannot be placed in the stack"),
        C("series_no_pixel_dicom", "rtplan.dcm",
          [("rtplan.dcm", _dicom_file("rtplan.dcm")), ("report.dcm", _dicom_file("test-SR.dcm"))],
          "DICOM files without images"),
        C("series_huge_slices", "IM0001.dcm", _mr_series(3, edit=huge),
          "three slices each declaring 65535 x 65535 x 16 bit with 16 bytes of pixels"),
        C("series_dicom_plus_nifti", "anatomical.nii",
          _mr_series(2) + [("anatomical.nii", _nibabel_file("anatomical.nii"))],
          "DICOM slices mixed with a NIfTI volume"),
        C("series_two_headers", "brain.hdr", [("brain.hdr", hdr), ("other.hdr", hdr)],
          "two ANALYZE headers and no image file"),
    ]


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[HostileCase, ...]:
    """All hostile cases, built once per process.

    Returns
    -------
    tuple of HostileCase
    """
    cases = (_generic_cases() + _dicom_cases() + _nifti_cases() + _analyze_cases()
             + _png_cases() + _jpeg_cases() + _tiff_cases() + _gif_cases()
             + _zip_cases() + _series_cases())
    return tuple(cases)


@functools.lru_cache(maxsize=1)
def controls() -> tuple[HostileCase, ...]:
    """Well-formed inputs the corpus is derived from; a working loader loads them.

    ``why`` here says what the input is.
    """
    C = HostileCase
    hdr, img = _analyze_pair()
    series = _mr_series(3)
    return (
        C("CT_small.dcm", "CT_small.dcm", _dicom_file("CT_small.dcm"), "uncompressed CT slice"),
        C("MR_small_RLE.dcm", "MR_small_RLE.dcm", _dicom_file("MR_small_RLE.dcm"), "RLE MR slice"),
        C("JPEG2000.dcm", "JPEG2000.dcm", _dicom_file("JPEG2000.dcm"), "JPEG 2000 DICOM"),
        C("image_dfl.dcm", "image_dfl.dcm", _dicom_file("image_dfl.dcm"),
          "Deflated transfer syntax (the kind dcm_deflate_bomb abuses)"),
        C("anatomical.nii", "anatomical.nii", _nibabel_file("anatomical.nii"), "big-endian NIfTI-1"),
        C("anatomical_le.nii.gz", "anatomical.nii.gz", gzip.compress(_anatomical_le()),
          "little-endian gzipped NIfTI-1"),
        C("camera.png", "camera.png", _skimage_file("camera.png"), "8-bit grey PNG"),
        C("rocket.jpg", "rocket.jpg", _skimage_file("rocket.jpg"), "colour JPEG"),
        C("multipage.tif", "multipage.tif", _skimage_file("multipage.tif"), "two-page TIFF"),
        C("anim.gif", "no_time_for_that_tiny.gif", _skimage_file("no_time_for_that_tiny.gif"),
          "animated GIF"),
        C("mr_series", "IM0001.dcm", series, "three MR slices of one series, out of order"),
        C("mr_series.zip", "series.zip", _zip([_zmember(n, d) for n, d in series]),
          "the same series in a zip"),
        C("analyze_pair", "brain.hdr", [("brain.hdr", hdr), ("brain.img", img)], "ANALYZE pair"),
        C("analyze_pair.zip", "brain.zip", _zip([_zmember("brain.hdr", hdr), _zmember("brain.img", img)]),
          "ANALYZE pair in a zip"),
    )


if __name__ == "__main__":  # pragma: no cover - a quick look at the corpus
    import time
    import tracemalloc

    tracemalloc.start()
    t0 = time.perf_counter()
    built = corpus()
    t1 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    total = sum(c.size for c in built)
    print(json.dumps({"cases": len(built), "seconds": round(t1 - t0, 2),
                      "bytes": total, "peak_traced_MiB": round(peak / MiB, 1)}))
    for c in built:
        print(f"{c.name:40s} {c.size:>10d}  {c.why}")
