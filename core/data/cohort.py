"""The built-in cohort: a few dozen fake DICOM files with deliberate problems to find.

Every file is written in memory with pydicom from slices of the MNI152 brain
template and of pydicom's CT sample, with plainly fake metadata (``FAKE^...``
names, ``DEMO-...`` IDs, "(fake)" scanners). Everything is seeded: the same
call gives the same bytes.

>>> from core.data.cohort import build_cohort
>>> cohort = build_cohort()                                   # doctest: +SKIP
>>> len(cohort.files), sorted(cohort.problems)[:3]            # doctest: +SKIP
(43, ['constant', 'dimensions', 'duplicates'])
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from core.io.dicom_writer import write_dicom_slice
from core.io.orientation import LPS_TO_RAS

SEED = 2024
UID_ROOT = "medical-image-analysis-course cohort"
MANUFACTURERS = (
    ("Acme Imaging (fake)", "Teaching MR 1.5T"), ("Example Medical (fake)", "Demo Scanner 3T"),
    ("Placeholder Systems (fake)", "Model Zero"),
)
CT_MANUFACTURERS = (("Acme Imaging (fake)", "Teaching CT 64"), ("Example Medical (fake)", "Demo CT 128"))

PROBLEMS = {
    "unreadable": "a truncated file (its pixel data is cut short)",
    "constant": "an all-zero image",
    "non-finite": "a float image whose background is filled with NaN",
    "modality": "a file of another modality (a secondary capture screenshot, OT)",
    "slice positions": "a series with a missing slice",
    "duplicates": "the same image twice under two file names",
    "spacing": "an image with a different pixel spacing (2.5 mm instead of about 1 mm)",
    "dimensions": "the same image, whose size differs because of its spacing",
    "saturation": "an image whose bright values were clipped",
    "orientation": "an image stored mirrored left-right (its header says so)",
    "low SNR": "a very noisy image",
}
"""The deliberate problems, by the name of the quality check that should find them."""

LECTURE_IMAGE = "P03_MR.dcm"
"""A clean single MR slice of the cohort: the lecture's histogram, original against a noisy copy."""


@dataclass(frozen=True)
class Cohort:
    """The cohort's files and the answer key of its deliberate problems.

    Attributes
    ----------
    files : list of (str, bytes)
        File names and DICOM contents, as a learner would upload them.
    problems : dict
        Quality check name (see `PROBLEMS`) -> the file names it must flag.
    """

    files: list[tuple[str, bytes]]
    problems: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def problem_files(self) -> set[str]:
        """Every file concerned by a deliberate problem; the others are clean."""
        return {name for names in self.problems.values() for name in names}


def _uid(*parts) -> str:
    """A UID derived from its parts, so the cohort is the same at every build."""
    from pydicom.uid import generate_uid

    return generate_uid(entropy_srcs=[UID_ROOT, *(str(p) for p in parts)])


def _edit(blob: bytes, name: str, remove: tuple[str, ...] = (), **attributes) -> bytes:
    """Rewrite a file with a reproducible SOP instance UID, some attributes removed or set."""
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(blob))
    uid = _uid("instance", name)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
    for keyword in remove:
        if keyword in ds:
            delattr(ds, keyword)
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _rician(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Magnitude of a complex signal with Gaussian noise on both channels (MRI noise)."""
    return np.hypot(image + rng.normal(0.0, sigma, image.shape), rng.normal(0.0, sigma, image.shape))


def _patient(number: int, sex: str, age: int, date: str, maker: tuple[str, str]) -> dict:
    """Plainly fake patient, study and scanner attributes."""
    return {
        "PatientName": f"FAKE^PATIENT{number:02d}", "PatientID": f"DEMO-{number:03d}", "PatientSex": sex,
        "PatientAge": f"{age:03d}Y", "PatientBirthDate": f"{int(date[:4]) - age}0101",
        "StudyDate": date, "SeriesDate": date, "AcquisitionDate": date,
        "Manufacturer": maker[0], "ManufacturerModelName": maker[1],
        "InstitutionName": "Nowhere Teaching Hospital (fake)", "StudyDescription": "Fake study for teaching",
    }


class _Writer:
    """Turns slices of the two source images into cohort files (keeps the geometry of each)."""

    def __init__(self) -> None:
        from core import samples
        from core.io import load_image

        mni = load_image(samples.SAMPLES[2].path)  # display frame: (slice I->S, row A->P, col R->L), 1 mm
        self.mni = mni.data
        lps = LPS_TO_RAS @ mni.affine
        self.mni_origin, self.mni_axes = lps[:3, 3], lps[:3, :3]
        ct = load_image(samples.SAMPLES[0].path)
        self.ct = ct.stored.astype(np.float64)
        self.ct_rescale = (float(ct.metadata["RescaleSlope"]), float(ct.metadata["RescaleIntercept"]))
        self.ct_spacing = float(ct.pixel_spacing[0])
        self.ct_origin = np.array([float(v) for v in ct.metadata["ImagePositionPatient"].strip("[]").split(",")])

    def mr_pixels(self, k: int, zoom: float = 1.0) -> np.ndarray:
        """MNI axial slice `k`, resampled in-plane by `zoom`, as a fake T1 intensity (about 0-900)."""
        from scipy import ndimage

        image = self.mni[k].astype(np.float64) * 3.5
        return ndimage.zoom(image, zoom, order=1) if zoom != 1.0 else image

    def mr_geometry(self, k: int, spacing: float) -> dict:
        """Position and orientation of MNI slice `k` (LPS), for pixels of `spacing` mm."""
        position = self.mni_origin + self.mni_axes[:, 0] * k
        col_dir, row_dir = self.mni_axes[:, 1], self.mni_axes[:, 2]
        return {"position_lps": position, "row_cosines": row_dir, "col_cosines": col_dir,
                "pixel_spacing": (spacing, spacing)}

    def ct_pixels(self, scale: float, shift: tuple[float, float]) -> np.ndarray:
        """The CT slice zoomed about its centre and shifted, as stored values."""
        from scipy import ndimage

        centre = (np.array(self.ct.shape) - 1) / 2
        offset = centre - centre / scale - np.array(shift)
        return ndimage.affine_transform(self.ct, np.full(2, 1 / scale), offset=offset, order=1, mode="nearest")

    def write(self, name: str, pixels: np.ndarray, *, series: str, instance: int = 1, study: str | None = None,
              modality: str = "MR", thickness: float = 1.0, rescale=(1.0, 0.0), patient: dict, description: str,
              geometry: dict) -> bytes:
        """One DICOM file (16-bit signed stored values) with reproducible UIDs."""
        stored = np.clip(np.rint(pixels), -32768, 32767).astype(np.int16)
        blob = write_dicom_slice(
            stored, modality=modality, series_uid=_uid("series", series), study_uid=_uid("study", study or series),
            instance=instance, rescale=rescale, slice_thickness=thickness, patient=patient,
            description=description, **geometry,
        )
        return _edit(blob, name)


def build_cohort(seed: int = SEED) -> Cohort:
    """Write the cohort: two series, single-image studies, and the deliberate problems of `PROBLEMS`.

    Parameters
    ----------
    seed : int
        Seed of the noise and of the fake metadata.

    Returns
    -------
    Cohort
        43 files of 23 fake patients: an MR brain series of 13 slices (one
        missing), a CT series of 8 slices and 22 single-image files, with
        the answer key.
    """
    rng = np.random.default_rng(seed)
    w = _Writer()
    files: list[tuple[str, bytes]] = []
    problems: dict[str, tuple[str, ...]] = {}

    def add(name: str, blob: bytes) -> None:
        """Append one file to the cohort."""
        files.append((name, blob))

    # Series 1: patient 1, MR brain, 14 axial slices 6 mm apart, slice 8 missing.
    p1 = _patient(1, "F", 54, "20210316", MANUFACTURERS[0])
    for i, k in enumerate(range(40, 124, 6), start=1):
        name = f"P01_MR_s{i:02d}.dcm"
        pixels = _rician(w.mr_pixels(k), 14.0, rng)
        blob = w.write(name, pixels, series="P01 MR", instance=i, thickness=2.0, patient=p1,
                       description="T1 axial brain (fake)", geometry=w.mr_geometry(k, 1.0))
        if i != 8:
            add(name, blob)
    problems["slice positions"] = ("P01_MR_s07.dcm", "P01_MR_s09.dcm")

    # Series 2: patient 2, CT, 8 slices 5 mm apart made from the CT sample (zoomed a little, fresh noise each).
    p2 = _patient(2, "M", 67, "20220511", CT_MANUFACTURERS[0])
    for i in range(1, 9):
        pixels = w.ct_pixels(1 + 0.015 * i, (0.0, 0.0)) + rng.normal(0, 12.0, w.ct.shape)
        geometry = {"position_lps": w.ct_origin + [0, 0, 5.0 * (i - 1)], "pixel_spacing": (w.ct_spacing,) * 2}
        add(f"P02_CT_s{i:02d}.dcm", w.write(f"P02_CT_s{i:02d}.dcm", pixels, series="P02 CT", instance=i,
                                            modality="CT", thickness=5.0, rescale=w.ct_rescale, patient=p2,
                                            description="CT chest (fake)", geometry=geometry))

    # Single-image studies: clean ones with varied scanners, spacings, ages; then one per problem.
    sexes, makers = ("F", "M"), MANUFACTURERS
    number = 3

    def mr_single(spacing: float = 1.0, sigma: float = 14.0, k: int | None = None, gain: float = 1.0):
        """A new fake patient's MR slice: slice index, patient attributes, noisy pixels, geometry."""
        nonlocal number
        k = int(rng.integers(60, 120)) if k is None else k
        patient = _patient(number, sexes[number % 2], int(rng.integers(22, 86)),
                           f"{rng.integers(2019, 2025)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}",
                           makers[number % len(makers)])
        pixels = _rician(w.mr_pixels(k, 1.0 / spacing) * gain, sigma, rng)
        return k, patient, pixels, w.mr_geometry(k, spacing)

    def write_mr(name: str, patient: dict, pixels: np.ndarray, geometry: dict, thickness: float) -> bytes:
        """One single-image MR study (its own series)."""
        return w.write(name, pixels, series=name, patient=patient, thickness=thickness,
                       description="T1 axial brain (fake)", geometry=geometry)

    for spacing, thickness in ((1.0, 1.2), (0.9, 1.5), (1.1, 1.2), (1.0, 2.0), (0.95, 2.5), (1.05, 1.5)):
        name = f"P{number:02d}_MR.dcm"
        k, patient, pixels, geometry = mr_single(spacing)
        add(name, write_mr(name, patient, pixels, geometry, thickness))
        number += 1
    for spacing, thickness in ((0.7, 3.0), (0.66, 5.0), (0.75, 3.0), (0.68, 5.0)):
        name = f"P{number:02d}_CT.dcm"
        patient = _patient(number, sexes[number % 2], int(rng.integers(22, 86)),
                           f"{rng.integers(2019, 2025)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}",
                           CT_MANUFACTURERS[number % 2])
        scale = w.ct_spacing / spacing
        pixels = w.ct_pixels(scale, tuple(rng.uniform(-3, 3, 2))) + rng.normal(0, 10.0, w.ct.shape)
        geometry = {"position_lps": w.ct_origin, "pixel_spacing": (spacing, spacing)}
        add(name, w.write(name, pixels, series=name, modality="CT", thickness=thickness, rescale=w.ct_rescale,
                          patient=patient, description="CT chest (fake)", geometry=geometry))
        number += 1

    # The truncated file: a good MR file cut at 60 % (the end of its pixel data is missing).
    name = f"P{number:02d}_MR.dcm"
    k, patient, pixels, geometry = mr_single()
    blob = write_mr(name, patient, pixels, geometry, 1.5)
    add(name, blob[: len(blob) * 3 // 5])
    problems["unreadable"] = (name,)
    number += 1

    # All zero: the scanner sent an empty image.
    name = f"P{number:02d}_MR.dcm"
    k, patient, pixels, geometry = mr_single()
    add(name, write_mr(name, patient, np.zeros_like(pixels), geometry, 1.5))
    problems["constant"] = (name,)
    number += 1

    # A float map (fake T2 in ms) whose background is NaN, as FloatPixelData.
    name = f"P{number:02d}_MR_T2map.dcm"
    k, patient, pixels, geometry = mr_single()
    t2 = (40.0 + w.mr_pixels(k) / 8.0 + rng.normal(0, 2.0, pixels.shape)).astype(np.float32)
    t2[w.mni[k] < 30] = np.nan
    blob = write_mr(name, patient, pixels, geometry, 1.5)
    add(name, _edit(blob, name, remove=("PixelData", "BitsStored", "HighBit", "PixelRepresentation",
                                        "RescaleSlope", "RescaleIntercept"),
                    BitsAllocated=32, FloatPixelData=t2.tobytes(), SeriesDescription="T2 map in ms (fake)"))
    problems["non-finite"] = (name,)
    number += 1

    # Another modality: a secondary capture (a screenshot of a slice, 8 bits, no geometry).
    name = f"P{number:02d}_screenshot.dcm"
    k, patient, pixels, geometry = mr_single()
    grey = np.rint(pixels / pixels.max() * 255).astype(np.uint8)
    blob = w.write(name, grey, series=name, modality="OT", patient=patient, description="Screen capture (fake)",
                   geometry=geometry)
    add(name, _edit(blob, name, remove=("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing",
                                        "SliceThickness", "RescaleSlope", "RescaleIntercept"),
                    BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0, PixelData=grey.tobytes(),
                    SOPClassUID="1.2.840.10008.5.1.4.1.1.7", ConversionType="WSD"))
    problems["modality"] = (name,)
    number += 1

    # The same image sent twice: the second copy got a browser's "(1)" suffix and a new instance UID.
    name, copy = f"P{number:02d}_MR.dcm", f"P{number:02d}_MR (1).dcm"
    k, patient, pixels, geometry = mr_single()
    add(name, write_mr(name, patient, pixels, geometry, 1.5))
    add(copy, write_mr(copy, patient, pixels, geometry, 1.5))
    problems["duplicates"] = (name, copy)
    number += 1

    # A different pixel spacing: 2.5 mm pixels, so also far fewer rows and columns.
    name = f"P{number:02d}_MR.dcm"
    k, patient, pixels, geometry = mr_single(spacing=2.5)
    add(name, write_mr(name, patient, pixels, geometry, 1.5))
    problems["spacing"] = problems["dimensions"] = (name,)
    number += 1

    # Saturation: the gain was too high and the bright values were clipped at 1500.
    name = f"P{number:02d}_MR.dcm"
    k, patient, pixels, geometry = mr_single(gain=2.2)
    add(name, write_mr(name, patient, np.minimum(pixels, 1500.0), geometry, 1.5))
    problems["saturation"] = (name,)
    number += 1

    # Mirrored: the columns run from the patient's left to right; the header says so, a naive reader does not care.
    name = f"P{number:02d}_MR.dcm"
    k, patient, pixels, geometry = mr_single()
    n_cols = pixels.shape[1]
    geometry = dict(geometry, row_cosines=-np.asarray(geometry["row_cosines"]),
                    position_lps=geometry["position_lps"] + np.asarray(geometry["row_cosines"]) * (n_cols - 1))
    add(name, write_mr(name, patient, pixels[:, ::-1], geometry, 1.5))
    problems["orientation"] = (name,)
    number += 1

    # Very noisy: a fast, low-field acquisition.
    name = f"P{number:02d}_MR.dcm"
    k, patient, pixels, geometry = mr_single(sigma=180.0)
    add(name, write_mr(name, patient, pixels, geometry, 1.5))
    problems["low SNR"] = (name,)
    number += 1

    for spacing, thickness in ((1.0, 1.5), (0.9, 2.0)):
        name = f"P{number:02d}_MR.dcm"
        k, patient, pixels, geometry = mr_single(spacing)
        add(name, write_mr(name, patient, pixels, geometry, thickness))
        number += 1
    return Cohort(files=files, problems=problems)
