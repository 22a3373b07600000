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
                              "generated", "scannum", "hist_un0"})
"""Free-text NIfTI/ANALYZE header fields that may hold identifying text."""


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
        Same keys, PHI values replaced by `REDACTED` (empty values stay empty).
    hidden : dict
        The original values of the redacted fields.
    """
    redacted, hidden = {}, {}
    for name, value in fields.items():
        if is_phi(name) and str(value).strip():
            redacted[name] = REDACTED
            hidden[name] = value
        else:
            redacted[name] = value
    return redacted, hidden
