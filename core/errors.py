"""The one exception the loaders raise, and the limits they enforce."""

from __future__ import annotations

MAX_DECODED_BYTES = 512 * 1024**2
"""Largest decoded pixel data a loader accepts (512 MiB), checked before decoding."""

MAX_ZIP_MEMBERS = 5000
"""Most files a .zip may hold."""

MAX_ZIP_RATIO = 200
"""Largest compression ratio of a .zip member above 1 MiB (a zip bomb reaches thousands)."""


class ImageLoadError(ValueError):
    """A file could not be read as an image; the message says why and what to try."""


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


def check_budget(nbytes: float, what: str) -> None:
    """Refuse an image whose decoded size would pass `MAX_DECODED_BYTES`.

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
    if nbytes > MAX_DECODED_BYTES:
        raise ImageLoadError(
            f"{what}: {human_bytes(nbytes)} once decoded, over the course's limit of "
            f"{human_bytes(MAX_DECODED_BYTES)}. Crop or downsample it first, or load fewer slices."
        )
