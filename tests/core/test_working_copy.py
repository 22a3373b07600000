"""A huge image becomes a bounded, strided working copy whose values are the stored ones."""

from __future__ import annotations

import numpy as np

from core.volume import Volume
from core.io.working_copy import MAX_WORKING_PIXELS, working_copy, working_step


def test_the_step_is_the_smallest_that_fits():
    for rows, cols in [(10000, 10000), (6000, 6000), (2049, 2048), (30000, 100), (4097, 4097)]:
        step = working_step(rows, cols)
        kept = -(-rows // step) * -(-cols // step)
        assert kept <= MAX_WORKING_PIXELS
        assert step == 1 or -(-rows // (step - 1)) * -(-cols // (step - 1)) > MAX_WORKING_PIXELS
    assert working_step(2048, 2048) == 1


def test_a_huge_grey_image_is_thinned_and_its_spacing_grows():
    data = np.arange(6000 * 5000, dtype=np.uint16).reshape(6000, 5000)
    volume = Volume(data=data, spacing=(0.5, 0.25), metadata={"x": "1"}, name="big.png", source_format="PNG")
    work, step = working_copy(volume)
    assert step == 3 and work.data.shape == (2000, 1667)
    assert np.shares_memory(work.data, data)  # a view: nothing copied
    assert work.data[1, 1] == data[3, 3] and work.data.dtype == np.uint16
    assert work.spacing == (1.5, 0.75) and work.name == "big.png" and work.metadata == {"x": "1"}


def test_colour_and_3d_images_keep_their_channels_and_slices():
    rgb = Volume(data=np.zeros((3000, 3000, 3), np.uint8), spacing=(1.0, 1.0), rgb=True, name="c.png")
    work, step = working_copy(rgb)
    assert step == 2 and work.data.shape == (1500, 1500, 3)
    affine = np.diag([2.0, 1.0, 1.0, 1.0])
    cube = Volume(data=np.zeros((4, 2500, 2500), np.int16), spacing=(2.0, 1.0, 1.0), affine=affine, name="v.nii")
    work, step = working_copy(cube)
    assert step == 2 and work.data.shape == (4, 1250, 1250) and work.spacing == (2.0, 2.0, 2.0)
    assert np.allclose(np.diag(work.affine), [2.0, 2.0, 2.0, 1.0])
    small = Volume(data=np.zeros((512, 512)), spacing=(1.0, 1.0), name="s.png")
    assert working_copy(small) == (small, 1)
