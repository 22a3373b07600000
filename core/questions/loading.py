"""The Loading lesson's self-check questions computed from the learner's own image.

The fixed questions are in ``assets/course/loading.toml``; these two depend on
the image and the probed pixel, so they are built here from the data.
"""

from __future__ import annotations

import numpy as np

from core.describe import value_chain
from core.geometry import pixel_count_question
from core.questions.selfcheck import Question
from core.volume import Volume


def physical_value_question(volume: Volume, index: tuple[int, ...]) -> Question:
    """A numeric question on the probed pixel: its physical value from the stored value and the rescale.

    Parameters
    ----------
    volume : Volume
        The image.
    index : tuple of int
        The probed index into ``volume.data``.

    Returns
    -------
    Question
        For a colour pixel, how many numbers it holds (3).

    Examples
    --------
    >>> v = Volume(np.array([[5.0]]), (1.0, 1.0), stored=np.array([[10]]), metadata={"RescaleSlope": "0.5"})
    >>> physical_value_question(v, (0, 0)).answer
    5.0
    """
    if volume.rgb:
        return Question(f"The probed pixel is {tuple(int(v) for v in volume.data[index])} (red, green, blue). How many "
                        "numbers does the screen mix for it?", "A colour pixel holds one number per channel: 3.", 3.0)
    chain = value_chain(volume, index, 1.0, 0.0)
    if chain["lut"]:
        return Question(
            f"The probed pixel stores **{chain['stored']:.6g}** and its physical value is **{chain['physical']:.6g}**. "
            "How did this file turn one into the other?",
            "Its header holds a Modality LUT: a table read at the stored value, not a slope and an intercept "
            "(the section on the file's display path shows the table).",
            1, ("× RescaleSlope + RescaleIntercept", "a Modality LUT (a table)", "nothing: they are equal"))
    return Question(
        f"The probed pixel stores **{chain['stored']:.6g}**; the rescale slope is {chain['slope']:.6g} and the intercept "
        f"{chain['intercept']:.6g}. What is its physical value?",
        f"stored × slope + intercept = {chain['stored']:.6g} × {chain['slope']:.6g} + {chain['intercept']:.6g} = "
        f"{chain['physical']:.6g}.", chain["physical"], tolerance=max(abs(chain["physical"]) * 1e-3, 0.01))


def voxel_size_question(volume: Volume) -> Question:
    """A numeric question on the voxel (or pixel) size of the image; in pixels when the size is unknown.

    Examples
    --------
    >>> round(voxel_size_question(Volume(np.zeros((2, 2, 2)), (2.0, 0.5, 0.5))).answer, 6)
    0.5
    """
    if not volume.spacing_known or volume.frame_axis == "frames":
        return pixel_count_question(volume)
    spacings = volume.spacing[-3:] if volume.is_3d else volume.spacing[-2:]
    size = float(np.prod(spacings))
    unit, what = ("mm³", "voxel") if volume.is_3d else ("mm²", "pixel")
    return Question(
        f"From the voxel size above, what is the {what} {'volume' if volume.is_3d else 'area'} of this image in {unit}?",
        f"Multiply the spacings: {' × '.join(f'{s:.4g}' for s in spacings)} = {size:.4g} {unit}.", size,
        tolerance=size * 0.01)
