"""The fast PNG writer: every picture of every lesson goes through it, so it must be exactly lossless."""

import io
import struct
import zlib

import imageio.v3 as iio
import numpy as np
import pytest
import skimage
from PIL import Image

from core.io.png_writer import UP, encode_png


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (512, 512), (5, 7, 2), (64, 33, 3), (9, 16, 4), (1, 300, 3)])
def test_random_pixels_come_back_exactly(shape):
    pixels = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    data = encode_png(pixels)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    back = decoded(data)
    assert back.shape == pixels.shape and back.dtype == np.uint8
    assert np.array_equal(back, pixels)
    assert np.array_equal(iio.imread(data), pixels)  # a second decoder agrees


def test_views_and_extreme_rows_are_written_as_they_are():
    photo = skimage.data.astronaut()
    view = photo[::-3, 10:200:2]  # not contiguous, negative strides
    assert np.array_equal(decoded(encode_png(view)), view)
    edges = np.zeros((4, 4), np.uint8)
    edges[1::2] = 255  # rows that differ by 255 from the row above: the difference wraps modulo 256
    assert np.array_equal(decoded(encode_png(edges)), edges)


def test_every_row_uses_the_up_filter_and_the_file_is_no_larger_than_pillows():
    camera = skimage.data.camera()
    data = encode_png(camera)
    length, = struct.unpack(">I", data[33:37])
    assert data[37:41] == b"IDAT"
    raw = np.frombuffer(zlib.decompress(data[41:41 + length]), np.uint8).reshape(camera.shape[0], -1)
    assert raw.shape[1] == camera.shape[1] + 1 and set(raw[:, 0]) == {UP}
    assert np.array_equal(raw[1:, 1:], (camera[1:].astype(int) - camera[:-1]) % 256)
    buffer = io.BytesIO()
    Image.fromarray(camera).save(buffer, format="PNG", compress_level=1)  # what the lessons used before
    assert len(data) <= len(buffer.getvalue())


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float64), np.zeros((4, 4), bool), np.zeros((4, 4, 5), np.uint8),
                                 np.zeros(4, np.uint8), np.zeros((0, 4), np.uint8), np.zeros((2, 2, 2, 3), np.uint8)])
def test_other_arrays_are_refused_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="8-bit grey, grey and alpha, RGB or RGBA"):
        encode_png(bad)
