"""What a loaded file holds: its summary, the value chain at one pixel, and its affine worked through.

These are the numbers the Loading page shows; they are computed here so that
tests and notebooks get exactly the same ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.display import CT_WINDOWS, apply_window, auto_window
from core.io.orientation import axis_codes, voxel_to_world
from core.volume import Volume


def bit_depth(volume: Volume) -> int:
    """Bits per stored sample: BitsStored for DICOM, the header's for PNG, else the dtype's size.

    Examples
    --------
    >>> bit_depth(Volume(np.zeros((2, 2), np.uint16), (1.0, 1.0)))
    16
    """
    for key in ("BitsStored", "bits per sample", "bitpix"):
        try:
            return int(volume.metadata[key])
        except (KeyError, TypeError, ValueError):
            continue
    array = volume.stored if volume.stored is not None else volume.data
    return array.dtype.itemsize * 8


def summary(volume: Volume) -> dict[str, str]:
    """The facts a learner checks first, as ``{label: text}``.

    Returns
    -------
    dict
        Format, modality, shape, kind (2D, 3D, 4D, colour), dtype, bit depth,
        voxel size, orientation, stored and physical value ranges.
    """
    data = volume.data
    kind = "4D (time, slices, rows, cols)" if volume.is_4d else (
        f"3D ({volume.frame_axis}{' in time' if volume.frame_axis == 'frames' else ''}, rows, cols)"
        if volume.is_3d else "2D (rows, cols)")
    if volume.rgb:
        kind += " + RGB channels"
    facts = {
        "format": volume.source_format or "unknown",
        "modality": volume.modality or "not recorded",
        "shape": " × ".join(str(n) for n in data.shape),
        "dimensions": kind,
        "data type": str(data.dtype),
        "bit depth (stored)": f"{bit_depth(volume)} bits",
        "voxel size (mm)": (" × ".join(f"{s:.4g}" for s in volume.spacing) if volume.spacing_known
                            else "unknown: the file records no pixel size"),
        "memory": f"{data.nbytes / 1024**2:.2f} MiB",
    }
    if volume.affine is not None:
        facts["orientation in the file"] = "".join(axis_codes(volume.file_affine if volume.file_affine is not None else volume.affine))
        facts["orientation shown"] = "".join(axis_codes(volume.affine)) + (
            " (slice, row, col)" if volume.is_3d else " (the slice's normal, then its rows and columns)")
    finite = data[np.isfinite(data)] if data.dtype.kind == "f" else data
    if finite.size:
        facts["physical values"] = f"{finite.min():.6g} to {finite.max():.6g}"
    if volume.stored is not None:
        facts["stored values"] = f"{volume.stored.min():.6g} to {volume.stored.max():.6g}"
    return facts


def headline(volume: Volume, facts: dict[str, str]) -> dict[str, str]:
    """The five facts shown as metrics, each short enough for one (the `summary` table has the full wording).

    Parameters
    ----------
    volume : Volume
        The image.
    facts : dict
        Its `summary`.

    Returns
    -------
    dict
        Format, dimensions (with "RGB" for colour), data type, bit depth and voxel size ("unknown" when the
        file records none: never an invented 1 mm).

    Examples
    --------
    >>> v = Volume(np.zeros((4, 5), np.uint8), (0.5, 0.25), source_format="PNG")
    >>> headline(v, summary(v))["Voxel size (mm)"]
    '0.5 × 0.25'
    """
    return {
        "Format": facts["format"],
        "Dimensions": facts["dimensions"].split(" (")[0] + (" RGB" if volume.rgb else ""),
        "Data type": facts["data type"],
        "Bit depth (stored)": facts["bit depth (stored)"],
        "Voxel size (mm)": facts["voxel size (mm)"] if volume.spacing_known else "unknown",  # the table's digits
    }


def probe_axes(volume: Volume) -> tuple[str, ...]:
    """The names of the axes a probe moves along, in the order of an index into ``volume.data``.

    Examples
    --------
    >>> probe_axes(Volume(np.zeros((2, 3, 4, 5)), (1.0, 1.0, 1.0)))
    ('time', 'slice', 'row', 'column')
    """
    spatial = ("slice", "row", "column")[-len(volume.spatial_shape):]
    return ("time", *spatial) if volume.is_4d else spatial


def probe_limits(volume: Volume) -> tuple[int, ...]:
    """How many positions each probe axis has (`probe_axes` order).

    Examples
    --------
    >>> probe_limits(Volume(np.zeros((3, 4, 5)), (1.0, 1.0, 1.0)))
    (3, 4, 5)
    """
    return (volume.n_frames, *volume.spatial_shape) if volume.is_4d else tuple(volume.spatial_shape)


def centre_index(volume: Volume) -> tuple[int, ...]:
    """The probe's starting place: the middle of every spatial axis, the first time point.

    Examples
    --------
    >>> centre_index(Volume(np.zeros((2, 3, 4, 5)), (1.0, 1.0, 1.0)))
    (0, 1, 2, 2)
    """
    middle = tuple(n // 2 for n in volume.spatial_shape)
    return (0, *middle) if volume.is_4d else middle


def chain_window(volume: Volume, image: np.ndarray) -> tuple[float, float]:
    """The value chain's starting window ``(width, level)``: CT's soft tissue window, else the 1st-99th percentile.

    Examples
    --------
    >>> chain_window(Volume(np.zeros((4, 4)), (1.0, 1.0), modality="CT"), np.zeros((4, 4)))
    (400.0, 40.0)
    """
    width, level = CT_WINDOWS["soft tissue"] if volume.modality == "CT" else auto_window(image)
    return float(width), float(level)


def rescale_of(volume: Volume) -> tuple[float, float]:
    """Slope and intercept that turn stored values into physical ones (1 and 0 when none)."""
    for slope_key, intercept_key in (("RescaleSlope", "RescaleIntercept"), ("scl_slope", "scl_inter")):
        if slope_key in volume.metadata:
            try:
                slope = float(volume.metadata[slope_key])
                intercept = float(volume.metadata.get(intercept_key, 0) or 0)
            except (TypeError, ValueError):
                continue
            if np.isfinite(slope) and slope != 0 and np.isfinite(intercept):
                return slope, intercept
    return 1.0, 0.0


def value_chain(volume: Volume, index: tuple[int, ...], width: float, level: float) -> dict[str, float]:
    """Follow one pixel from the file to the screen.

    stored value → modality LUT (``× slope + intercept``) → physical value →
    window (``(value - (level - width/2)) / width × 255``) → displayed grey.

    Parameters
    ----------
    volume : Volume
        A grey image.
    index : tuple of int
        Index into ``volume.data`` (``(row, col)``, ``(slice, row, col)`` or
        with the time point first for 4D).
    width, level : float
        The display window.

    Returns
    -------
    dict
        ``stored``, ``slope``, ``intercept``, ``physical``, ``width``,
        ``level``, ``grey`` (0-255) and ``lut`` (True when the file maps stored
        values through a Modality LUT table, so slope and intercept do not apply).
    """
    physical = float(volume.data[index])
    stored = float(volume.stored[index]) if volume.stored is not None else physical
    lut = volume.display_path is not None and volume.display_path.modality_lut is not None
    slope, intercept = rescale_of(volume) if volume.stored is not None and not lut else (1.0, 0.0)
    grey = int(apply_window(np.array([physical]), width, level, invert=volume.monochrome1)[0])
    return {"stored": stored, "slope": slope, "intercept": intercept, "physical": physical,
            "width": float(width), "level": float(level), "grey": grey, "lut": lut}


def file_index(volume: Volume, index: tuple[int, int, int]) -> tuple[int, int, int]:
    """The voxel index in the file's own order (NIfTI ``(i, j, k)``) of a display index.

    Parameters
    ----------
    volume : Volume
        A 3D image with an affine.
    index : (int, int, int)
        ``(slice, row, col)`` into ``volume.data``.

    Returns
    -------
    tuple of int
    """
    world = voxel_to_world(volume.affine, index)
    own = np.linalg.inv(volume.file_affine) @ np.append(world, 1.0)
    return tuple(int(round(v)) for v in own[:3])  # type: ignore[return-value]


def affine_steps(affine: np.ndarray, index) -> pd.DataFrame:
    """The product ``affine @ [i, j, k, 1]`` worked out row by row.

    Parameters
    ----------
    affine : (4, 4) numpy.ndarray
    index : sequence of 3 int

    Returns
    -------
    pandas.DataFrame
        One row per world axis (x, y, z in mm, RAS+): the written-out sum
        and its value.

    Examples
    --------
    >>> affine_steps(np.diag([2.0, 2.0, 2.0, 1.0]), (1, 2, 3))["mm"].tolist()
    [2.0, 4.0, 6.0]
    """
    i = np.append(np.asarray(index, dtype=float), 1.0)
    rows = []
    for axis, name in enumerate(("x (towards the patient's right: R+)", "y (anterior: A+)", "z (superior: S+)")):
        terms = " + ".join(f"{affine[axis, n]:.4g}×{i[n]:g}" for n in range(3)) + f" + {affine[axis, 3]:.4g}"
        rows.append({"world axis": name, "sum": terms, "mm": float(affine[axis] @ i)})
    return pd.DataFrame(rows)


def header_table(metadata: dict, query: str = "") -> pd.DataFrame:
    """The header as a two-column table, filtered by a case-insensitive search.

    Examples
    --------
    >>> header_table({"Rows": "128", "Columns": "128"}, "row")["field"].tolist()
    ['Rows']
    """
    table = pd.DataFrame({"field": list(metadata), "value": [str(v) for v in metadata.values()]})
    if query:
        q = query.lower()
        table = table[table["field"].str.lower().str.contains(q, regex=False)
                      | table["value"].str.lower().str.contains(q, regex=False)]
    return table.reset_index(drop=True)
