"""From stored values to greys the DICOM way: modality LUT or rescale, then VOI LUT or window.

A DICOM file says how its stored numbers become what the screen shows, in
two steps (PS3.3 C.11):

1. **Modality** step, stored value -> meaningful value: either a *Modality
   LUT* (a table, ``Modality LUT Sequence``) or a linear *rescale*
   (``value = stored × RescaleSlope + RescaleIntercept``: Hounsfield units
   for CT).
2. **VOI** step (values of interest), meaningful value -> display range:
   either a *VOI LUT* (a table, ``VOI LUT Sequence``) or a *window*
   (``WindowCenter``/``WindowWidth``).

A MONOCHROME1 image is then inverted (its lowest value shows white). Enhanced
multi-frame files keep the rescale and the window in their functional
groups rather than at the top level; `functional_item` finds them there.

A table maps input ``first`` to ``table[0]``, ``first + 1`` to ``table[1]``
and so on; inputs below ``first`` take the first entry, inputs past the end
the last one, as pydicom's ``apply_modality_lut`` and ``apply_voi`` do.

>>> lut = Lut(first=-2, table=np.array([0, 10, 20, 30]), bits=8, kind="VOI LUT")
>>> apply_lut(np.array([-5, -2, 0, 1, 9]), lut).tolist()
[0, 0, 20, 30, 30]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.display import apply_window

MODALITY_STEPS = ("Modality LUT", "rescale", "none")
"""How a file's stored values become meaningful ones, as `DisplayPath.modality_step` names them."""

VOI_STEPS = ("VOI LUT", "window", "none")
"""How meaningful values become display greys, as `DisplayPath.voi_step` names them."""


@dataclass(frozen=True, eq=False)
class Lut:
    """A lookup table from a DICOM header.

    Attributes
    ----------
    first : int
        The first input value the table maps (LUT Descriptor, second value).
    table : numpy.ndarray
        The output for inputs ``first, first + 1, ...``.
    bits : int
        Bits of each output entry (LUT Descriptor, third value).
    kind : str
        ``"Modality LUT"`` or ``"VOI LUT"``.
    explanation : str
        The file's LUTExplanation ("" when it has none).
    """

    first: int
    table: np.ndarray
    bits: int
    kind: str
    explanation: str = ""

    @property
    def inputs(self) -> np.ndarray:
        """The input values the table covers, one per entry."""
        return np.arange(self.first, self.first + len(self.table))


@dataclass(frozen=True, eq=False)
class DisplayPath:
    """How a DICOM file's header says its stored values are displayed.

    Attributes
    ----------
    modality_lut : Lut or None
        The Modality LUT; when set it replaces the rescale.
    slope, intercept : float
        The rescale (1 and 0 when the file has none).
    voi_lut : Lut or None
        The first VOI LUT; when set it replaces the window.
    window : (float, float) or None
        The file's first window as ``(width, level)`` (the course's order;
        DICOM's WindowWidth and WindowCenter), or None.
    monochrome1 : bool
        Lowest value shown white.
    """

    modality_lut: Lut | None = None
    slope: float = 1.0
    intercept: float = 0.0
    voi_lut: Lut | None = None
    window: tuple[float, float] | None = None
    monochrome1: bool = False

    @property
    def modality_step(self) -> str:
        """``"Modality LUT"``, ``"rescale"`` or ``"none"`` (slope 1, intercept 0)."""
        if self.modality_lut is not None:
            return MODALITY_STEPS[0]
        return MODALITY_STEPS[1] if (self.slope, self.intercept) != (1.0, 0.0) else MODALITY_STEPS[2]

    @property
    def voi_step(self) -> str:
        """``"VOI LUT"``, ``"window"`` or ``"none"`` (the viewer chooses a window)."""
        if self.voi_lut is not None:
            return VOI_STEPS[0]
        return VOI_STEPS[1] if self.window is not None else VOI_STEPS[2]


def apply_lut(values: np.ndarray, lut: Lut) -> np.ndarray:
    """Look values up in a table, clamping inputs outside it to its first or last entry.

    Parameters
    ----------
    values : numpy.ndarray
        Input values (non-integers are rounded down, as pydicom does).
    lut : Lut

    Returns
    -------
    numpy.ndarray
        Same shape as `values`, the table's dtype.
    """
    values = np.asarray(values)
    if values.dtype.kind == "f":
        values = np.floor(np.nan_to_num(values, nan=lut.first))
    index = np.clip(values.astype(np.int64) - lut.first, 0, len(lut.table) - 1)
    return lut.table[index]


def functional_item(ds, sequence: str):
    """The dataset holding a functional group: the top level, else the shared groups, else the first frame's.

    Enhanced multi-frame files (Enhanced CT, MR ...) move per-image
    attributes into ``SharedFunctionalGroupsSequence`` or
    ``PerFrameFunctionalGroupsSequence``, inside a named sequence such as
    ``PixelValueTransformationSequence`` (the rescale) or
    ``FrameVOILUTSequence`` (the window).

    Parameters
    ----------
    ds : pydicom.Dataset
    sequence : str
        The functional group's sequence keyword.

    Returns
    -------
    pydicom.Dataset
        The group's first item, or `ds` itself when no group has it.
    """
    for groups in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        try:
            return ds[groups][0][sequence][0]
        except (KeyError, IndexError, TypeError, AttributeError):
            continue
    return ds


def _number(item, keyword: str, default: float) -> float:
    """The first value of a decimal attribute, or `default` when missing or not a finite number."""
    value = item.get(keyword, None)
    try:
        if value is None or value == "":
            return default
        if hasattr(value, "__len__") and not isinstance(value, (str, bytes)):  # multi-valued: the first
            value = value[0]
        number = float(value)
    except (TypeError, ValueError, IndexError):
        return default
    return number if math.isfinite(number) else default


def _read_lut(ds, sequence: str, kind: str) -> Lut | None:
    """The first table of a Modality or VOI LUT Sequence, read through pydicom's own functions."""
    from pydicom.pixels import apply_modality_lut, apply_voi

    try:
        item = ds[sequence][0]
        entries, first, bits = (int(v) for v in item.LUTDescriptor)
        entries = entries or 2 ** 16  # 0 means 65536 entries
        inputs = np.arange(first, first + entries, dtype=np.int64)
        table = apply_modality_lut(inputs, ds) if kind == "Modality LUT" else apply_voi(inputs, ds, 0)
    except Exception:  # noqa: BLE001 - a missing or damaged table: the file's other path is used
        return None
    return Lut(first, np.asarray(table), bits, kind, str(item.get("LUTExplanation", "") or ""))


def display_path(ds) -> DisplayPath:
    """Read how a DICOM file is meant to be displayed.

    Parameters
    ----------
    ds : pydicom.Dataset
        A grey image's header (with its LUT sequences).

    Returns
    -------
    DisplayPath
    """
    rescale = functional_item(ds, "PixelValueTransformationSequence")
    slope = _number(rescale, "RescaleSlope", 1.0) or 1.0
    intercept = _number(rescale, "RescaleIntercept", 0.0)
    voi = functional_item(ds, "FrameVOILUTSequence")
    width, centre = _number(voi, "WindowWidth", 0.0), _number(voi, "WindowCenter", math.nan)
    window = (width, centre) if width > 0 and math.isfinite(centre) else None
    monochrome1 = str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1"
    return DisplayPath(_read_lut(ds, "ModalityLUTSequence", "Modality LUT"), slope, intercept,
                       _read_lut(ds, "VOILUTSequence", "VOI LUT"), window, monochrome1)


def modality_values(stored: np.ndarray, path: DisplayPath) -> np.ndarray:
    """The modality step: the Modality LUT when there is one, else ``stored × slope + intercept``.

    Parameters
    ----------
    stored : numpy.ndarray
    path : DisplayPath

    Returns
    -------
    numpy.ndarray
        float64 after a rescale, the table's dtype after a LUT, `stored` itself when neither.
    """
    if path.modality_lut is not None:
        return apply_lut(stored, path.modality_lut)
    if path.modality_step == "none":
        return np.asarray(stored)
    return np.asarray(stored, dtype=np.float64) * path.slope + path.intercept


def voi_grey(values: np.ndarray, path: DisplayPath, window: tuple[float, float] | None = None) -> np.ndarray:
    """The VOI step to 8-bit grey: the VOI LUT scaled from its output bits, else a window.

    Parameters
    ----------
    values : numpy.ndarray
        Output of `modality_values`.
    path : DisplayPath
    window : (float, float), optional
        ``(width, level)`` used when the file has no VOI LUT; defaults to the
        file's own window, else the values' full range.

    Returns
    -------
    numpy.ndarray of uint8
        MONOCHROME1 already inverted.
    """
    values = np.asarray(values)
    if path.voi_lut is not None:
        top = 2 ** path.voi_lut.bits - 1
        grey = np.rint(apply_lut(values, path.voi_lut).astype(np.float64) * (255.0 / top)).astype(np.uint8)
        return 255 - grey if path.monochrome1 else grey
    width, level = window or path.window or _full_range(values)
    return apply_window(values, width, level, invert=path.monochrome1)


def _full_range(values: np.ndarray) -> tuple[float, float]:
    """A window from the smallest to the largest value (width at least 1)."""
    low, high = float(np.min(values)), float(np.max(values))
    return max(high - low, 1.0), (low + high) / 2


def chain_at(stored: float, path: DisplayPath, window: tuple[float, float] | None = None) -> list[dict]:
    """One stored value followed through every stage to its grey, as table rows.

    Parameters
    ----------
    stored : float
        The stored value of one pixel.
    path : DisplayPath
    window : (float, float), optional
        As in `voi_grey`; the full range of the one value is never used, so
        pass the image's window when the file has none.

    Returns
    -------
    list of dict
        Rows ``stage``, ``how`` and ``value``: stored, after the modality
        step, after the VOI step (the VOI LUT's output, or the place in the
        window from 0 = black to 1 = white), grey.

    Examples
    --------
    >>> rows = chain_at(100, DisplayPath(slope=2.0, intercept=-1000.0, window=(400.0, -800.0)))
    >>> [(row["stage"], row["value"]) for row in rows]
    [('stored', 100.0), ('rescale', -800.0), ('window', 0.5), ('grey', 128.0)]
    """
    value = np.array([stored])
    meaningful = modality_values(value, path)
    if path.modality_lut is not None:
        how = f"table entry {int(np.clip(np.floor(stored) - path.modality_lut.first, 0, len(path.modality_lut.table) - 1))}"
    elif path.modality_step == "none":
        how = "unchanged: no rescale, no table"
    else:
        how = f"× {path.slope:.6g} + {path.intercept:.6g}"
    rows = [{"stage": "stored", "how": "as in the file", "value": float(stored)},
            {"stage": path.modality_step if path.modality_step != "none" else "modality (none)",
             "how": how, "value": float(meaningful[0])}]
    if path.voi_lut is not None:
        out = float(apply_lut(meaningful, path.voi_lut)[0])
        rows.append({"stage": "VOI LUT", "how": f"table output, out of {2 ** path.voi_lut.bits - 1} ({path.voi_lut.bits} bits)",
                     "value": out})
    else:
        width, level = window or path.window or (1.0, float(meaningful[0]))
        place = min(max((float(meaningful[0]) - (level - width / 2)) / width, 0.0), 1.0)
        rows.append({"stage": "window", "how": f"width {width:.6g}, level {level:.6g}: 0 black, 1 white",
                     "value": place})
    grey = voi_grey(meaningful, path, window)
    rows.append({"stage": "grey", "how": "0-255" + (", inverted (MONOCHROME1)" if path.monochrome1 else ""),
                 "value": float(grey[0])})
    return rows


def modality_curve(path: DisplayPath, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """The modality step as a curve over stored values `low` to `high`: the LUT's entries, or the rescale's line.

    Returns
    -------
    stored, meaningful : numpy.ndarray
        The curve's x and y (every LUT entry within the range, or the two ends of the line).

    Examples
    --------
    >>> [v.tolist() for v in modality_curve(DisplayPath(slope=2.0, intercept=-10.0), 0, 100)]
    [[0.0, 100.0], [-10.0, 190.0]]
    """
    if path.modality_lut is None:
        stored = np.array([float(low), float(high)])
        return stored, modality_values(stored, path).astype(np.float64)
    inputs = path.modality_lut.inputs
    keep = (inputs >= np.floor(low)) & (inputs <= np.ceil(high))
    inputs = inputs[keep] if keep.any() else inputs
    return inputs.astype(np.float64), apply_lut(inputs, path.modality_lut).astype(np.float64)


def voi_curve(path: DisplayPath, low: float, high: float, window: tuple[float, float] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """The VOI step as a curve from meaningful values (`low` to `high`) to greys 0-255.

    Returns
    -------
    values, grey : numpy.ndarray
        Every VOI LUT entry within the range, or the window's ramp (its two
        corners and the ends of the range).

    Examples
    --------
    >>> [v.tolist() for v in voi_curve(DisplayPath(window=(100.0, 50.0)), -100, 200)]
    [[-100.0, 0.0, 100.0, 200.0], [0.0, 0.0, 255.0, 255.0]]
    """
    if path.voi_lut is not None:
        inputs = path.voi_lut.inputs
        keep = (inputs >= np.floor(low)) & (inputs <= np.ceil(high))
        values = (inputs[keep] if keep.any() else inputs).astype(np.float64)
    else:
        width, level = window or path.window or _full_range(np.array([low, high]))
        corners = [level - width / 2, level + width / 2]
        values = np.unique(np.array([low, *corners, high], dtype=np.float64))
    return values, voi_grey(values, path, window).astype(np.float64)
