"""Protected health information (PHI): which header fields are shown by default.

DICOM headers are shown through an allow-list: only attributes that describe
the image and the equipment (pixel layout, geometry, rescale, window,
acquisition parameters, make and model) are visible; everything else is
hidden until the learner opts in for the session. That covers every attribute
of the DICOM PS3.15 Basic Application Level Confidentiality Profile (Table
E.1-1: names, IDs, dates and times, addresses, institutions, physicians and
operators, descriptions and comments, instance UIDs, private elements)
whatever a file holds, including attributes the standard adds later. Patient
sex, age, size and weight stay visible, as the profile's "Retain Patient
Characteristics" option allows, because the course's exploratory analysis
studies them. Sequences are shown only as their length, so nothing nested
inside them (person names included) is ever displayed.
"""

from __future__ import annotations

REDACTED = "‹redacted›"

DICOM_TECHNICAL = frozenset(
    """
    FileMetaInformationGroupLength FileMetaInformationVersion MediaStorageSOPClassUID TransferSyntaxUID
    ImplementationClassUID ImplementationVersionName SpecificCharacterSet SOPClassUID Modality Manufacturer
    ManufacturerModelName SoftwareVersions ImageType BodyPartExamined PatientPosition PatientSex PatientAge
    PatientSize PatientWeight SeriesNumber AcquisitionNumber InstanceNumber TemporalPositionIdentifier
    NumberOfTemporalPositions ImagesInAcquisition SamplesPerPixel PhotometricInterpretation PlanarConfiguration
    NumberOfFrames FrameIncrementPointer Rows Columns BitsAllocated BitsStored HighBit PixelRepresentation
    PixelSpacing ImagerPixelSpacing PixelAspectRatio SliceThickness SpacingBetweenSlices ImagePositionPatient
    ImageOrientationPatient SliceLocation PositionReferenceIndicator RescaleSlope RescaleIntercept RescaleType
    WindowCenter WindowWidth VOILUTFunction SmallestImagePixelValue LargestImagePixelValue PixelPaddingValue
    LossyImageCompression LossyImageCompressionRatio LossyImageCompressionMethod BurnedInAnnotation
    RecognizableVisualFeatures ScanningSequence SequenceVariant ScanOptions MRAcquisitionType SequenceName
    RepetitionTime EchoTime InversionTime FlipAngle EchoNumbers EchoTrainLength NumberOfAverages
    ImagingFrequency ImagedNucleus MagneticFieldStrength PercentSampling PercentPhaseFieldOfView
    PixelBandwidth ReceiveCoilName TransmitCoilName AcquisitionMatrix InPlanePhaseEncodingDirection
    dBdt SAR KVP DataCollectionDiameter ReconstructionDiameter DistanceSourceToDetector
    DistanceSourceToPatient GantryDetectorTilt TableHeight RotationDirection ExposureTime XRayTubeCurrent
    Exposure FilterType GeneratorPower FocalSpots ConvolutionKernel RevolutionTime SingleCollimationWidth
    TotalCollimationWidth SpiralPitchFactor CTDIvol ViewPosition Laterality ImageLaterality
    NumberOfSlices RadiopharmaceuticalInformationSequence Units DecayCorrection CorrectedImage
    RealWorldValueMappingSequence DimensionOrganizationType ContentQualification
    """.split()
)
"""DICOM attributes shown by default: they describe the image and the equipment, not the person."""

NIFTI_PHI_FIELDS = frozenset({"descrip", "aux_file", "db_name", "patient_id", "exp_date", "exp_time",
                              "generated", "scannum", "hist_un0", "intent_name", "data_type", "originator", "origin"})
"""Free-text NIfTI/ANALYZE header fields that may hold identifying text (``intent_name`` and ``data_type`` are
free text; ANALYZE's ``originator`` is ten bytes that SPM reads as five numbers, ``origin``, but others fill
with a name, which those numbers decode back to; the geometry itself is in the affine)."""

OLDEST_AGE_SHOWN = 89
"""Ages over this are identifying (HIPAA Safe Harbor; DICOM PS3.15): shown as ``090Y`` unless the learner opts in."""


def capped_age(value) -> str | None:
    """``"090Y"`` for a DICOM PatientAge over `OLDEST_AGE_SHOWN` years, None for any other value.

    Examples
    --------
    >>> capped_age("095Y"), capped_age("089Y"), capped_age("600M"), capped_age("")
    ('090Y', None, None, None)
    >>> capped_age("1100M"), capped_age("5000W")
    ('090Y', '090Y')
    """
    import re

    match = re.fullmatch(r"\s*(\d{1,4})\s*([YMWD]?)\s*", str(value or ""))
    if not match:
        return None
    years = int(match.group(1)) / {"Y": 1, "M": 12, "W": 52.18, "D": 365.25, "": 1}[match.group(2)]
    return "090Y" if years > OLDEST_AGE_SHOWN else None


def is_dicom_phi(keyword: str, is_private: bool = False) -> bool:
    """Whether a DICOM element must be hidden by default: private, or not on the technical allow-list.

    Parameters
    ----------
    keyword : str
        The element's keyword ("" for private or unknown elements).
    is_private : bool
        True for private (odd group) elements.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_dicom_phi("PatientName"), is_dicom_phi("Rows")
    (True, False)
    """
    return is_private or keyword not in DICOM_TECHNICAL


def split_phi(fields: dict, is_phi) -> tuple[dict, dict]:
    """Split header fields into a redacted copy and the hidden values.

    Parameters
    ----------
    fields : dict
        ``{name: value}`` as read from the header.
    is_phi : callable
        ``is_phi(name) -> bool`` deciding which names are hidden.

    Returns
    -------
    redacted : dict
        Same keys, PHI values replaced by `REDACTED` (empty values stay empty); a PatientAge over
        `OLDEST_AGE_SHOWN` years as ``"090Y"``.
    hidden : dict
        The original values of the redacted fields.
    """
    redacted, hidden = {}, {}
    for name, value in fields.items():
        if is_phi(name) and str(value).strip():
            redacted[name] = REDACTED
            hidden[name] = value
        elif name == "PatientAge" and capped_age(value):  # over 89: identifying, shown as 90
            redacted[name] = capped_age(value)
            hidden[name] = value
        else:
            redacted[name] = value
    return redacted, hidden
