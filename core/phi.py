"""Protected health information (PHI): which header fields to redact.

The DICOM rules follow the attribute list of the DICOM PS3.15 Basic
Application Level Confidentiality Profile (Table E.1-1): names, identifiers,
dates and times, addresses, physician, operator and institution names, free
text descriptions and comments, instance UIDs and every private element.
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
    if vr == "UI" and keyword not in DICOM_KEEP_UIDS:
        return True
    return keyword.endswith(("Date", "Time", "DateTime", "Comments"))


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
