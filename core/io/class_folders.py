"""A learner's labelled images from a .zip laid out as one folder per class.

The layout of the public skin-cancer datasets (and of Keras'
``image_dataset_from_directory``)::

    train/benign/0001.jpg
    train/benign/0002.jpg
    train/malignant/0001.jpg
    test/benign/...          (optional: images kept apart for the final evaluation)
    test/malignant/...

Any number of classes; the folder names are the class names. The whole tree
may sit inside one top folder (``skin/train/benign/...``), as happens when a
folder is zipped. Each image goes through `core.io.load_image`, so every
format of the course is accepted, and a broken layout raises an
`ImageLoadError` that says what to change.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import numpy as np

from collections.abc import Callable

from core.io.errors import decoded_budget, human_bytes
from core.io import JUNK_NAMES, ImageLoadError, load_image, read_zip
from core.data.labelled import LabelledImages

MIN_PER_CLASS = 5
"""Fewest training images a class may have."""

MAX_IMAGES = 4000
"""Most images a .zip may hold."""

MAX_IMAGE_BYTES = 64 * 1024**2
"""Largest decoded size of one image of the .zip (64 MiB: 4096 × 4096 RGBA, 22 megapixels in RGB), checked from
its header before it is decoded: each image is shrunk to the network's input at once, so a class folder needs
no bigger picture."""

MAX_WORK_SIDE = 2048
"""Images with a longer side are first thinned to about this side (every k-th pixel) before the smooth resize."""

SPLITS = ("train", "test")
LAYOUT_HINT = ("Lay the .zip out as train/<class>/<image> (e.g. train/benign/1.jpg, train/malignant/1.jpg), "
               "optionally with test/<class>/<image>.")


def _member_paths(data: bytes) -> list[str]:
    """Full paths of the archive's files, in the order and with the filter of `core.io.read_zip`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        paths = [m.filename.replace("\\", "/") for m in archive.infolist() if not m.is_dir()]
    return [p for p in paths if not any(j in p for j in JUNK_NAMES) and not PurePosixPath(p).name.startswith("._")]


def parse_layout(paths: list[str], name: str = "the .zip") -> list[tuple[str, str, int]]:
    """Check the layout and say, for each path, its split and class.

    Parameters
    ----------
    paths : list of str
        File paths inside the archive.
    name : str
        The archive's name, for messages.

    Returns
    -------
    list of (split, class, index into paths)
        Files outside ``train/`` and ``test/`` (a README at the top) are left out.

    Raises
    ------
    ImageLoadError
        No ``train/`` folder, images directly in ``train/`` or ``test/``, fewer
        than two classes, or a test class missing from the training classes.

    Examples
    --------
    >>> parse_layout(["data/train/a/1.png", "data/train/b/1.png", "data/README.txt"])
    [('train', 'a', 0), ('train', 'b', 1)]
    """
    parts = [PurePosixPath(p).parts for p in paths]
    tops = {p[0] for p in parts if len(p) > 1}
    if len(tops) == 1 and next(iter(tops)).lower() not in SPLITS and all(len(p) > 1 for p in parts):
        parts = [p[1:] for p in parts]  # the whole tree inside one top folder
    found = []
    for index, p in enumerate(parts):
        if not p or p[0].lower() not in SPLITS:
            continue
        if len(p) == 2:
            raise ImageLoadError(f"{name}: {'/'.join(p)} sits directly in {p[0]}/, outside any class folder. "
                                 + LAYOUT_HINT)
        found.append((p[0].lower(), p[1], index))
    if not any(split == "train" for split, _, _ in found):
        seen = ", ".join(sorted(tops)[:5]) or "files at the top level only"
        raise ImageLoadError(f"{name} has no train/ folder with class folders inside (found: {seen}). " + LAYOUT_HINT)
    classes = sorted({c for split, c, _ in found if split == "train"})
    if len(classes) < 2:
        raise ImageLoadError(f"{name}: train/ holds a single class ({classes[0]}). A classifier needs at least two "
                             "classes, each in its own folder (e.g. train/benign and train/malignant).")
    strays = sorted({c for split, c, _ in found if split == "test"} - set(classes))
    if strays:
        raise ImageLoadError(f"{name}: test/{strays[0]} has no matching train/{strays[0]} folder; the test classes "
                             f"must be training classes ({', '.join(classes)}).")
    return found


def _to_unit(data: np.ndarray) -> np.ndarray:
    """Pixel values scaled to [0, 1]: 8-bit images by 255, others from their 0.5th to 99.5th percentile."""
    if data.dtype == np.uint8:
        return data.astype(np.float32) / 255.0
    values = np.nan_to_num(data.astype(np.float64))
    lo, hi = np.percentile(values, [0.5, 99.5])
    if hi <= lo:
        lo, hi = float(values.min()), float(values.max())
    return np.clip((values - lo) / (hi - lo if hi > lo else 1.0), 0, 1).astype(np.float32)


def load_class_folders(data: bytes, name: str = "the .zip", size: int = 64,
                       progress: Callable[[int, int], None] | None = None) -> LabelledImages:
    """Load a .zip of class folders into a labelled image set.

    Parameters
    ----------
    data : bytes
        The archive.
    name : str
        Its name, for messages.
    size : int
        Every image is resized to ``size × size`` (the network's input).
    progress : callable, optional
        Called as ``progress(done, total)`` before each image is decoded and
        once at the end: where a caller can stop the work.

    Returns
    -------
    LabelledImages
        Images in [0, 1] with 3 channels when any image is in colour (grey
        ones are repeated), else 1; classes in alphabetical order; `test` marks
        the images of ``test/``. Every image is bright where it is shown
        bright: a grey MONOCHROME1 DICOM (its lowest value shown white) is
        inverted, 1 - x after the scaling, so it looks to the network as it
        does on screen and as the same anatomy saved as MONOCHROME2;
        `inverted` marks these images.

    Raises
    ------
    ImageLoadError
        A damaged archive, a wrong layout, an unreadable or 3D image, or a
        class with fewer than `MIN_PER_CLASS` training images.
    """
    from skimage.transform import resize

    files = read_zip(data, name)
    paths = _member_paths(data)
    if [PurePosixPath(p).name for p in paths] != [f for f, _ in files]:
        raise ImageLoadError(f"{name}: the archive's file list could not be read consistently. Create it again.")
    layout = parse_layout(paths, name)
    if len(layout) > MAX_IMAGES:
        raise ImageLoadError(f"{name} holds {len(layout):,} images, more than the {MAX_IMAGES:,} this page accepts.")
    classes = sorted({c for split, c, _ in layout if split == "train"})
    counts = {c: sum(1 for split, k, _ in layout if split == "train" and k == c) for c in classes}
    few = [c for c in classes if counts[c] < MIN_PER_CLASS]
    if few:
        raise ImageLoadError(f"{name}: class {few[0]} has {counts[few[0]]} training image(s); each class needs at "
                             f"least {MIN_PER_CLASS} (and many more to learn anything).")
    images, inverted, colour = [], [], False
    for done, (split, cls, index) in enumerate(layout):
        if progress is not None:
            progress(done, len(layout))
        path = paths[index]
        try:
            with decoded_budget(MAX_IMAGE_BYTES, f"for one image of a class-folder .zip ({human_bytes(MAX_IMAGE_BYTES)})"):
                volume = load_image(files[index][1], path)
        except ImageLoadError as exc:
            raise ImageLoadError(f"{name}: {path} could not be read: {exc}") from None
        if volume.is_3d or volume.data.ndim > (3 if volume.rgb else 2):
            raise ImageLoadError(f"{name}: {path} is a 3D or multi-frame image; class folders must hold 2D pictures.")
        step = max(1, max(volume.data.shape[:2]) // MAX_WORK_SIDE)
        pixels = _to_unit(volume.data[::step, ::step] if step > 1 else volume.data)
        inverted.append(volume.low_values_white)
        if volume.low_values_white:
            pixels = 1 - pixels  # MONOCHROME1: as its file asks it to be shown
        pixels = pixels[..., :3] if volume.rgb else pixels[..., None]
        colour = colour or volume.rgb
        images.append(resize(pixels, (size, size), order=1, anti_aliasing=True, preserve_range=True).astype(np.float32))
    if progress is not None:
        progress(len(layout), len(layout))
    channels = 3 if colour else 1
    stack = np.stack([np.repeat(im, 3, axis=-1) if im.shape[-1] != channels else im for im in images])
    labels = np.array([classes.index(cls) for _, cls, _ in layout], dtype=np.int64)
    test = np.array([split == "test" for split, _, _ in layout])
    names = tuple(paths[index] for _, _, index in layout)
    return LabelledImages(np.clip(stack, 0, 1), labels, tuple(classes), names, None, test if test.any() else None,
                          inverted=np.array(inverted) if any(inverted) else None)
