"""The built-in sample images: real data that installed packages ship, all offline.

>>> from core import samples
>>> samples.names()[:2]
['CT: chest slice (pydicom CT_small)', 'MR: head slice (pydicom MR_small)']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.volume import Volume


PACKAGE_DATA = {
    "pydicom": ("data", "test_files"),
    "nibabel": ("tests", "data"),
    "nilearn": ("datasets", "data"),
    "skimage": ("data",),
    "data_store": ("data",),
}
"""Where each package keeps the data files the samples use."""


@dataclass(frozen=True)
class Sample:
    """Where a sample comes from and what it is.

    Attributes
    ----------
    name : str
        What the learner sees.
    package, file : str
        The installed package shipping the file, and its name in that
        package's data folder ("" for samples the course writes itself).
    modality, provenance, licence : str
        What the image shows, where it comes from, and under what terms.
    """

    name: str
    package: str
    file: str
    modality: str
    provenance: str
    licence: str

    @property
    def path(self) -> str:
        """The file's path on this machine ("" for a generated sample)."""
        if not self.package:
            return ""
        return str(_package_dir(self.package).joinpath(*PACKAGE_DATA[self.package], self.file))

    @property
    def path_code(self) -> str:
        """Python code that sets ``path`` to this file in a plain Python session."""
        parts = ", ".join(f'"{p}"' for p in (*PACKAGE_DATA[self.package], self.file))
        return (f"import os, {self.package}\n"
                f"path = os.path.join(os.path.dirname({self.package}.__file__), {parts})")


def _package_dir(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    return Path(spec.origin).parent


MNI_T1 = "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
MNI_GM = "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz"
MNI_WM = "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz"
MNI_LICENCE = ("Copyright (C) 1993-2009 Louis Collins, McConnell Brain Imaging Centre, Montreal Neurological "
               "Institute, McGill University; free use and distribution with this notice.")
WG04_FULL = ("Full-size image of the DICOM Working Group 4 sample data set (NEMA, "
             "ftp://medical.nema.org/MEDICAL/Dicom/DataSets/WG04), uncompressed, via pydicom-data.")
PYDICOM_DATA = "pydicom-data test files (MIT licence); public DICOM sample images"
WG04 = "Downsized from the DICOM Working Group 4 sample data set (NEMA), shipped with pydicom's test files."

SAMPLES = [
    Sample("CT: chest slice (pydicom CT_small)", "pydicom", "CT_small.dcm", "CT",
           "pydicom test file CT_small.dcm: " + WG04 + " Values in Hounsfield units.", "pydicom test data (MIT licence)"),
    Sample("MR: head slice (pydicom MR_small)", "pydicom", "MR_small.dcm", "MR",
           "pydicom test file MR_small.dcm: " + WG04, "pydicom test data (MIT licence)"),
    Sample("MRI 3D: brain template (MNI152 2009)", "nilearn", MNI_T1, "MR",
           "ICBM 2009a nonlinear symmetric T1 template, 197 × 233 × 189 at 1 mm, as bundled with nilearn.", MNI_LICENCE),
    Sample("MRI 3D: grey matter map (MNI152 2009)", "nilearn", MNI_GM, "MR",
           "Grey matter probability map of the ICBM 2009a template (0-255), bundled with nilearn.", MNI_LICENCE),
    Sample("MRI 3D: white matter map (MNI152 2009)", "nilearn", MNI_WM, "MR",
           "White matter probability map of the ICBM 2009a template (0-255), bundled with nilearn.", MNI_LICENCE),
    Sample("MRI 3D: brain as a DICOM series (derived from MNI152)", "", "", "MR",
           "Written by this course with pydicom from the MNI152 template, one file per axial slice, 2 mm "
           "slices; fake patient fields. Derived data, not a scanner's output.", MNI_LICENCE),
    Sample("MRI 3D: subject head (nibabel anatomical.nii)", "nibabel", "anatomical.nii", "MR",
           "A small T1 image of one subject, 33 × 41 × 25 at 2 mm, from nibabel's test data.", "nibabel test data (MIT licence)"),
    Sample("fMRI 4D: time series (nibabel example4d.nii.gz)", "nibabel", "example4d.nii.gz", "MR",
           "A functional MRI with 2 time points, 128 × 96 × 24, from nibabel's test data.", "nibabel test data (MIT licence)"),
    Sample("Photo: retina fundus (scikit-image)", "skimage", "retina.jpg", "photo",
           "Fundus photograph of a normal left eye, by Mikael Häggström (Wikimedia Commons), via scikit-image.",
           "CC0 1.0 public domain"),
    Sample("Photo: retinal microaneurysms (scikit-image)", "skimage", "microaneurysms.png", "photo",
           "Green channel crop of a diabetic retinopathy fundus image from the HRF database (Budai et al. 2013), via scikit-image.",
           "CC0 (Andreas Maier)"),
    Sample("Phantom: Shepp-Logan head (scikit-image)", "skimage", "phantom.png", "phantom",
           "The Shepp-Logan head phantom (Shepp & Logan 1974), a standard test image for CT reconstruction, via scikit-image.",
           "scikit-image data (BSD licence)"),
    # pydicom's larger test files, from the pydicom-data package (its module is data_store), read lazily
    Sample("X-ray: chest radiograph (pydicom-data RG1)", "data_store", "RG1_UNCR.dcm", "CR",
           "Computed radiograph of the chest (Philips), 1955 × 1841, 15 of 16 bits stored, MONOCHROME1 (bone white "
           "on a dark-is-dense film convention). Its PixelSpacing is 0, so the pixel size is unknown. " + WG04_FULL,
           PYDICOM_DATA),
    Sample("X-ray: tibia radiograph (pydicom-data RG3)", "data_store", "RG3_UNCR.dcm", "CR",
           "Computed radiograph of a lower leg with a non-ossifying fibroma of the distal tibia (Fuji), 1760 × 1760, "
           "10 of 16 bits stored, MONOCHROME1; no pixel size in the file. " + WG04_FULL, PYDICOM_DATA),
    Sample("MR: shoulder 1024 × 1024 (pydicom-data MR2)", "data_store", "MR2_UNCR.dcm", "MR",
           "Shoulder MR slice (Philips), 1024 × 1024 at 0.195 mm, 12 of 16 bits stored, with a rescale "
           "(slope 3.77). " + WG04_FULL, PYDICOM_DATA),
    Sample("Ultrasound: colour image (pydicom-data US1)", "data_store", "US1_UNCR.dcm", "US",
           "Ultrasound image (GE) stored as 480 × 640 RGB, 8 bits per channel; no pixel size in the file. "
           + WG04_FULL, PYDICOM_DATA),
    Sample("Ultrasound: dual B-mode, 16-bit palette (pydicom-data ALOKA)", "data_store", "gdcm-US-ALOKA-16.dcm", "US",
           "Ultrasound frame (Aloka), 480 × 640, 16-bit values shown through a segmented palette colour table; two "
           "B-mode views side by side whose ultrasound regions record 0.383 mm pixels, but the file has no pixel "
           "size for the whole image. From GDCM's test data (patient name removed from the pixels), via pydicom-data.",
           PYDICOM_DATA),
    Sample("CT: enhanced multi-frame, 2 slices (pydicom-data eCT)", "data_store", "eCT_Supplemental.dcm", "CT",
           "Enhanced CT Image Storage: one file holding 2 frames of 512 × 512 at 0.389 mm, 10 mm apart; rescale, "
           "window and pixel size sit in its functional groups. From NEMA's multi-frame CT sample set (CT0012), "
           "via pydicom-data. Values in Hounsfield units.", PYDICOM_DATA),
    Sample("LUT test: Modality LUT (IHE MESA mlut_18)", "data_store", "mlut_18.dcm", "OT",
           "IHE MESA display test image: 512 × 512, 12 of 16 bits stored, signed (-2048 to 2047), whose meaningful "
           "values come from a 4096-entry Modality LUT Sequence instead of a rescale. Via pydicom-data.",
           PYDICOM_DATA),
    Sample("LUT test: VOI LUT (IHE MESA vlut_04)", "data_store", "vlut_04.dcm", "OT",
           "IHE MESA display test image: 512 × 512, 8 bits stored, displayed through a 256-entry VOI LUT Sequence "
           "(16-bit output) instead of a window. Via pydicom-data.", PYDICOM_DATA),
]

DICOM_SERIES_SAMPLE = SAMPLES[5].name
DEFAULT = SAMPLES[0].name


def names() -> list[str]:
    """Names of the built-in samples, in the order shown to the learner."""
    return [s.name for s in SAMPLES]


def info(name: str) -> Sample:
    """Provenance, modality and licence of a sample."""
    for sample in SAMPLES:
        if sample.name == name:
            return sample
    raise KeyError(f"no sample called {name!r}; choose one of {names()}")


def load(name: str) -> Volume:
    """Load a built-in sample by name, through the same loaders as an upload.

    Parameters
    ----------
    name : str
        One of `names()`.

    Returns
    -------
    Volume
    """
    from core.io import load_image, load_series

    sample = info(name)
    if name == DICOM_SERIES_SAMPLE:
        volume = load_series(mni_dicom_series(), "MNI152 DICOM series")
    else:
        volume = load_image(sample.path)
    volume.name = sample.name
    volume.modality = sample.modality
    return volume


def mni_dicom_series(step: int = 2) -> list[tuple[str, bytes]]:
    """The MNI152 template written as an axial DICOM series (every `step`-th slice).

    Returns
    -------
    list of (str, bytes)
        One DICOM file per slice, named in acquisition order.
    """
    from core.io.dicom_writer import write_dicom_series
    from core.io import load_image

    mni = load_image(SAMPLES[2].path)
    data = mni.data[::step].astype(np.int16)
    affine = mni.affine @ np.diag([step, 1.0, 1.0, 1.0])
    patient = {"PatientName": "Template^MNI152", "PatientID": "MNI152-2009A", "PatientSex": "O",
               "StudyDescription": "Teaching series derived from the MNI152 template"}
    return write_dicom_series(data, affine, modality="MR", description="T1 template (derived)", patient=patient)
