"""What the header says about an image's geometry, and what to ask when it says nothing.

A file without a pixel size (a DICOM without PixelSpacing, a PNG) or whose
frames follow one another in time (a cine loop) has no voxel volume in mm³:
the course counts pixels instead of inventing millimetres.
"""

from __future__ import annotations

from core.questions.selfcheck import Question
from core.volume import Volume


def pixel_count_question(volume: Volume) -> Question:
    """A numeric self-check question that needs no pixel size: how many pixels one frame or slice holds.

    Parameters
    ----------
    volume : Volume
        The image; its `spacing_known` and `frame_axis` say why millimetres are not asked.

    Returns
    -------
    Question
        Rows × columns of one 2D image, answered exactly.

    Examples
    --------
    >>> import numpy as np
    >>> q = pixel_count_question(Volume(np.zeros((30, 4, 5)), (1.0, 1.0, 1.0), spacing_known=False))
    >>> q.answer
    20.0
    """
    rows, cols = volume.spatial_shape[-2:]
    why = ("This file records no pixel size, so no area or volume in mm can be read from it."
           if not volume.spacing_known else
           "Its frames follow one another in time, not in space, so a voxel has no depth in mm.")
    word = "frame" if volume.frame_axis == "frames" else ("slice" if volume.is_3d else "image")
    return Question(f"{why} How many pixels does one {word} of this image hold?",
                    f"Rows × columns = {rows} × {cols} = {rows * cols} pixels.", float(rows * cols))
