"""A seeded mutation fuzzer through `core.io.load_image`: bit flips, truncations and field edits.

Every mutated file must either load or raise `ImageLoadError`, nothing else.
A case that ever failed is kept in ``fuzz_regressions/`` and replayed first.
Set ``FUZZ_CASES`` to run more (the default is a quick thousand).
"""

from __future__ import annotations

import gzip
import io
import os
import random
import struct
import tracemalloc
import zipfile
from pathlib import Path

import nibabel as nib
from pydicom.data import get_testdata_file

from core import samples
from core.io import ImageLoadError, load_image

REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"
CASES = int(os.environ.get("FUZZ_CASES", "1000"))
SKIMAGE_DATA = Path(samples.SAMPLES[-1].path).parent
NIBABEL_DATA = Path(nib.__file__).parent / "tests" / "data"


def seeds() -> dict[str, bytes]:
    """Small well-formed files of every format the loader reads."""
    files = {name: Path(get_testdata_file(name)).read_bytes()
             for name in ("CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm",
                          "SC_rgb_rle_2frame.dcm", "examples_palette.dcm", "JPEGLSNearLossless_08.dcm", "image_dfl.dcm")}
    files["anatomical.nii"] = (NIBABEL_DATA / "anatomical.nii").read_bytes()
    files["example4d.nii.gz"] = (NIBABEL_DATA / "example4d.nii.gz").read_bytes()
    files["standard.nii.gz"] = (NIBABEL_DATA / "standard.nii.gz").read_bytes()
    for name in ("microaneurysms.png", "multipage.tif", "no_time_for_that_tiny.gif", "chessboard_GRAY.png"):
        files[name] = (SKIMAGE_DATA / name).read_bytes()
    small_jpeg = io.BytesIO()
    from PIL import Image

    Image.open(SKIMAGE_DATA / "chelsea.png").resize((60, 40)).save(small_jpeg, "JPEG")
    files["cat.jpg"] = small_jpeg.getvalue()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in samples.mni_dicom_series(step=60):
            z.writestr(name, data)
    files["series.zip"] = archive.getvalue()
    return files


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random mutation: flip bits, truncate, overwrite integers with extremes, splice or repeat."""
    buffer = bytearray(data)
    kind = rng.choice(("flip", "flip", "truncate", "integer", "header-integer", "splice", "zero-run"))
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(buffer))
            buffer[position] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del buffer[rng.randrange(1, len(buffer)):]
    elif kind in ("integer", "header-integer"):
        limit = min(len(buffer) - 4, 600) if kind == "header-integer" else len(buffer) - 4
        position = rng.randrange(max(limit, 1))
        value = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF))
        buffer[position:position + 4] = struct.pack("<I", value)
    elif kind == "splice":
        start = rng.randrange(len(buffer))
        piece = buffer[start:start + rng.randint(1, 64)]
        at = rng.randrange(len(buffer))
        buffer[at:at] = piece
    else:
        start = rng.randrange(len(buffer))
        buffer[start:start + rng.randint(1, 256)] = bytes(min(256, len(buffer) - start))
    return bytes(buffer)


def cases():
    base = seeds()
    names = sorted(base)
    rng = random.Random(20261127)
    for n in range(CASES):
        name = names[n % len(names)]
        data = base[name]
        for _ in range(rng.choice((1, 1, 2, 3))):
            data = mutate(data, rng)
        if name.endswith(".gz") and rng.random() < 0.3:  # mutate inside the compression too
            data = gzip.compress(mutate(gzip.decompress(base[name]), rng))
        yield f"{n:04d}-{name}", data


def check(name: str, data: bytes) -> str | None:
    """None when the loader behaved, else what went wrong."""
    try:
        load_image(data, name)
    except ImageLoadError as exc:
        if not str(exc) or "Traceback" in str(exc) or " at 0x" in str(exc):
            return f"unclear message: {exc}"
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzer hunts
        return f"{type(exc).__name__}: {exc}"
    return None


def test_regression_files_load_or_are_refused_cleanly():
    paths = sorted(REGRESSIONS.glob("*")) if REGRESSIONS.exists() else []
    assert [p.name for p in paths if check(p.name, p.read_bytes())] == []


def test_mutated_files_load_or_are_refused_cleanly():
    failures = []
    tracemalloc.start()
    try:
        for name, data in cases():
            problem = check(name, data)
            if problem:
                REGRESSIONS.mkdir(exist_ok=True)
                (REGRESSIONS / name).write_bytes(data)  # kept as a regression case: commit it
                failures.append(f"{name}: {problem[:200]}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert failures == []
    assert peak < 2 * 1024**3  # no mutated file makes the loader allocate 2 GB
