"""The built-in samples: all offline, all loadable, with honest provenance."""

from __future__ import annotations

import numpy as np
import pytest

from core import samples
from core.io.orientation import axis_codes


def test_every_sample_loads_offline_and_states_its_origin():
    assert len(samples.names()) == len(set(samples.names())) >= 10
    for sample in samples.SAMPLES:
        volume = samples.load(sample.name)
        assert volume.data.size > 0 and volume.name == sample.name
        assert sample.provenance and sample.licence and sample.modality


@pytest.mark.parametrize("name, shape, spacing", [
    ("CT: chest slice (pydicom CT_small)", (128, 128), (0.661468, 0.661468)),
    ("MRI 3D: brain template (MNI152 2009)", (189, 233, 197), (1.0, 1.0, 1.0)),
    ("MRI 3D: subject head (nibabel anatomical.nii)", (25, 41, 33), (2.0, 2.0, 2.0)),
    ("fMRI 4D: time series (nibabel example4d.nii.gz)", (2, 24, 96, 128), (2.2, 2.0, 2.0)),
    ("Photo: retina fundus (scikit-image)", (1411, 1411, 3), (1.0, 1.0)),
])
def test_known_shapes_and_spacings(name, shape, spacing):
    volume = samples.load(name)
    assert volume.data.shape == shape
    assert volume.spacing == pytest.approx(spacing, rel=1e-5)


def test_mni_tissue_maps_align_with_the_template():
    t1, grey, white = (samples.load(samples.SAMPLES[i].name) for i in (2, 3, 4))
    assert t1.data.shape == grey.data.shape == white.data.shape
    assert np.allclose(t1.affine, grey.affine) and axis_codes(t1.affine) == ("S", "P", "L")
    # white matter is brighter than grey matter on a T1 image
    assert t1.data[white.data > 200].mean() > t1.data[grey.data > 200].mean() + 20


def test_sample_paths_are_reproducible_in_plain_python():
    for sample in samples.SAMPLES:
        if not sample.package:
            continue
        namespace: dict = {}
        exec(sample.path_code, namespace)
        assert namespace["path"] == sample.path


def test_unknown_sample_name_is_a_clear_key_error():
    with pytest.raises(KeyError, match="no sample called"):
        samples.load("nope")
