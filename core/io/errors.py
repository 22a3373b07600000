"""The one exception the loaders raise, and the limits they enforce."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

MAX_DECODED_BYTES = 512 * 1024**2
"""Largest decoded pixel data a loader accepts (512 MiB), checked before decoding."""

MAX_ZIP_MEMBERS = 5000
"""Most files a .zip may hold."""

MAX_ZIP_RATIO = 200
"""Largest compression ratio of a .zip member above 1 MiB (a zip bomb reaches thousands)."""


class ImageLoadError(ValueError):
    """A file could not be read as an image; the message says why and what to try."""


NOT_ABOUT_THE_FILE = (KeyboardInterrupt, SystemExit, GeneratorExit)
"""BaseExceptions that stop the program rather than describe a bad file. Everything else a decoder
raises, including a Rust decoder's ``PanicException`` (a BaseException), is about the file."""


def human_bytes(n: float) -> str:
    """Bytes as a short human string.

    Examples
    --------
    >>> human_bytes(512 * 1024**2)
    '512 MiB'
    """
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" or n == int(n) else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def inflate_bounded(stream: bytes, limit: int, wbits: int, what: str, keep: bool = True,
                    chunk: int = 16 * 1024**2) -> bytes:
    """Decompress a zlib/gzip/deflate stream chunk by chunk, refusing output over `limit` bytes.

    Memory stays at most `limit` plus one chunk, however large the stream
    would expand (a decompression bomb is stopped at the limit).

    Parameters
    ----------
    stream : bytes
        Compressed data.
    limit : int
        Most bytes of output accepted.
    wbits : int
        zlib's window bits: 31 for gzip, -15 for raw deflate.
    what : str
        The start of the messages, e.g. ``"scan.nii.gz"``.
    keep : bool
        False only checks the size: chunks are counted and dropped, so even
        the limit itself is never held in memory.

    Returns
    -------
    bytes
        The whole output (empty when `keep` is False).

    Raises
    ------
    ImageLoadError
        Damaged or truncated stream, or more than `limit` bytes of output.
    """
    import zlib

    inflater = zlib.decompressobj(wbits=wbits)
    out = bytearray()
    size = 0
    pending = stream
    try:
        while pending and not inflater.eof:
            piece = inflater.decompress(pending, min(chunk, limit + 1 - size))
            size += len(piece)
            if keep:
                out += piece
            pending = inflater.unconsumed_tail
            if size > limit:
                raise ImageLoadError(
                    f"{what} decompresses to more than {human_bytes(limit)}, more than its header declares or "
                    "over the course's limit. It may be a decompression bomb: nothing more was expanded."
                )
    except zlib.error:
        raise ImageLoadError(f"{what}: the compressed data is damaged. Compress or export the file again.") from None
    if not inflater.eof:
        raise ImageLoadError(f"{what}: the compressed data ends early: the file is truncated. Copy it again.")
    return bytes(out)


def plain_reason(exc: BaseException) -> str:
    """A library's exception as one short line without object addresses, for the end of a message."""
    import re

    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"<[^<>]* at 0x[0-9a-fA-F]+>", "the file", text)
    return text[:100].rstrip(" .:")


_BUDGET = contextvars.ContextVar("decoded_budget", default=(MAX_DECODED_BYTES, ""))


@contextmanager
def decoded_budget(limit: int, reason: str):
    """Lower the decoded-size budget of every image loaded inside the block (this thread or task only).

    Parameters
    ----------
    limit : int
        Bytes; the budget is never raised above the current one.
    reason : str
        Said in the refusal, e.g. ``"per image of a class-folder .zip"``.

    Examples
    --------
    >>> try:
    ...     with decoded_budget(1024, "per test image"):
    ...         check_budget(4096, "x.png declares 32 × 32 pixels")
    ... except ImageLoadError as exc:
    ...     print(str(exc).split(". ")[0])
    x.png declares 32 × 32 pixels: 4 KiB once decoded, over the course's limit of 1 KiB per test image
    """
    current, _ = _BUDGET.get()
    token = _BUDGET.set((min(limit, current), reason) if limit < current else _BUDGET.get())
    try:
        yield
    finally:
        _BUDGET.reset(token)


def check_budget(nbytes: float, what: str) -> None:
    """Refuse an image whose decoded size would pass `MAX_DECODED_BYTES` (or the lower `decoded_budget` in force).

    Parameters
    ----------
    nbytes : float
        Decoded size in bytes, computed from the header before decoding.
    what : str
        The start of the message, e.g. ``"scan.dcm declares 65535 × 65535 pixels"``.

    Raises
    ------
    ImageLoadError
        When `nbytes` is over the budget.
    """
    limit, reason = _BUDGET.get()
    if nbytes > limit:
        raise ImageLoadError(
            f"{what}: {human_bytes(nbytes)} once decoded, over the course's limit of "
            f"{human_bytes(limit)}{' ' + reason if reason else ''}. Crop or downsample it first, or load fewer slices."
        )
