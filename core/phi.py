"""Protected health information (PHI): which header fields to redact.

The DICOM rules follow the attribute list of the DICOM PS3.15 Basic
Application Level Confidentiality Profile (Table E.1-1): the attributes it
names, plus every element of the kinds that table is made of, so that
attributes added to the standard later are hidden too: person names (PN),
dates and times (DA, DT, TM), instance UIDs, identifiers and numbers
(``...ID``, ``...Number``), addresses, telephone numbers, GPS fields, free
text (names, labels, descriptions, comments) and every private element.
Patient sex, age, size and weight stay visible, as the profile's "Retain
Patient Characteristics" option allows, because the course's exploratory
analysis studies them. Sequences are shown only as their length, so nothing
nested inside them (person names included) is ever displayed.
"""

from __future__ import annotations

REDACTED = "‹redacted›"

DICOM_PHI_KEYWORDS = frozenset(
    """
    AccessionNumber AcquisitionComments AdditionalPatientHistory AdmissionID AdmittingDiagnosesDescription
    Allergies BranchOfService ContentCreatorName CountryOfResidence CurrentPatientLocation
    DerivationDescription DeviceSerialNumber DeviceUID DischargeDiagnosisDescription EthnicGroup
    FrameComments GantryID ImageComments InstitutionAddress InstitutionName InstitutionalDepartmentName
    IssuerOfPatientID MedicalAlerts MedicalRecordLocator MilitaryRank NameOfPhysiciansReadingStudy
    OccupationOperatorsName OtherPatientIDs OtherPatientIDsSequence OtherPatientNames
    PatientAddress PatientBirthDate PatientBirthName PatientBirthTime PatientComments PatientID
    PatientInstitutionResidence PatientInsurancePlanCodeSequence PatientMotherBirthName PatientName
    PatientReligiousPreference PatientState PatientTelephoneNumbers PatientTelecomInformation
    PerformedProcedureStepDescription PerformedProcedureStepID PerformingPhysicianName
    PhysiciansOfRecord PregnancyStatus ProtocolName ReasonForTheRequestedProcedure ReferringPhysicianAddress
    ReferringPhysicianName ReferringPhysicianTelephoneNumbers RegionOfResidence RequestAttributesSequence
    RequestedProcedureDescription RequestedProcedureID RequestingPhysician ResponsibleOrganization
    ResponsiblePerson ScheduledProcedureStepDescription ScheduledProcedureStepID SeriesDescription
    SpecialNeeds StationName StudyComments StudyDescription StudyID TextComments TextString
    OperatorsName PersonName VerifyingObserverName ReviewerName
    """.split()
)
"""DICOM keywords redacted whatever their value representation."""

DICOM_KEEP_UIDS = frozenset(
    {"SOPClassUID", "MediaStorageSOPClassUID", "TransferSyntaxUID", "ImplementationClassUID",
     "ReferencedSOPClassUID"}
)
"""UIDs that name a standard class or syntax rather than a patient's data."""

TECHNICAL_NAMES = frozenset({"ManufacturerModelName", "ImplementationVersionName", "CodingSchemeName",
                             "SoftwareVersions", "SeriesNumber", "InstanceNumber", "AcquisitionNumber",
                             "StudyNumber", "TemporalPositionIdentifier", "EchoNumbers", "TransferSyntaxUID",
                             "ImagesInAcquisition", "StackID", "InStackPositionNumber", "ReferencedFrameNumber"})
"""Keywords that end like identifying fields but describe the equipment or the image's structure."""

NIFTI_PHI_FIELDS = frozenset({"descrip", "aux_file", "db_name", "patient_id", "exp_date", "exp_time",
                              "generated", "scannum", "hist_un0"})
"""Free-text NIfTI/ANALYZE header fields that may hold identifying text."""


def is_dicom_phi(keyword: str, vr: str, is_private: bool) -> bool:
    """Whether a DICOM element must be hidden by default.

    Parameters
    ----------
    keyword : str
        The element's keyword ("" for private or unknown elements).
    vr : str
        Its value representation ("PN", "DA", "UI"...).
    is_private : bool
        True for private (odd group) elements.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_dicom_phi("PatientName", "PN", False), is_dicom_phi("Rows", "US", False)
    (True, False)
    """
    if is_private or not keyword:
        return True
    if keyword in DICOM_PHI_KEYWORDS or vr in ("PN", "DA", "DT", "TM"):
        return True
    if vr == "UI":
        return keyword not in DICOM_KEEP_UIDS
    if keyword.startswith("GPS"):
        return True
    if keyword in TECHNICAL_NAMES:
        return False
    if vr in ("LO", "SH", "LT", "ST", "UT") and keyword.endswith(("Name", "Names", "Label")):
        return True
    return keyword.endswith(("Date", "Time", "DateTime", "Comments", "Comment", "Description", "ID", "IDs",
                             "Address", "TelephoneNumbers", "Number", "SerialNumber"))


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
