"""Everyday image formats: PNG, JPEG, GIF (through imageio) and TIFF (through tifffile).

These formats carry no patient orientation and, usually, no pixel size; a
photo's pixels are taken as 1 unit apart. The size is read from the header
and checked against the budget before any pixel is decoded.
"""

from __future__ import annotations

import io
import logging
import math
import warnings

import numpy as np

from core.io.errors import ImageLoadError, check_budget
from core.volume import Volume

logging.getLogger("tifffile").setLevel(logging.ERROR)  # its warnings about damaged files would flood the server log

# Pillow modes mapped to what imageio is asked to decode them as (None keeps the stored values).
DECODE_MODE = {
    "1": "L", "L": None, "I;16": None, "I;16B": None, "I;16L": None, "I": None, "F": None,
    "LA": "L", "La": "L", "P": "RGB", "PA": "RGB", "RGB": None, "RGBA": "RGB", "RGBa": "RGB",
    "RGBX": "RGB", "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB", "HSV": "RGB",
}
MODE_BITS = {"1": 1, "I;16": 16, "I;16B": 16, "I;16L": 16, "I": 32, "F": 32}
NO_SPACING_NOTE = "This format stores no pixel size in mm: 1 unit per pixel is assumed."


def _as_grey_if_equal(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """Drop the colour axis when red, green and blue are identical (a grey picture saved as RGB)."""
    if image.shape[-1] == 3 and np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 0], image[..., 2]):
        return np.ascontiguousarray(image[..., 0]), False
    return image, image.shape[-1] == 3


def load_pillow_format(data: bytes, filename: str, kind: str) -> Volume:
    """Load a PNG, JPEG or GIF file with imageio (its Pillow plugin).

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Name used on screen and in messages.
    kind : str
        "PNG", "JPEG" or "GIF" (recognised from the content by `core.io`).

    Returns
    -------
    Volume
        2D grey or colour; an animated GIF becomes a stack of frames. JPEG
        EXIF orientation is applied; 16-bit PNG values are kept.
    """
    import imageio.v3 as iio
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as probe:
                width, height, mode = probe.width, probe.height, probe.mode
                frames = getattr(probe, "n_frames", 1) if kind == "GIF" else 1
    except Image.DecompressionBombError:
        raise ImageLoadError(
            f"{filename}: the {kind} header declares more pixels than Pillow's decompression-bomb guard allows, "
            "over the course's limit. Crop or downsample the image first.") from None
    except Exception:  # Pillow raises UnidentifiedImageError, OSError, SyntaxError...
        raise ImageLoadError(f"{filename}: the {kind} header cannot be read: the file is damaged or truncated.") from None
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{filename}: the {kind} header declares {width} × {height} pixels, which cannot hold an image.")
    target = DECODE_MODE.get(mode, "RGB")
    channels = max(Image.getmodebands(mode) if mode in Image.MODES else 4, 3 if target == "RGB" else 1)
    check_budget(width * height * frames * channels * max(MODE_BITS.get(mode, 8), 8) // 8,
                 f"{filename} declares {frames} × {height} × {width} pixels in {mode} mode")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            options = {"rotate": True} if kind == "JPEG" else {}
            image = iio.imread(data, index=None if frames > 1 else 0, mode=target, **options)
    except Exception:  # noqa: BLE001 - truncated data, bad CRC, oversized text chunks...
        raise ImageLoadError(f"{filename}: the {kind} pixels could not be decoded: the file is damaged or truncated.") from None
    if mode == "1":
        image = (np.asarray(image) > 0).astype(np.uint8)  # keep the stored 0/1 values of a 1-bit image
    image = np.asarray(image)
    rgb = False
    if image.ndim >= 3 and image.shape[-1] == 3:
        image, rgb = _as_grey_if_equal(image)
    spacing = (1.0,) * (image.ndim - (1 if rgb else 0))
    metadata = {"format": kind, "Pillow mode": mode, "width": str(width), "height": str(height),
                "bits per sample": str(MODE_BITS.get(mode, 8)), "note": NO_SPACING_NOTE}
    if frames > 1:
        metadata["frames"] = str(frames)
    return Volume(data=image, spacing=spacing, metadata=metadata, name=filename, rgb=rgb,
                  modality="photo" if rgb else "", source_format=kind, spacing_known=False)


def load_tiff(data: bytes, filename: str) -> Volume:
    """Load a TIFF file; several pages make a 3D stack.

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
    import tifffile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with tifffile.TiffFile(io.BytesIO(data)) as tif:
                series = tif.series[0]
                shape, dtype, axes = tuple(series.shape), np.dtype(series.dtype), series.axes
                if not shape or any(n <= 0 for n in shape):
                    raise ImageLoadError(f"{filename}: the TIFF header declares an image of shape {shape}.")
                check_budget(math.prod(shape) * dtype.itemsize, f"{filename} declares {' × '.join(map(str, shape))} pixels")
                image = series.asarray()
    except ImageLoadError:
        raise
    except Exception:  # tifffile raises TiffFileError, ValueError, IndexError, struct.error...
        raise ImageLoadError(f"{filename}: the TIFF file cannot be read: it is damaged or truncated.") from None
    if dtype.kind == "c" or dtype.names:
        raise ImageLoadError(f"{filename}: holds {dtype} pixels; the course reads real-valued images.")
    if "S" in axes:  # samples (colour) axis last
        image = np.moveaxis(image, axes.index("S"), -1)
        axes = axes.replace("S", "") + "S"
    spatial = image.shape[:-1] if axes.endswith("S") else image.shape
    image = image.reshape(-1, *spatial[-2:], *image.shape[len(spatial):])
    if image.shape[0] == 1:
        image = image[0]
    rgb = False
    if axes.endswith("S"):
        samples = image.shape[-1]
        if samples == 1:
            image = image[..., 0]
        elif samples == 2:
            image = image[..., 0]  # grey + alpha
        elif samples in (3, 4):
            image, rgb = _as_grey_if_equal(np.ascontiguousarray(image[..., :3]))
        else:
            raise ImageLoadError(f"{filename}: {samples} samples per pixel; the course reads grey or RGB images.")
    spacing = (1.0,) * (image.ndim - (1 if rgb else 0))
    metadata = {"format": "TIFF", "axes": axes, "shape": str(shape), "dtype": str(dtype), "note": NO_SPACING_NOTE}
    return Volume(data=np.ascontiguousarray(image), spacing=spacing, metadata=metadata, name=filename, rgb=rgb,
                  modality="photo" if rgb else "", source_format="TIFF", spacing_known=False)
