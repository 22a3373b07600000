"""Write a volume as a DICOM series in memory, with pydicom, for samples and test data."""

from __future__ import annotations

import io

import numpy as np

from core.io.orientation import LPS_TO_RAS

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def write_dicom_slice(
    pixels: np.ndarray,
    *,
    position_lps,
    row_cosines=(1.0, 0.0, 0.0),
    col_cosines=(0.0, 1.0, 0.0),
    pixel_spacing=(1.0, 1.0),
    slice_thickness: float = 1.0,
    modality: str = "MR",
    series_uid: str,
    study_uid: str,
    instance: int = 1,
    rescale=(1.0, 0.0),
    patient: dict | None = None,
    description: str = "",
    frame_uid: str | None = None,
    photometric: str = "MONOCHROME2",
) -> bytes:
    """Encode one grey 2D slice as a DICOM file (Explicit VR Little Endian).

    Parameters
    ----------
    pixels : (rows, cols) numpy.ndarray
        Stored values; integer types are written as they are, 16 bits.
    position_lps : sequence of 3 float
        ImagePositionPatient: the centre of the first pixel, in mm (LPS).
    row_cosines, col_cosines : sequence of 3 float
        ImageOrientationPatient: directions along a row and down a column.
    pixel_spacing : (float, float)
        Row and column spacing in mm.
    slice_thickness : float
        SliceThickness in mm.
    modality : str
        "MR", "CT", "OT"...
    series_uid, study_uid : str
        UIDs shared by the slices of one series and study.
    instance : int
        InstanceNumber.
    rescale : (float, float)
        RescaleSlope and RescaleIntercept.
    patient : dict, optional
        Extra attributes by keyword (PatientName, PatientSex, ...).
    description : str
        SeriesDescription.
    frame_uid : str, optional
        FrameOfReferenceUID (the study UID when omitted).
    photometric : str
        PhotometricInterpretation: "MONOCHROME2" (the lowest value shown
        black) or "MONOCHROME1" (shown white); the stored values are the same.

    Returns
    -------
    bytes
        The file, with preamble and meta header.
    """
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    sop_class = {"MR": MR_IMAGE, "CT": CT_IMAGE}.get(modality, SECONDARY_CAPTURE)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.FrameOfReferenceUID = frame_uid or study_uid
    ds.Modality = modality
    ds.SeriesDescription = description
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [f"{v:.6g}" for v in position_lps]
    ds.ImageOrientationPatient = [f"{v:.6g}" for v in (*row_cosines, *col_cosines)]
    ds.PixelSpacing = [f"{v:.6g}" for v in pixel_spacing]
    ds.SliceThickness = f"{slice_thickness:.6g}"
    ds.RescaleSlope, ds.RescaleIntercept = f"{rescale[0]:.6g}", f"{rescale[1]:.6g}"
    for keyword, value in (patient or {}).items():
        setattr(ds, keyword, value)
    signed = pixels.dtype.kind == "i"
    values = pixels.astype(np.int16 if signed else np.uint16)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.Rows, ds.Columns = values.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = int(signed)
    ds.PixelData = np.ascontiguousarray(values).tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def write_dicom_series(
    data: np.ndarray,
    affine: np.ndarray,
    *,
    modality: str = "MR",
    description: str = "",
    patient: dict | None = None,
    prefix: str = "IM",
) -> list[tuple[str, bytes]]:
    """Write a 3D ``(slices, rows, cols)`` volume as one DICOM file per slice.

    Parameters
    ----------
    data : numpy.ndarray
        Integer stored values.
    affine : (4, 4) numpy.ndarray
        Voxel ``(slice, row, col)`` to RAS world matrix; it gives each
        slice's position and orientation.
    modality, description : str
        Modality and SeriesDescription.
    patient : dict, optional
        Attributes by keyword (fake, for teaching).
    prefix : str
        Start of the file names.

    Returns
    -------
    list of (str, bytes)
        File names ``{prefix}0001.dcm``... and contents.
    """
    from pydicom.uid import generate_uid

    lps = LPS_TO_RAS @ affine  # the same flip maps RAS back to LPS
    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    slice_dir, col_dir, row_dir = (lps[:3, i] / spacing[i] for i in range(3))
    study_uid, series_uid = generate_uid(), generate_uid()
    files = []
    for k in range(data.shape[0]):
        position = (lps @ np.array([k, 0.0, 0.0, 1.0]))[:3]
        blob = write_dicom_slice(
            data[k], position_lps=position, row_cosines=row_dir, col_cosines=col_dir,
            pixel_spacing=(spacing[1], spacing[2]), slice_thickness=spacing[0], modality=modality,
            series_uid=series_uid, study_uid=study_uid, instance=k + 1, patient=patient, description=description,
        )
        files.append((f"{prefix}{k + 1:04d}.dcm", blob))
    return files
