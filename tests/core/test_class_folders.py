"""The class-folder .zip loader accepts the public layout and rejects broken ones with clear messages."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from core.io.class_folders import MIN_PER_CLASS, load_class_folders, parse_layout
from core.io.dicom_writer import write_dicom_slice
from core.io import ImageLoadError


def _png(value: int, colour: bool = False, side: int = 20) -> bytes:
    array = np.full((side, side, 3), (value, value // 2, 30), np.uint8) if colour else np.full((side, side), value, np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(value: int) -> bytes:
    """A brownish colour photo (the loader treats equal channels as grey)."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((30, 40, 3), (value, value // 2, value // 4), np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def public_layout(top: str = "", n: int = MIN_PER_CLASS) -> dict:
    files = {f"{top}train/benign/{i}.jpg": _jpeg(60) for i in range(n)}
    files |= {f"{top}train/malignant/{i}.jpg": _jpeg(200) for i in range(n)}
    files |= {f"{top}test/benign/t{i}.jpg": _jpeg(60) for i in range(2)}
    files |= {f"{top}test/malignant/t{i}.jpg": _jpeg(200) for i in range(3)}
    return files


@pytest.mark.parametrize("top", ["", "skin-cancer/"])
def test_public_layout_loads_with_classes_tests_and_sizes(top):
    files = public_layout(top) | {"__MACOSX/._x": b"junk", f"{top}README.txt": b"about"} if top else public_layout()
    data = load_class_folders(_zip(files), "skin.zip", size=16)
    assert data.class_names == ("benign", "malignant")
    assert data.images.shape == (2 * MIN_PER_CLASS + 5, 16, 16, 3)
    assert np.bincount(data.labels[~data.test]).tolist() == [MIN_PER_CLASS, MIN_PER_CLASS]
    assert np.bincount(data.labels[data.test]).tolist() == [2, 3]
    benign = data.images[data.labels == 0]
    assert benign[..., 0].mean() == pytest.approx(60 / 255, abs=0.02)
    assert data.names[0].endswith("train/benign/0.jpg")


def test_three_grey_classes_without_test_folder():
    files = {f"train/{c}/{i}.png": _png(v) for c, v in (("a", 10), ("b", 100), ("c", 250)) for i in range(MIN_PER_CLASS)}
    data = load_class_folders(_zip(files), size=8)
    assert data.class_names == ("a", "b", "c") and data.images.shape[-1] == 1 and data.test is None
    assert data.inverted is None
    assert data.images[data.labels == 2].mean() == pytest.approx(250 / 255, abs=0.01)


def test_grey_images_join_colour_ones_as_three_equal_channels():
    files = {f"train/a/{i}.png": _png(50) for i in range(MIN_PER_CLASS)}
    files |= {f"train/b/{i}.png": _png(150, colour=True) for i in range(MIN_PER_CLASS)}
    data = load_class_folders(_zip(files), size=8)
    assert data.images.shape[-1] == 3
    assert np.allclose(data.images[0, ..., 0], data.images[0, ..., 2])


@pytest.mark.parametrize("files, message", [
    ({f"benign/{i}.png": _png(1) for i in range(6)}, "no train/ folder"),
    ({"train/1.png": _png(1), **{f"train/a/{i}.png": _png(1) for i in range(6)}}, "outside any class folder"),
    ({f"train/benign/{i}.png": _png(1) for i in range(6)}, "single class"),
    ({**{f"train/a/{i}.png": _png(1) for i in range(6)}, **{f"train/b/{i}.png": _png(1) for i in range(2)}},
     "class b has 2 training image"),
    ({**{f"train/{c}/{i}.png": _png(1) for c in "ab" for i in range(6)}, "test/c/1.png": _png(1)},
     "test/c has no matching train/c"),
    ({**{f"train/{c}/{i}.png": _png(1) for c in "ab" for i in range(6)}, "train/b/broken.png": b"not an image"},
     "train/b/broken.png could not be read"),
])
def test_broken_layouts_are_rejected_with_the_reason(files, message):
    with pytest.raises(ImageLoadError, match=message):
        load_class_folders(_zip(files), "mine.zip", size=8)


def test_a_damaged_archive_is_an_image_load_error():
    with pytest.raises(ImageLoadError, match="damaged"):
        load_class_folders(_zip(public_layout())[:200], "cut.zip")


def test_parse_layout_strips_one_top_folder_only():
    assert parse_layout(["x/train/a/1.png", "x/train/b/2.png"]) == [("train", "a", 0), ("train", "b", 1)]
    with pytest.raises(ImageLoadError):
        parse_layout(["x/train/a/1.png", "y/train/b/2.png"])


def test_monochrome1_images_are_inverted_so_high_values_are_bright_in_every_image():
    """The same pixels as MONOCHROME2 and MONOCHROME1 load as mirror images: the network sees what the files show."""
    pixels = np.zeros((16, 16), np.uint16)
    pixels[:, 8:] = 1000  # left half 0, right half 1000: scaled to exactly 0 and 1
    files = {f"train/{photometric}/{i}.dcm": write_dicom_slice(pixels, position_lps=(0, 0, 0), series_uid="1.2",
                                                               study_uid="1.2", photometric=photometric)
             for photometric in ("MONOCHROME1", "MONOCHROME2") for i in range(MIN_PER_CLASS)}
    data = load_class_folders(_zip(files), size=16)
    white_low, black_low = (data.images[data.labels == c][0, ..., 0] for c in range(2))
    assert data.class_names == ("MONOCHROME1", "MONOCHROME2")
    assert black_low[0, 0] == 0.0 and black_low[0, -1] == 1.0
    assert white_low[0, 0] == 1.0 and white_low[0, -1] == 0.0  # as the file asks: the lowest value white
    assert np.allclose(white_low, 1 - black_low)
    assert data.inverted.tolist() == (data.labels == 0).tolist()  # marks the MONOCHROME1 images
    assert data.subset(data.labels == 1).inverted.tolist() == [False] * MIN_PER_CLASS
