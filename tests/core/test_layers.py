"""The numpy CNN operations reproduce the lecture's matrices and agree with Keras' definitions."""

import numpy as np
import pytest

from core.layers import (AVERAGE_POOL_EXAMPLE, KERNELS, MAX_POOL_EXAMPLE, RELU_EXAMPLE, average_pool,
                         convolution_terms, convolve, max_pool, relu)


def test_relu_keeps_positive_values_and_zeroes_negative_ones():
    assert RELU_EXAMPLE.tolist() == [[-249, -91, -37], [250, -134, 101], [27, 61, -153]]  # the lecture's input
    assert relu(RELU_EXAMPLE).tolist() == [[0, 0, 0], [250, 0, 101], [27, 61, 0]]  # and its output
    assert relu(np.array([-0.5, 0.0, 2.5])).tolist() == [0.0, 0.0, 2.5]
    assert relu(RELU_EXAMPLE).dtype == RELU_EXAMPLE.dtype


def test_max_pool_gives_the_lecture_result():
    assert max_pool(MAX_POOL_EXAMPLE).tolist() == [[100, 184], [12, 45]]


def test_average_pool_gives_the_true_mean_not_the_slide_truncation():
    result = average_pool(AVERAGE_POOL_EXAMPLE)
    assert result.tolist() == [[36.5, 80.0], [12.0, 15.0]]
    assert int(result[0, 0]) == 36  # what the slide printed


def test_pooling_drops_incomplete_windows_and_keeps_channels():
    x = np.arange(5 * 5 * 2).reshape(5, 5, 2)
    pooled = max_pool(x)
    assert pooled.shape == (2, 2, 2)
    assert pooled[0, 0].tolist() == [12, 13]  # max of x[0:2, 0:2, c]
    assert average_pool(np.ones((6, 6)), size=3).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(ValueError):
        max_pool(np.ones((1, 1)))
    with pytest.raises(ValueError):
        average_pool(np.ones(4))


def test_convolution_is_the_unflipped_dot_product():
    image = np.arange(16.0).reshape(4, 4)
    kernel = KERNELS["Sobel, vertical edges"]
    out = convolve(image, kernel)
    assert out.shape == (2, 2)
    assert np.allclose(out, 8.0)  # the ramp rises 1 per column: (-1-2-1)*c + (1+2+1)*(c+2) = 8
    patch, products, total = convolution_terms(image, kernel, 1, 0)
    assert patch.tolist() == [[4, 5, 6], [8, 9, 10], [12, 13, 14]]
    assert products[1].tolist() == [-16.0, 0.0, 20.0]
    assert total == out[1, 0] == 8.0
    with pytest.raises(ValueError):
        convolve(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError):
        convolution_terms(image, kernel, 2, 0)


def test_gaussian_kernel_keeps_a_constant_image_constant():
    assert np.allclose(convolve(np.full((5, 5), 7.0), KERNELS["Gaussian blur"]), 7.0)
