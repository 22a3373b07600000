"""Lesson 6's self-check questions computed from the learner's own numbers (the fixed ones are in assets/course/)."""

from __future__ import annotations

import numpy as np

from core.cnn import ModelSpec
from core.questions.selfcheck import Question


def average_question(matrix: np.ndarray) -> Question:
    """A numeric question on 2 × 2 average pooling of the top-left block of `matrix` (as the learner left it).

    Examples
    --------
    >>> from core.layers import AVERAGE_POOL_EXAMPLE
    >>> average_question(AVERAGE_POOL_EXAMPLE).answer
    36.5
    """
    block = np.asarray(matrix, dtype=np.float64)[:2, :2]
    mean = float(block.mean())
    return Question(
        "In the building block *Average pooling*, what does 2 × 2 average pooling give for the **top-left block** of "
        "the input matrix as it stands now?",
        f"The mean of the four values: ({' + '.join(f'{v:g}' for v in block.ravel())}) / 4 = **{mean:g}**. "
        "Pooling keeps the fraction: no rounding.", mean, tolerance=0.01)


def conv_parameters_question(spec: ModelSpec, on_screen: bool) -> Question:
    """A numeric question on the parameters (weights and biases) of the network's first convolution.

    Parameters
    ----------
    spec : ModelSpec
        The network as the page set it up.
    on_screen : bool
        True when the network's table is on the page (the explanation points at its row).

    Examples
    --------
    >>> conv_parameters_question(ModelSpec(channels=3, filters=8, kernel_size=3), False).answer
    224
    """
    k, c, f = spec.kernel_size, spec.channels, spec.filters
    answer = k * k * c * f + f
    images = {1: "grey images (1 channel)", 3: "colour images (3 channels)"}.get(c, f"images of {c} channels")
    return Question(
        f"The first convolution of the network has **{f} filters of {k} × {k}** on {images}. How many parameters "
        "(weights and biases) does it learn?",
        f"Each filter has {k} × {k} × {c} = {k * k * c} weights and 1 bias: ({k * k * c} + 1) × {f} = **{answer}**"
        + (" (row *conv1* of the network's table in *Training*)." if on_screen else "."), answer)
