"""PNG files written fast: the pictures the lessons send, some of them on every step of a slider.

Pillow chooses a PNG filter row by row and then deflates, about 12 ms for a
512 × 512 grey image at its fastest level; a lesson step that redraws two
pictures spends most of its time there. `encode_png` stores every row as its
difference from the row above (PNG's *Up* filter, computed by numpy for the
whole image at once) and deflates it with run-length matching only (zlib's
``Z_RLE``): about four times faster, and as small or smaller on medical and
natural images (the camera photograph: 3.4 ms and 147 kB against 12 ms and
159 kB; noise: 2.5 ms against 12 ms, both about 257 kB).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}
"""PNG colour type by number of channels: grey, grey and alpha, RGB, RGBA."""

UP = 2
"""PNG's filter type *Up*: each byte minus the byte above it."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray) -> bytes:
    """Lossless PNG bytes of 8-bit pixels: grey, grey and alpha, RGB or RGBA.

    Parameters
    ----------
    pixels : numpy.ndarray of uint8
        ``(rows, cols)`` or ``(rows, cols, channels)`` with 1 to 4 channels; at least one pixel.

    Returns
    -------
    bytes
        A PNG file (8 bits per sample, no interlacing) that any decoder reads back to `pixels`.

    Raises
    ------
    ValueError
        For another dtype, shape or number of channels.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    >>> np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(pixels)))), pixels)
    True
    """
    pixels = np.asarray(pixels)
    channels = 1 if pixels.ndim == 2 else pixels.shape[-1]
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or channels not in COLOUR_TYPES or not pixels.size:
        raise ValueError(f"a PNG here holds 8-bit grey, grey and alpha, RGB or RGBA pixels, not {pixels.dtype} "
                         f"of shape {pixels.shape}")
    rows, cols = pixels.shape[:2]
    lines = pixels.reshape(rows, cols * channels)
    filtered = np.empty((rows, cols * channels + 1), np.uint8)
    filtered[:, 0] = UP
    filtered[0, 1:] = lines[0]  # the row above the first is zeros
    np.subtract(lines[1:], lines[:-1], out=filtered[1:, 1:])  # modulo 256, as PNG asks
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    data = deflate.compress(filtered.tobytes()) + deflate.flush()
    header = struct.pack(">IIBBBBB", cols, rows, 8, COLOUR_TYPES[channels], 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
