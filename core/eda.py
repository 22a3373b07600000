"""Exploratory data analysis of a set of images: one row per file, histograms, a quality report and SNR.

>>> from core.data.cohort import build_cohort
>>> table = file_table(build_cohort().files)                  # doctest: +SKIP
>>> summary_counts(table)["unreadable files"]                 # doctest: +SKIP
1

Every number comes from the pixels and headers as `core.io.load_image` reads
them (physical units, identifying fields redacted). Patients and series are
counted from their IDs but shown only as "patient 1", "series 2"...
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.describe import bit_depth
from core.figures import unchecked_figure
from core.io.errors import MAX_DECODED_BYTES, decoded_budget, human_bytes
from core.io import ImageLoadError, load_image, read_zip, sniff
from core.io.orientation import axis_codes
from core.text.safe_text import plain
from core.volume import Volume

COLUMNS = [
    "file", "readable", "why unreadable", "format", "modality", "patient", "series", "sex", "age", "scanner",
    "rows", "columns", "slices", "row spacing (mm)", "column spacing (mm)", "slice thickness (mm)",
    "orientation", "position (mm)", "bit depth", "dtype", "min", "max", "mean", "non-finite (%)",
    "at max (%)", "at min, not background (%)", "SNR", "pixel hash",
]
"""The columns of `file_table`, in order."""

SATURATION_PERCENT = 1.0
"""A pile-up of at least this share of pixels at the maximum (or at the minimum, away from the background)."""

OUTLIER_FACTOR = 2.0
"""A size or spacing more than this factor away from its modality's median is an outlier."""

RARE_MODALITY = 0.10
"""A modality held by fewer than this share of the readable images stands out."""

GAP_FACTOR = 1.5
"""A step between slices this many times the series' usual step means a missing slice."""

LOW_SNR = 5.0
"""Below this SNR objects start to be lost in the noise (the Rose criterion)."""

SNR_METHOD = (
    "SNR = (mean of the pixels above Otsu's threshold − mean of those below) / σ, with the noise σ estimated "
    "from the finest diagonal Haar wavelet details as median(|d|) / 0.6745 (Donoho's robust estimator, as in "
    "skimage.restoration.estimate_sigma), leaving out the background padding at the minimum value."
)
"""How `snr_estimate` works, for the screen."""

MAX_HISTOGRAM_BINS = 1024


# ----------------------------------------------------------------------------- one file


def _declared_size(data: bytes) -> int:
    """What a zip's directory says its files hold once inflated (0 when it cannot be read)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            return sum(m.file_size for m in archive.infolist())
    except Exception:  # noqa: BLE001 - a damaged zip: read_zip says why
        return 0


MAX_SET_BYTES = MAX_DECODED_BYTES
"""Most bytes a session's set of files may hold once archives are unpacked (512 MiB, as one file)."""


def expand_zips(files: Iterable[tuple[str, bytes]], budget: int = MAX_SET_BYTES) -> list[tuple[str, bytes]]:
    """The files of a dataset, with every readable .zip replaced by its members.

    Parameters
    ----------
    files : iterable of (str, bytes)
        Uploaded names and contents.

    budget : int
        Most bytes the whole set may hold once unpacked (`MAX_SET_BYTES`):
        the budget of one session's set, not of each archive. Each archive's
        members are checked against what is left of it before they are
        decompressed.

    Returns
    -------
    list of (str, bytes)
        Members are named ``"archive.zip/member"``. A damaged or refused zip is
        kept as it is, so that its row in the table carries the reason.

    Raises
    ------
    ImageLoadError
        When the set, unpacked, would hold more than `budget` bytes.
    """
    out: list[tuple[str, bytes]] = []
    held = 0
    for name, data in files:
        if sniff(bytes(data[:600])) == "ZIP":
            try:
                with decoded_budget(budget - held, "for the whole set of files (with what is already unpacked)"):
                    members = read_zip(bytes(data), name)
                out += [(f"{name}/{member}", content) for member, content in members]
                held += sum(len(content) for _, content in members)
                continue
            except ImageLoadError as exc:
                if "whole set" in str(exc) and _declared_size(data) <= MAX_DECODED_BYTES:  # over the set's budget,
                    raise ImageLoadError(f"Your files hold more than {human_bytes(budget)} once unpacked, the most "
                                         "a session's set may hold: upload fewer or smaller files.") from None
        held += len(data)
        if held > budget:
            raise ImageLoadError(f"Your files hold more than {human_bytes(budget)} once unpacked, the most a "
                                 "session's set may hold: upload fewer or smaller files.")
        out.append((name, bytes(data)))
    seen: dict[str, int] = {}
    unique = []
    for name, data in out:  # members of different folders may share a name
        seen[name] = seen.get(name, 0) + 1
        unique.append((name if seen[name] == 1 else f"{name} ({seen[name]})", data))
    return unique


def pixel_digest(data: np.ndarray) -> str:
    """A short hash of the pixel values, their shape and type: equal images have equal digests.

    Examples
    --------
    >>> pixel_digest(np.zeros((2, 2))) == pixel_digest(np.zeros((2, 2)))
    True
    """
    array = np.ascontiguousarray(data)
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{array.shape}{array.dtype.str}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def noise_sigma(image: np.ndarray) -> float:
    """Noise standard deviation from the finest diagonal Haar wavelet coefficients.

    The orthonormal Haar high-pass is applied along every axis (pairs of
    neighbours ``(a - b) / √2``); for white Gaussian noise these coefficients
    have the noise's σ, while smooth anatomy gives almost none. Their median
    absolute value divided by 0.6745 estimates σ robustly (Donoho 1994).
    Blocks lying entirely at the image's minimum (padding, masked-out
    background) are left out, as ``skimage.restoration.estimate_sigma``
    leaves out zero coefficients.

    Parameters
    ----------
    image : numpy.ndarray
        A grey image or volume.

    Returns
    -------
    float
        σ in the image's units: 0 for a noiseless (piecewise constant) image,
        NaN when the image is too small.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(noise_sigma(rng.normal(0, 10, (256, 256))), 0)
    10.0
    """
    details = np.asarray(image, dtype=np.float64)
    if min(details.shape, default=0) < 2:
        return float("nan")
    padding = details == np.nanmin(details)
    for axis in range(details.ndim):
        length = details.shape[axis] - details.shape[axis] % 2
        even, odd = np.arange(0, length, 2), np.arange(1, length, 2)
        details = (details.take(even, axis=axis) - details.take(odd, axis=axis)) / np.sqrt(2.0)
        padding = padding.take(even, axis=axis) & padding.take(odd, axis=axis)
    magnitudes = np.abs(details[np.isfinite(details) & ~padding])
    return float(np.median(magnitudes) / 0.6745) if magnitudes.size else float("nan")


def snr_estimate(image: np.ndarray) -> float:
    """Signal-to-noise ratio of an image without hand-drawn regions: see `SNR_METHOD`.

    Parameters
    ----------
    image : numpy.ndarray
        A grey image or volume with finite values.

    Returns
    -------
    float
        ``(mean above Otsu − mean below) / noise_sigma``; ``inf`` when no noise
        is measurable (a synthetic or template image), NaN for a constant image
        or one with non-finite values.
    """
    from skimage.filters import threshold_otsu

    values = np.asarray(image, dtype=np.float64)
    if values.size < 4 or not np.all(np.isfinite(values)) or values.min() == values.max():
        return float("nan")
    threshold = threshold_otsu(values)
    above = values > threshold
    contrast = float(values[above].mean() - values[~above].mean())
    sigma = noise_sigma(values)
    if not np.isfinite(sigma):
        return float("nan")
    return float("inf") if sigma == 0 else contrast / sigma


def percent_at_max(image: np.ndarray) -> float:
    """Percentage of all pixels equal to the image's largest finite value (0 for a constant image).

    Parameters
    ----------
    image : numpy.ndarray
        Any image; NaN and infinite pixels count in the total, never at the maximum.

    Returns
    -------
    float
        0-100.

    Examples
    --------
    >>> percent_at_max(np.array([[0, 9], [9, 3]]))
    50.0
    """
    values = np.asarray(image)
    finite = finite_values(values)
    if finite.size == 0 or finite.min() == finite.max():
        return 0.0
    return float(np.count_nonzero(values == finite.max())) / values.size * 100


def saturation(image: np.ndarray) -> tuple[float, float]:
    """Share of pixels piled up at the maximum, and at the minimum away from the background.

    Pixels at the minimum that touch the image border are the background (air,
    or the padding outside a CT's field of view) and are not counted.

    Parameters
    ----------
    image : numpy.ndarray
        A grey image or volume.

    Returns
    -------
    at_max, at_min : float
        Percentages (0-100); 0 for a constant image.

    Examples
    --------
    >>> saturation(np.array([[0, 5, 9, 9], [0, 1, 9, 9], [0, 2, 3, 4]]))
    (33.33333333333333, 0.0)
    """
    from scipy import ndimage

    values = np.asarray(image)
    finite = np.isfinite(values) if values.dtype.kind == "f" else np.ones(values.shape, bool)
    if not finite.any():
        return 0.0, 0.0
    low, high = values[finite].min(), values[finite].max()
    if low == high:
        return 0.0, 0.0
    at_max = percent_at_max(values)
    labels, _ = ndimage.label(values == low)
    border = np.zeros(values.shape, bool)
    for axis in range(values.ndim):
        border[(slice(None),) * axis + (0,)] = True
        border[(slice(None),) * axis + (-1,)] = True
    touching = np.unique(labels[border & (labels > 0)])
    inside = (labels > 0) & ~np.isin(labels, touching)
    return at_max, float(np.count_nonzero(inside)) / values.size * 100


def parse_age(text) -> float:
    """DICOM PatientAge (``"054Y"``, ``"006M"``, ``"003W"``, ``"010D"``) in years; NaN when absent.

    Ages over 89 are returned as 90, as the HIPAA Safe Harbor rule asks.

    Examples
    --------
    >>> parse_age("054Y"), parse_age("006M"), parse_age("097Y"), parse_age("")
    (54.0, 0.5, 90.0, nan)
    """
    match = re.fullmatch(r"\s*(\d{1,3})\s*([YMWD]?)\s*", str(text or ""))
    if not match:
        return float("nan")
    per_year = {"Y": 1, "M": 12, "W": 52, "D": 365, "": 1}[match.group(2)]
    return min(round(int(match.group(1)) / per_year, 2), 90.0)


def _geometry(volume: Volume) -> tuple[str, float]:
    """Axis codes of the file's (slice, row, col) or (i, j, k) axes, and a 2D slice's position along its normal."""
    affine = volume.file_affine if volume.file_affine is not None else volume.affine
    if affine is None:
        return "", float("nan")
    codes = "".join(axis_codes(affine))
    if volume.is_3d:
        return codes, float("nan")
    normal = affine[:3, 0] / np.linalg.norm(affine[:3, 0])
    return codes[1:], float(np.dot(affine[:3, 3], normal))  # a 2D image: where its rows and columns point


def _identity(volume: Volume) -> tuple[str | None, str | None]:
    """The patient and series identifiers, used only to count them (never shown)."""
    hidden = volume.hidden_metadata
    patient = hidden.get("PatientID") or hidden.get("PatientName") or volume.metadata.get("PatientID") or None
    series = hidden.get("SeriesInstanceUID") or None
    return (str(patient) if patient else None), (str(series) if series else None)


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def describe_volume(name: str, volume: Volume) -> dict:
    """The table row of one loaded image (without the patient and series labels).

    Parameters
    ----------
    name : str
        File name.
    volume : Volume
        As `core.io.load_image` returns it.

    Returns
    -------
    dict
        Keyed by `COLUMNS`.
    """
    data = volume.data
    finite_mask = np.isfinite(data) if data.dtype.kind == "f" else None
    finite = data[finite_mask] if finite_mask is not None else data
    grey = volume.frame(0) if not volume.rgb else None
    # No pixel size in the file (a DICOM without PixelSpacing, PNG, JPEG...): unknown (NaN), never 1 mm.
    spacing = volume.spacing if volume.spacing_known else (float("nan"),) * len(volume.spacing)
    orientation, position = _geometry(volume)
    thickness = (float(spacing[0]) if volume.is_3d and volume.spacing_known
                 else _number(volume.metadata.get("SliceThickness")))
    at_max, at_min = saturation(grey) if grey is not None else (float("nan"), float("nan"))
    spatial = volume.spatial_shape
    return {
        "file": name, "readable": True, "why unreadable": "", "format": volume.source_format,
        "modality": volume.modality,
        "sex": str(volume.metadata.get("PatientSex", "") or "").strip(),
        "age": parse_age(volume.metadata.get("PatientAge")),
        "scanner": str(volume.metadata.get("Manufacturer", "") or "").strip(),
        "rows": spatial[-2], "columns": spatial[-1], "slices": volume.n_slices,
        "row spacing (mm)": float(spacing[-2]), "column spacing (mm)": float(spacing[-1]),
        "slice thickness (mm)": thickness, "orientation": orientation, "position (mm)": position,
        "bit depth": bit_depth(volume), "dtype": str(data.dtype),
        "min": float(finite.min()) if finite.size else float("nan"),
        "max": float(finite.max()) if finite.size else float("nan"),
        "mean": float(finite.mean(dtype=np.float64)) if finite.size else float("nan"),
        "non-finite (%)": 0.0 if finite_mask is None else float(np.count_nonzero(~finite_mask)) / data.size * 100,
        "at max (%)": at_max, "at min, not background (%)": at_min,
        "SNR": snr_estimate(grey) if grey is not None else float("nan"),
        "pixel hash": pixel_digest(data),
    }


def describe_file(name: str, data: bytes) -> tuple[dict, tuple[str | None, str | None]]:
    """Read one file and describe it; an unreadable file gives a row that says why.

    Parameters
    ----------
    name : str
        File name.
    data : bytes
        Its content.

    Returns
    -------
    row : dict
        Keyed by `COLUMNS` (NaN or "" where unknown).
    identity : (str or None, str or None)
        The patient and series identifiers, for counting only.
    """
    try:
        volume = load_image(data, name)
    except ImageLoadError as exc:
        row = dict.fromkeys(COLUMNS, float("nan"))
        row.update({"file": name, "readable": False, "why unreadable": str(exc), "format": sniff(bytes(data[:600])),
                    "modality": "", "sex": "", "scanner": "", "orientation": "", "dtype": "", "pixel hash": ""})
        return row, (None, None)
    return describe_volume(name, volume), _identity(volume)


def _labels(keys: list, prefix: str) -> list:
    """Pseudonyms ``prefix 1, prefix 2...`` in order of first appearance (None stays empty)."""
    numbers: dict = {}
    out = []
    for key in keys:
        if key is None:
            out.append("")
            continue
        numbers.setdefault(key, len(numbers) + 1)
        out.append(f"{prefix} {numbers[key]}")
    return out


def file_table(files: list[tuple[str, bytes]], progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """One row per file of a dataset (zips already expanded, see `expand_zips`).

    Parameters
    ----------
    files : list of (str, bytes)
        Names and contents.
    progress : callable, optional
        Called as ``progress(done, total, name)`` after each file.

    Returns
    -------
    pandas.DataFrame
        Columns `COLUMNS`. Patients and series appear as pseudonyms
        ("patient 1", "series 1"); a file without a series ID is its own series.
    """
    rows, patients, series = [], [], []
    for i, (name, data) in enumerate(files):
        row, (patient, series_id) = describe_file(name, data)
        rows.append(row)
        patients.append(patient)
        series.append(series_id if series_id or not row["readable"] else f"file:{name}")
        if progress is not None:
            progress(i + 1, len(files), name)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["patient"] = _labels(patients, "patient")
    table["series"] = _labels(series, "series")
    for column in ("rows", "columns", "slices", "bit depth"):
        table[column] = table[column].astype("Int64")
    table["readable"] = table["readable"].astype(bool)
    return table


def summary_counts(table: pd.DataFrame) -> dict[str, int]:
    """The headline numbers of a dataset.

    Returns
    -------
    dict
        ``files``, ``images`` (readable files), ``patients`` (with an ID),
        ``series`` and ``unreadable files``.

    Examples
    --------
    >>> t = pd.DataFrame({"readable": [True, False], "patient": ["patient 1", ""], "series": ["series 1", ""]})
    >>> summary_counts(t)
    {'files': 2, 'images': 1, 'patients': 1, 'series': 1, 'unreadable files': 1}
    """
    readable = table[table["readable"]]
    return {
        "files": len(table), "images": len(readable),
        "patients": int(readable["patient"].replace("", np.nan).nunique()),
        "series": int(readable["series"].replace("", np.nan).nunique()),
        "unreadable files": int((~table["readable"]).sum()),
    }


def sort_rows(table: pd.DataFrame, column: str, descending: bool = True) -> pd.DataFrame:
    """The rows of a file table ordered by one column, as a sortable table's header orders them.

    Missing values (an unreadable file's numbers, a spacing the file does not record) go last in either
    order, and rows with equal values keep their order in `table` (a stable sort), so sorting is repeatable.

    Parameters
    ----------
    table : pandas.DataFrame
        A table such as `file_table`'s.
    column : str
        The column to order by (numbers, text or booleans).
    descending : bool
        Largest first (text: Z to A; booleans: True first).

    Returns
    -------
    pandas.DataFrame
        The same rows and columns, re-ordered; the index goes with its rows.

    Examples
    --------
    >>> t = pd.DataFrame({"file": ["a", "b", "c", "d"], "at max (%)": [0.1, None, 4.2, 0.1]})
    >>> sort_rows(t, "at max (%)")["file"].tolist()
    ['c', 'a', 'd', 'b']
    >>> sort_rows(t, "at max (%)", descending=False)["file"].tolist()
    ['a', 'd', 'c', 'b']
    """
    return table.sort_values(column, ascending=not descending, kind="stable", na_position="last")


# ----------------------------------------------------------------------------- quality report


@dataclass(frozen=True)
class Finding:
    """One problem of the quality report.

    Attributes
    ----------
    check : str
        Short name of the check ("duplicates", "low SNR"...).
    title : str
        What was found, in one line.
    files : tuple of str
        The files it concerns.
    notes : dict
        File -> what is wrong with it, with the numbers.
    fix : str
        The pre-processing that would address it.
    severity : str
        "error" (the file cannot be used as it is) or "warning".
    """

    check: str
    title: str
    files: tuple[str, ...]
    notes: dict = field(default_factory=dict)
    fix: str = ""
    severity: str = "warning"


FIXES = {
    "unreadable": "Exclude these files, or export them again from the scanner or PACS: no pre-processing can "
                  "recover missing bytes.",
    "constant": "Exclude it: it holds no information, and intensity normalisation (dividing by the standard "
                "deviation) would divide by zero.",
    "non-finite": "Replace or mask them before anything else (np.nan_to_num, or a mask that leaves them out, next "
                  "page): a single NaN turns means, filters and training losses into NaN.",
    "saturation": "Clipped values cannot be recovered: mask the saturated pixels (a threshold at the extreme "
                  "value, next page) so they do not bias normalisation, or exclude the image.",
    "modality": "Exclude it or process it separately: its values are on another scale, so intensity "
                "pre-processing tuned on the other images would be wrong for it.",
    "dimensions": "Resample to a common pixel spacing, then crop or pad to a common size: a CNN needs one input size.",
    "spacing": "Resample to a common voxel size (scipy.ndimage.zoom, SimpleITK.Resample), so that one pixel means "
               "the same distance in every image.",
    "duplicates": "Keep one copy: duplicates give an image extra weight, and one copy in the training set with "
                  "another in the test set inflates the test score (data leakage).",
    "orientation": "Reorient to the common orientation using the header (flip or transpose the array; "
                   "nibabel.as_closest_canonical for NIfTI) before comparing images or training on them.",
    "slice positions": "Get the complete series again; otherwise treat it as incomplete: interpolating across a "
                       "gap invents anatomy, and volumes measured in 3D would be wrong.",
    "low SNR": "Denoise before segmenting or measuring: a Gaussian or median filter (next page) trades a little "
               "sharpness for less noise.",
}
"""The pre-processing that addresses each check's finding."""

AXIS_WORDS = {"L": "left", "R": "right", "A": "anterior", "P": "posterior", "S": "superior", "I": "inferior"}


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def image_kind(table: pd.DataFrame) -> pd.Series:
    """The modality of each row, or its file format when the file records none (NIfTI, PNG...)."""
    return table["modality"].where(table["modality"] != "", table["format"])


def _per_modality(readable: pd.DataFrame, minimum: int = 3):
    """Groups of readable images by modality (or format), those large enough to compare their members."""
    for modality, group in readable.groupby("group", sort=True):
        if len(group) >= minimum:
            yield modality, group


def _outliers(readable: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, str]:
    """Files whose value in any of `columns` is over `OUTLIER_FACTOR` times away from its modality's median."""
    notes = {}
    for modality, group in _per_modality(readable):
        medians = {c: float(group[c].astype(float).median()) for c in columns}
        for _, row in group.iterrows():
            odd = []
            for c in columns:
                value, median = float(row[c]), medians[c]
                if np.isfinite(value) and np.isfinite(median) and median > 0 and value > 0 and \
                        max(value / median, median / value) > OUTLIER_FACTOR:
                    odd.append(f"{c} {_fmt(value)} where the {modality} median is {_fmt(median)}")
            if odd:
                notes[row["file"]] = "; ".join(odd)
    return notes


def _slice_positions(readable: pd.DataFrame) -> dict[str, str]:
    """Gaps and repeats in the positions of the slices of each series."""
    notes: dict[str, str] = {}
    for series, group in readable.groupby("series", sort=True):
        group = group[np.isfinite(group["position (mm)"].astype(float))].sort_values("position (mm)")
        if len(group) < 3:
            continue
        positions = group["position (mm)"].to_numpy(float)
        names = group["file"].tolist()
        steps = np.diff(positions)
        usual = float(np.median(steps))
        for k, step in enumerate(steps):
            if step < 1e-3:
                for name in names[k:k + 2]:
                    notes[name] = (f"{series}: {names[k]} and {names[k + 1]} are at the same position "
                                   f"({_fmt(positions[k])} mm)")
            elif usual > 0 and step > GAP_FACTOR * usual:
                missing = int(round(step / usual)) - 1
                text = (f"{series}: a gap of {_fmt(step)} mm between {names[k]} and {names[k + 1]}, where "
                        f"slices are {_fmt(usual)} mm apart: about {missing} slice(s) missing")
                notes[names[k]] = text
                notes[names[k + 1]] = f"{series}: the slice after that gap"
    return notes


def quality_report(table: pd.DataFrame) -> list[Finding]:
    """The problems a learner should see before pre-processing, each with the files concerned.

    Parameters
    ----------
    table : pandas.DataFrame
        As `file_table` returns it.

    Returns
    -------
    list of Finding
        One per check that found something, errors first.
    """
    readable = table[table["readable"]]
    readable = readable.assign(group=image_kind(readable))
    found: list[Finding] = []

    def add(check: str, title: str, notes: dict, severity: str = "warning") -> None:
        """Record a finding when the check found files."""
        if notes:
            found.append(Finding(check, title, tuple(notes), notes, FIXES[check], severity))

    add("unreadable", "Files that cannot be read",
        {r["file"]: r["why unreadable"].removeprefix(f"{r['file']}: ") for _, r in table[~table["readable"]].iterrows()},
        "error")
    constant = readable[(readable["min"] == readable["max"])]
    add("constant", "Constant images (every pixel has the same value)",
        {r["file"]: f"every pixel is {_fmt(r['min'])}" for _, r in constant.iterrows()}, "error")
    nonfinite = readable[readable["non-finite (%)"] > 0]
    add("non-finite", "NaN or infinite values",
        {r["file"]: f"{r['non-finite (%)']:.1f} % of the pixels are NaN or infinite" for _, r in nonfinite.iterrows()},
        "error")
    notes = {}
    for _, r in readable.iterrows():
        parts = []
        if r["at max (%)"] >= SATURATION_PERCENT:
            parts.append(f"{r['at max (%)']:.1f} % of the pixels at the maximum ({_fmt(r['max'])})")
        if r["at min, not background (%)"] >= SATURATION_PERCENT:
            parts.append(f"{r['at min, not background (%)']:.1f} % at the minimum ({_fmt(r['min'])}) inside the image")
        if parts:
            notes[r["file"]] = "; ".join(parts)
    add("saturation", "Saturation: many pixels at the extreme value", notes)
    counts = readable["group"].value_counts()
    rare = [m for m, n in counts.items() if n / len(readable) < RARE_MODALITY]
    others = ", ".join(f"{m} ({n})" for m, n in counts.items() if m not in rare)
    add("modality", "A modality that stands out",
        {r["file"]: f"{r['group']}: {counts[r['group']]} of {len(readable)} images; the others are {others}"
         for _, r in readable[readable["group"].isin(rare)].iterrows()})
    add("dimensions", "Outlying dimensions", _outliers(readable, ("rows", "columns")))
    add("spacing", "Outlying pixel spacing or slice thickness",
        _outliers(readable, ("row spacing (mm)", "column spacing (mm)", "slice thickness (mm)")))
    notes = {}
    for digest, group in readable[readable["pixel hash"] != ""].groupby("pixel hash"):
        if len(group) > 1:
            for name in group["file"]:
                notes[name] = "same pixels as " + ", ".join(n for n in group["file"] if n != name)
    add("duplicates", "Duplicated images (identical pixels)", notes)
    notes = {}
    for modality, group in _per_modality(readable[readable["orientation"] != ""]):
        usual = group["orientation"].mode().iloc[0]
        for _, r in group[group["orientation"] != usual].iterrows():
            axes = ("rows", "columns") if len(usual) == 2 else ("axis 1", "axis 2", "axis 3")
            turned = ", ".join(f"{a} towards the {AXIS_WORDS.get(b, b)}"
                               for a, b, c in zip(axes, r["orientation"], usual) if b != c)
            notes[r["file"]] = f"{r['orientation']} ({turned}) where most {modality} images are {usual}"
    add("orientation", "Inconsistent orientation", notes)
    add("slice positions", "Gaps or repeats in slice positions", _slice_positions(readable))
    low = readable[readable["SNR"] < LOW_SNR]
    medians = readable.groupby("group")["SNR"].median()
    add("low SNR", f"Low signal-to-noise ratio (SNR below {LOW_SNR:g})",
        {r["file"]: f"SNR {r['SNR']:.1f} (median of the {r['group']} images: {medians[r['group']]:.1f})"
         for _, r in low.iterrows()})
    return sorted(found, key=lambda f: f.severity != "error")


def flagged_files(findings: list[Finding]) -> set[str]:
    """Every file concerned by at least one finding."""
    return {name for f in findings for name in f.files}


# ----------------------------------------------------------------------------- histograms


@dataclass(frozen=True)
class Histogram:
    """The proportion of pixels in each bin of values.

    Attributes
    ----------
    edges : numpy.ndarray
        ``bins + 1`` bin edges.
    proportions : numpy.ndarray
        Share of the finite pixels in each bin; sums to 1.
    n_values : int
        Number of finite pixels counted.
    n_nonfinite : int
        NaN and infinite pixels left out.
    """

    edges: np.ndarray
    proportions: np.ndarray
    n_values: int
    n_nonfinite: int = 0

    @property
    def centres(self) -> np.ndarray:
        """The middle of each bin (the grey level itself when there is one bin per level)."""
        return (self.edges[:-1] + self.edges[1:]) / 2


def finite_values(values: np.ndarray) -> np.ndarray:
    """The finite values of an array, flattened (integers as they are)."""
    values = np.asarray(values).ravel()
    return values[np.isfinite(values)] if values.dtype.kind == "f" else values


def noise_scale(values: np.ndarray) -> float:
    """A round noise strength for an image: half the spread of its values (1st to 99th percentile).

    The page's noise slider runs from 0 to this value; it scales with the
    image's units (HU, MR intensities, 0-255 photos).

    Parameters
    ----------
    values : numpy.ndarray
        Any image; NaN and infinite values are left out.

    Returns
    -------
    float
        Half the percentile spread rounded to two significant digits; 1 when
        the image has no spread (constant) or no finite value.

    Examples
    --------
    >>> noise_scale(np.arange(1001))
    490.0
    """
    finite = finite_values(values)
    spread = float(np.subtract(*np.percentile(finite, [99, 1]))) if finite.size else 0.0
    return float(f"{spread / 2:.2g}") if spread > 0 else 1.0


def histogram_bins(low: float, high: float, integer: bool, max_bins: int = 256) -> tuple[int, tuple[float, float]]:
    """Bins for `numpy.histogram`: one per grey level when integers span at most `max_bins` levels.

    Parameters
    ----------
    low, high : float
        The smallest and largest value to count.
    integer : bool
        True when every value is an integer.
    max_bins : int
        The most bins to use.

    Returns
    -------
    bins, range : int, (float, float)
        For ``numpy.histogram(values, bins=bins, range=range)``.

    Examples
    --------
    >>> histogram_bins(0, 255, True)
    (256, (-0.5, 255.5))
    >>> histogram_bins(-1000.0, 1000.0, True, 100)
    (100, (-1000.0, 1000.0))
    """
    low, high = float(low), float(high)
    if integer and high - low + 1 <= max_bins:
        return int(high - low + 1), (low - 0.5, high + 0.5)
    if high <= low:
        return 1, (low - 0.5, low + 0.5)
    return int(max_bins), (low, high)


def common_extent(arrays: Iterable[np.ndarray]) -> tuple[float, float, bool]:
    """The smallest and largest finite value over several arrays together, and whether all are integer types.

    What shared histogram bins must cover (see `histogram_bins`).

    Returns
    -------
    low, high : float
        NaN when no array has a finite value.
    integer : bool
    """
    low, high, integer = np.inf, -np.inf, True
    for array in arrays:
        values = finite_values(array)
        integer &= values.dtype.kind in "iub"
        if values.size:
            low, high = min(low, float(values.min())), max(high, float(values.max()))
    if low > high:
        return float("nan"), float("nan"), integer
    return low, high, integer


def intensity_histogram(values: np.ndarray, bins: int, span: tuple[float, float]) -> Histogram:
    """The proportion of pixels in each bin (NaN and infinite values are counted apart).

    Parameters
    ----------
    values : numpy.ndarray
        Any shape.
    bins, span : int, (float, float)
        As `histogram_bins` returns them.

    Returns
    -------
    Histogram

    Examples
    --------
    >>> h = intensity_histogram(np.array([0, 0, 1, 3]), *histogram_bins(0, 3, True))
    >>> h.proportions.tolist()
    [0.5, 0.25, 0.0, 0.25]
    """
    flat = np.asarray(values).ravel()
    finite = finite_values(flat)
    counts, edges = np.histogram(finite, bins=bins, range=span)
    return Histogram(edges, counts / max(finite.size, 1), int(finite.size), int(flat.size - finite.size))


def value_stats(values: np.ndarray) -> dict[str, float]:
    """Mean, median and the 1st and 99th percentiles of the finite values.

    Examples
    --------
    >>> value_stats(np.arange(101))
    {'mean': 50.0, 'median': 50.0, 'p1': 1.0, 'p99': 99.0}
    """
    finite = finite_values(values)
    if not finite.size:
        return dict.fromkeys(("mean", "median", "p1", "p99"), float("nan"))
    p1, median, p99 = (float(v) for v in np.percentile(finite, [1, 50, 99]))
    return {"mean": float(finite.mean(dtype=np.float64)), "median": median, "p1": p1, "p99": p99}


def pooled_histogram(arrays: Iterable[np.ndarray], bins: int,
                     span: tuple[float, float]) -> tuple[Histogram, dict[str, float]]:
    """One histogram of the pixels of many images, without holding them all in memory.

    The mean is exact; the median and percentiles are read from the
    cumulative histogram (the centre of the bin where it crosses 1 %, 50 %,
    99 %), so they are exact to within one bin.

    Parameters
    ----------
    arrays : iterable of numpy.ndarray
        The images, read one at a time.
    bins, span : int, (float, float)
        Shared by all images (see `common_extent` and `histogram_bins`).

    Returns
    -------
    Histogram, dict
        The pooled histogram and its ``mean``, ``median``, ``p1``, ``p99``.
    """
    counts = np.zeros(bins, dtype=np.int64)
    total, n_finite, n_other, edges = 0.0, 0, 0, np.linspace(*span, bins + 1)
    for array in arrays:
        flat = np.asarray(array).ravel()
        finite = finite_values(flat)
        part, edges = np.histogram(finite, bins=bins, range=span)
        counts += part
        total += float(finite.sum(dtype=np.float64))
        n_finite += finite.size
        n_other += flat.size - finite.size
    histogram = Histogram(edges, counts / max(n_finite, 1), n_finite, n_other)
    cumulative = np.cumsum(histogram.proportions)
    stats = {"mean": total / n_finite if n_finite else float("nan")}
    for key, q in (("median", 0.5), ("p1", 0.01), ("p99", 0.99)):
        k = int(np.searchsorted(cumulative, q - 1e-12)) if n_finite else -1
        stats[key] = float(histogram.centres[min(k, bins - 1)]) if n_finite else float("nan")
    return histogram, stats


@dataclass(frozen=True)
class HistogramView:
    """Histograms of one or more images on shared bins, with a row of statistics per image.

    Attributes
    ----------
    curves : list of (str, Histogram, dict)
        Label, histogram and `value_stats` of each image, for `histogram_figure`.
    table : pandas.DataFrame
        One row per image: pixels, NaN or infinite, mean, median, 1st and 99th
        percentiles, the tallest bin and its proportion (see `tallest_bin`), SNR.
    bins : int
        Number of bins.
    per_level : bool
        True when there is one bin per grey level.
    integer : bool
        True when every image holds integers.
    """

    curves: list
    table: pd.DataFrame
    bins: int
    per_level: bool
    integer: bool


def image_numbers(values: np.ndarray, grey: np.ndarray | None) -> tuple[dict[str, float], float]:
    """The statistics and SNR of one image as `compare_histograms` reports them; they do not depend on the bins.

    Parameters
    ----------
    values : numpy.ndarray
        The values (any shape; colour channels are pooled).
    grey : numpy.ndarray or None
        The grey image whose SNR is estimated (None for colour: NaN).

    Returns
    -------
    (dict, float)
        `value_stats` of the values, and `snr_estimate` of the grey image.

    Examples
    --------
    >>> image_numbers(np.arange(101), None)
    ({'mean': 50.0, 'median': 50.0, 'p1': 1.0, 'p99': 99.0}, nan)
    """
    return value_stats(values), snr_estimate(grey) if grey is not None else float("nan")


def tallest_bin(histogram: Histogram, per_level: bool) -> dict[str, float]:
    """The tallest bin of a histogram and the proportion of the pixels in it, named for what it is.

    With one bin per grey level the tallest bin is the most common value
    itself. A wider bin holds many values: its lower and upper edges are
    given, not its centre (a number that need not be in the image at all).
    Of bins equally tall, the first.

    Parameters
    ----------
    histogram : Histogram
    per_level : bool
        Whether each bin is one grey level (see `HistogramView`).

    Returns
    -------
    dict
        ``most common value`` and ``its proportion`` with one bin per level,
        else ``tallest bin from``, ``tallest bin to`` and ``its proportion``.

    Examples
    --------
    >>> tallest_bin(intensity_histogram(np.array([0, 0, 1, 3]), *histogram_bins(0, 3, True)), True)
    {'most common value': 0.0, 'its proportion': 0.5}
    >>> tallest_bin(intensity_histogram(np.array([0.0, 0.1, 0.6, 0.9]), 2, (0.0, 1.0)), False)
    {'tallest bin from': 0.0, 'tallest bin to': 0.5, 'its proportion': 0.5}
    """
    top = int(np.argmax(histogram.proportions))
    where = ({"most common value": float(histogram.centres[top])} if per_level else
             {"tallest bin from": float(histogram.edges[top]), "tallest bin to": float(histogram.edges[top + 1])})
    return {**where, "its proportion": float(histogram.proportions[top])}


def compare_histograms(images: list[tuple[str, np.ndarray, np.ndarray | None]], max_bins: int = 256,
                       numbers: list[tuple[dict[str, float], float] | None] | None = None) -> HistogramView | None:
    """Histograms of images on the same bins (for a fair comparison), with their statistics and SNR.

    Parameters
    ----------
    images : list of (str, numpy.ndarray, numpy.ndarray or None)
        Label, values (any shape; colour channels are pooled) and the grey
        image whose SNR is estimated (None for colour).
    max_bins : int
        The most bins (integers spanning fewer levels get one bin per level).
    numbers : list of ((dict, float) or None), optional
        Each image's `image_numbers` when the caller kept them (an image that
        did not change since the last call); computed where None.

    Returns
    -------
    HistogramView or None
        None when no image has a finite value.
    """
    low, high, integer = common_extent([values for _, values, _ in images])
    if not np.isfinite(low):
        return None
    bins, span = histogram_bins(low, high, integer, max_bins)
    per_level = bool(integer and span == (low - 0.5, high + 0.5))
    curves, rows = [], []
    for (label, values, grey), known in zip(images, numbers or [None] * len(images), strict=True):
        histogram = intensity_histogram(values, bins, span)
        stats, snr = known if known is not None else image_numbers(values, grey)
        curves.append((label, histogram, stats))
        rows.append({"image": label, "pixels": histogram.n_values, "NaN or infinite": histogram.n_nonfinite,
                     "mean": stats["mean"], "median": stats["median"], "1st percentile": stats["p1"],
                     "99th percentile": stats["p99"], **tallest_bin(histogram, per_level), "SNR": snr})
    return HistogramView(curves, pd.DataFrame(rows), bins, per_level, bool(integer))


# ----------------------------------------------------------------------------- charts

COLOURS = ("#1f6feb", "#d9480f", "#2f9e44", "#9c36b5")
MARKS = (("mean", "solid"), ("median", "dash"), ("p1", "dot"), ("p99", "dot"))


def histogram_figure(curves: list[tuple[str, Histogram, dict]], log: bool = False, marks: bool = True,
                     unit: str = "value", per_level: bool = False):
    """The histograms of one or more images on one chart, with mean, median and percentiles marked.

    Parameters
    ----------
    curves : list of (str, Histogram, dict)
        Label, histogram and `value_stats` of each image (same bins for a fair comparison).
    log : bool
        Logarithmic proportion axis (shows the rare values in the tails).
    marks : bool
        Draw vertical lines at the mean, median, 1st and 99th percentiles.
    unit : str
        Title of the value axis.
    per_level : bool
        Each bin is one grey level (`HistogramView.per_level`): the hover
        calls a bin's position its value. Otherwise it calls it the bin's
        centre, which need not be a value of the image.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    traces, shapes, annotations = [], [], []
    where = "value" if per_level else "bin centre"
    for i, (label, histogram, stats) in enumerate(curves):
        colour = COLOURS[i % len(COLOURS)]
        traces.append({
            "type": "scatter", "x": histogram.centres, "y": histogram.proportions, "name": plain(label),
            "mode": "lines", "line": {"color": colour, "width": 1.5, "shape": "hvh"}, "fill": "tozeroy",
            "opacity": 0.6,
            "hovertemplate": f"{where} %{{x:.6g}}<br>proportion %{{y:.4%}}<extra>{plain(label, 40)}</extra>",
        })
        if marks:
            for j, (key, dash) in enumerate(MARKS):
                if not np.isfinite(stats.get(key, np.nan)):
                    continue
                shapes.append({"type": "line", "x0": stats[key], "x1": stats[key], "xref": "x", "y0": 0, "y1": 1,
                               "yref": "y domain", "line": {"color": colour, "dash": dash, "width": 1.2}})
                annotations.append({  # staggered so that close marks stay readable
                    "x": stats[key], "y": 0.98 - 0.08 * (j + len(MARKS) * i), "yref": "paper",
                    "text": f"{key} {stats[key]:.4g}", "showarrow": False, "xanchor": "left",
                    "font": {"size": 11, "color": colour}, "bgcolor": "rgba(255, 255, 255, 0.75)"})
    y_axis = {"title": {"text": "proportion of pixels"}, "type": "log" if log else "linear"}
    y_axis.update({"exponentformat": "power"} if log else {"tickformat": ".1%"})  # 10⁻⁴, not SI's "100µ"
    return unchecked_figure({"data": traces, "layout": {
        "height": 380, "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "hovermode": "x unified",
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0}, "shapes": shapes,
        "annotations": annotations, "xaxis": {"title": {"text": unit}}, "yaxis": y_axis}})


def histogram_alt(view: HistogramView) -> str:
    """The text alternative of `histogram_figure` for `view`: each image's tallest bin and statistics.

    Examples
    --------
    >>> view = compare_histograms([("ramp", np.arange(100), None)], 10)
    >>> print(histogram_alt(view))  # doctest: +NORMALIZE_WHITESPACE
    Histogram: the proportion of pixels in each of 10 shared bins, from 0 to 99. ramp: tallest bin 0 to 9.9
    (10.0% of its pixels), mean 49.5, median 49.5, 1st percentile 0.99, 99th 98.01.
    """
    edges = view.curves[0][1].edges
    said = [f"Histogram: the proportion of pixels in each of {view.bins} shared bins, from {edges[0]:.4g} to "
            f"{edges[-1]:.4g}."]
    for row in view.table.to_dict("records"):
        peak = (f"most common value {row['most common value']:.4g}" if view.per_level else
                f"tallest bin {row['tallest bin from']:.4g} to {row['tallest bin to']:.4g}")
        said.append(f"{row['image']}: {peak} ({row['its proportion']:.1%} of its pixels), mean {row['mean']:.4g}, "
                    f"median {row['median']:.4g}, 1st percentile {row['1st percentile']:.4g}, "
                    f"99th {row['99th percentile']:.4g}.")
    return " ".join(said)


def _as_plotly_text(readable: pd.DataFrame) -> pd.DataFrame:
    """The columns charts label with (file name, modality, sex): user-controlled, so HTML-escaped for Plotly."""
    readable["modality"] = image_kind(readable)
    for column in ("file", "modality", "sex"):
        readable[column] = [plain(v) for v in readable[column]]
    return readable


def overview_figures(table: pd.DataFrame) -> dict:
    """Bar and strip charts of a dataset: dimensions, spacing, modalities, patient ages.

    Parameters
    ----------
    table : pandas.DataFrame
        As `file_table` returns it.

    Returns
    -------
    dict
        ``"dimensions"``, ``"spacing"``, ``"modality"``, ``"age"``: plotly figures, each with a title short
        enough for half a projector's width (what it leaves out is in `overview_notes`).
    """
    import plotly.express as px

    readable = _as_plotly_text(table[table["readable"]].copy())
    readable["size"] = [f"{r} × {c}" + (f" × {s}" if s > 1 else "")
                        for s, r, c in zip(readable["slices"], readable["rows"], readable["columns"])]
    layout = {"height": 300, "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend_title_text": ""}
    sizes = readable.groupby(["size", "modality"]).size().reset_index(name="images")
    dimensions = px.bar(sizes.sort_values("images", ascending=False), x="size", y="images", color="modality",
                        title="Dimensions (rows × columns)").update_layout(**layout)
    dimensions.update_xaxes(title=None, type="category")
    known = readable[readable["row spacing (mm)"].notna()]
    spacing = px.strip(known, x="row spacing (mm)", y="modality", color="modality", hover_name="file",
                       title="Pixel spacing (mm)").update_layout(**layout, showlegend=False)
    modalities = readable["modality"].value_counts().rename_axis("modality").reset_index(name="images")
    modality = px.bar(modalities, x="modality", y="images", color="modality",
                      title="Modalities").update_layout(**layout, showlegend=False)
    patients = readable[readable["patient"] != ""].drop_duplicates("patient")
    patients = patients.assign(sex=patients["sex"].replace("", "not recorded"))
    age = px.histogram(patients, x="age", color="sex", range_x=(0, 100), title="Patient ages").update_layout(**layout)
    age.update_traces(xbins={"start": 0, "end": 100, "size": 10})
    age.update_xaxes(title="age (years)", dtick=10)
    age.update_yaxes(title="patients")
    ages = patients["age"].to_numpy(float)
    tallest = {"dimensions": sizes.groupby("size")["images"].sum().max(), "modality": modalities["images"].max(),
               "age": np.histogram(ages[np.isfinite(ages)], bins=10, range=(0, 100))[0].max(initial=0)}
    for figure, top in zip((dimensions, modality, age), tallest.values()):  # counts: whole numbers on the axis
        figure.update_yaxes(dtick=max(1, int(np.ceil((top or 1) / 5))), rangemode="tozero")
    return {"dimensions": dimensions, "spacing": spacing, "modality": modality, "age": age}


def overview_notes(table: pd.DataFrame) -> dict[str, str]:
    """What each chart of `overview_figures` shows, in words: one dot or count per what, and what is left out.

    Examples
    --------
    >>> from core.data.cohort import build_cohort
    >>> overview_notes(file_table(build_cohort().files))["age"]
    'One count per patient: 22 patients.'
    """
    readable = table[table["readable"]]
    unknown = int(readable["row spacing (mm)"].isna().sum())
    patients = readable.loc[readable["patient"] != "", "patient"].nunique()
    return {
        "dimensions": "Images per size (rows × columns, × slices for a volume), by modality.",
        "spacing": "One dot per image: its row spacing."
                   + (f" {unknown} image(s) record no spacing (unknown, not shown)." if unknown else ""),
        "modality": "Images per modality (a screenshot or a photo among scans stands out).",
        "age": f"One count per patient: {patients} patients.",
    }


def snr_figure(table: pd.DataFrame):
    """One dot per image: its SNR estimate by modality, on a log axis, with the `LOW_SNR` line.

    Images without a finite SNR (constant, NaN, colour, or noiseless) are left out.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.express as px

    readable = _as_plotly_text(table[table["readable"]].copy())
    shown = readable[np.isfinite(readable["SNR"].astype(float)) & (readable["SNR"] > 0)]
    figure = px.strip(shown, x="SNR", y="modality", color="modality", hover_name="file", log_x=True,
                      title=f"SNR per image ({len(shown)} of {len(readable)})")
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
             if v <= max(LOW_SNR, float(shown["SNR"].max()) if len(shown) else LOW_SNR) * 2]
    figure.update_xaxes(tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    figure.add_vline(x=LOW_SNR, line={"color": "#d9480f", "dash": "dash"})
    figure.add_annotation(x=np.log10(LOW_SNR), y=1, yref="paper", text=f"SNR {LOW_SNR:g}", showarrow=False,
                          xanchor="left", font={"color": "#d9480f"})  # on a log axis, x is given as log10
    figure.update_layout(height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False)
    return figure
