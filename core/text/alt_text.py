"""Text alternatives for the course's pictures, made from their data.

A screen-reader user hears these instead of seeing the image, so each says what
the picture shows and carries the lesson's point (where the bright part is, which
window, where a heatmap is strongest), not "image". Pure functions: arrays in,
one plain sentence out (no Markdown, no HTML).
"""

from __future__ import annotations

import numpy as np

from core.basics import to_grey

__all__ = ["bright_region", "describe_image", "mask_alt", "heatmap_alt", "slice_alt", "figure_alt", "figure_numbers",
           "number"]


def number(value: float) -> str:
    """A value as the page prints it: up to 4 significant digits, no trailing zeros.

    Examples
    --------
    >>> number(0.123456), number(-1000.0), number(1500)
    ('0.1235', '-1000', '1500')
    """
    return f"{float(value):.4g}"


def _span(indices: np.ndarray) -> str:
    lo, hi = int(indices.min()), int(indices.max())
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def bright_region(image: np.ndarray, fraction: float = 0.1) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The rows and columns that hold the brightest `fraction` of a 2D image.

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, channels) array
        Grey values; a colour image (3 or 4 channels) is first turned into
        grey by the course's one conversion, `core.basics.to_grey` (the
        luminance: green counts most, blue least), and an image of fewer
        channels (grey, grey and alpha) keeps its first.
    fraction : float
        Share of the pixels, the brightest ones, whose bounding box is returned.

    Returns
    -------
    ((row_min, row_max), (col_min, col_max)) or None
        Inclusive bounds, or None when the image is flat (no part is brighter).
    """
    grey = np.asarray(image, dtype=np.float64)
    if grey.ndim == 3:
        grey = to_grey(grey) if grey.shape[2] >= 3 else grey[..., 0]
    if grey.ndim != 2:
        return None
    finite, values = _finite(grey)
    if not values.size or values.min() == values.max():
        return None
    bright = (grey >= np.quantile(values, 1.0 - fraction)) & (grey > values.min())
    if finite is not None:
        bright &= finite
    rows, cols = np.flatnonzero(bright.any(axis=1)), np.flatnonzero(bright.any(axis=0))
    if rows.size == 0:
        return None
    return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))


def _finite(values: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The mask of finite values (None when all are: nothing copied) and those values, flattened."""
    if values.dtype.kind in "iub":
        return None, values.ravel()
    finite = np.isfinite(values)
    return (None, values.ravel()) if finite.all() else (finite, values[finite])


def describe_image(image: np.ndarray, subject: str) -> str:
    """One sentence on a 2D grey or colour image: size, value range and where its brightest tenth lies.

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3 or 4) array
        The picture as shown.
    subject : str
        What the picture is, for example ``"Gaussian filter, sigma 2"``.

    Returns
    -------
    str
        For example ``"Otsu mask: 128 × 128 grey image, values 0 to 255, mean 61.2; brightest tenth in rows
        30-98, columns 12-110."``

    Examples
    --------
    >>> image = np.zeros((4, 6), np.uint8); image[1, 2:4] = 200
    >>> describe_image(image, "Two bright pixels")
    'Two bright pixels: 4 × 6 grey image, values 0 to 200, mean 16.67; brightest tenth in row 1, columns 2-3.'
    """
    subject = _plain(subject).replace("**", "").replace("`", "")
    array = np.asarray(image)
    if array.dtype == bool and array.ndim == 2:
        return mask_alt(array, subject)
    kind = "colour" if array.ndim == 3 and array.shape[2] in (3, 4) else "grey"
    if array.ndim == 3 and array.shape[2] == 4:
        array = array[..., :3]
    if array.size == 0 or array.ndim not in (2, 3):
        return f"{subject}: empty image."
    _, finite = _finite(array)
    if finite.size == 0:
        return f"{subject}: {array.shape[0]} × {array.shape[1]} {kind} image with no finite values."
    text = (f"{subject}: {array.shape[0]} × {array.shape[1]} {kind} image, values {number(finite.min())} to "
            f"{number(finite.max())}, mean {number(finite.mean(dtype=np.float64))}")
    region = bright_region(array)
    if region is None:
        return text + "; every pixel has the same value."
    (r0, r1), (c0, c1) = region
    rows = f"row {r0}" if r0 == r1 else f"rows {r0}-{r1}"
    cols = f"column {c0}" if c0 == c1 else f"columns {c0}-{c1}"
    return text + f"; brightest tenth in {rows}, {cols}."


def mask_alt(mask: np.ndarray, subject: str) -> str:
    """A binary mask: how much of the image it covers and where.

    Examples
    --------
    >>> mask = np.zeros((10, 10), bool); mask[2:4, 5:9] = True
    >>> mask_alt(mask, "Otsu mask")
    'Otsu mask: 10 × 10 mask (white: selected), 8% of the pixels selected, in rows 2-3, columns 5-8.'
    """
    mask = np.asarray(mask, dtype=bool)
    text = f"{subject}: {mask.shape[0]} × {mask.shape[1]} mask (white: selected)"
    if not mask.any():
        return text + ", nothing selected."
    rows, cols = np.nonzero(mask)
    return (text + f", {mask.mean():.0%} of the pixels selected, in rows {_span(rows)}, "
            f"columns {_span(cols)}.")


def heatmap_alt(heatmap: np.ndarray, name: str = "Grad-CAM heatmap", mask: np.ndarray | None = None,
                mask_name: str = "the lesion outline") -> str:
    """Where a heatmap in [0, 1] is strongest, and whether that lies inside a mask.

    Parameters
    ----------
    heatmap : (rows, cols) array
        Values in [0, 1], 1 where the evidence is strongest.
    name : str
        What the heatmap is.
    mask : (rows, cols) bool array, optional
        The true finding; when given, the share of the strongest tenth inside it is stated.
    mask_name : str
        How the mask is named on screen.

    Returns
    -------
    str
        For example ``"Grad-CAM heatmap: strongest at rows 30-38, columns 12-20 (peak 1 at row 34, column 15),
        82% of its strongest tenth inside the lesion outline."``
    """
    heat = np.asarray(heatmap, dtype=np.float64)
    if heat.size == 0 or not np.isfinite(heat).any() or np.nanmax(heat) <= 0:
        return f"{name}: blank, no part of the image raises the score."
    region = bright_region(heat)
    peak_row, peak_col = np.unravel_index(int(np.nanargmax(heat)), heat.shape)
    if region is None:
        where = "the same everywhere"
        text = f"{name}: {where}"
    else:
        (r0, r1), (c0, c1) = region
        text = (f"{name}: strongest at rows {_span(np.array([r0, r1]))}, columns {_span(np.array([c0, c1]))} "
                f"(peak {number(heat[peak_row, peak_col])} at row {peak_row}, column {peak_col})")
    if mask is not None:
        inside = np.asarray(mask, dtype=bool)
        if inside.shape == heat.shape and inside.any():
            finite = heat[np.isfinite(heat)]
            strong = (heat >= np.quantile(finite, 0.9)) & (heat > finite.min())
            share = (strong & inside).sum() / max(int(strong.sum()), 1)
            where = "inside" if inside[peak_row, peak_col] else "outside"
            text += f", {share:.0%} of its strongest tenth inside {mask_name}, peak {where} it"
    return text + "."


def slice_alt(kind: str, index: int, count: int, window: tuple[float, float] | None, low: float, high: float,
              unit: str = "") -> str:
    """A slice of a volume: which one, the display window and the value range.

    Parameters
    ----------
    kind : str
        For example ``"CT slice"`` or ``"axial plane"``.
    index, count : int
        Position (from 0) and number of slices.
    window : (width, level) or None
        The display window, None when the full range is shown.
    low, high : float
        Smallest and largest value of the slice.
    unit : str
        Unit of the values, for example ``"HU"``.

    Examples
    --------
    >>> slice_alt("CT slice", 12, 40, (400, 40), -1000, 1500, "HU")
    'CT slice 12 of 40 (from 0), window 400/40 HU (width/level), values -1000 to 1500 HU: below -160 black, above 240 white.'
    """
    unit_text = f" {unit}" if unit else ""
    text = f"{kind} {index} of {count} (from 0)"
    if window is None:
        return text + f", values {number(low)} to {number(high)}{unit_text}, shown over their full range."
    width, level = window
    return (text + f", window {number(width)}/{number(level)}{unit_text} (width/level), values {number(low)} to "
            f"{number(high)}{unit_text}: below {number(level - width / 2)} black, above {number(level + width / 2)} "
            "white.")


def figure_alt(figure: dict, subject: str = "") -> str:
    """A plotly figure described from its own data: title, axes and each trace's kind and extent.

    Parameters
    ----------
    figure : dict
        ``fig.to_plotly_json()`` or ``fig.to_dict()`` of a plotly figure.
    subject : str
        What the figure shows, used when it has no title.

    Returns
    -------
    str
        For example ``"Histogram of the image: bar chart of 64 values, x “value (HU)” -1000 to 1500, y “pixels”
        0 to 5301."``
    """
    layout = figure.get("layout", {}) or {}
    title = layout.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title or "")
    parts: list[str] = []

    def axis_title(name: str) -> str:
        """The title of axis `name` ("xaxis", "yaxis2" ...) in quotes, or nothing."""
        axis = layout.get(name, {}) or {}
        text = axis.get("title", {})
        text = text.get("text", "") if isinstance(text, dict) else str(text or "")
        return f" “{_plain(text)}”" if text else ""

    for trace in figure.get("data", []) or []:
        kind = trace.get("type", "scatter")
        label = _plain(str(trace.get("name") or ""))
        label = f" “{label}”" if label else ""
        if kind in ("heatmap", "image"):
            values = _array(trace.get("z"))
            shape = values.shape if values.ndim >= 2 else None
            if shape and np.isfinite(values).any():
                parts.append(f"{kind}{label} of {shape[0]} × {shape[1]} cells, values {number(np.nanmin(values))} "
                             f"to {number(np.nanmax(values))}")
            else:
                parts.append(f"{kind}{label}")
            continue
        x, y = _numbers(trace.get("x")), _numbers(trace.get("y"))
        what = {"bar": "bar chart", "histogram": "histogram", "scatter": "line" if "lines" in str(
            trace.get("mode", "lines")) else "points"}.get(kind, kind)
        count = max(len(x), len(y))
        text = f"{what}{label} of {count} values" if count else f"{what}{label}"
        xaxis = "xaxis" + str(trace.get("xaxis", "x"))[1:]
        yaxis = "yaxis" + str(trace.get("yaxis", "y"))[1:]
        if x.size:
            text += f", x{axis_title(xaxis)} {number(x.min())} to {number(x.max())}"
        if y.size:
            text += f", y{axis_title(yaxis)} {number(y.min())} to {number(y.max())}"
        parts.append(text)
    head = _plain(title) or subject or "Figure"
    if not parts:
        return f"{head}."
    shown = parts[:6] + ([f"and {len(parts) - 6} more traces"] if len(parts) > 6 else [])
    return f"{head}: " + "; ".join(shown) + "."


def figure_numbers(figure: dict, limit: int = 2000) -> list[dict[str, object]]:
    """The x and y numbers of a plotly figure's line, point and bar traces, one row per point.

    What a screen reader reads as a table instead of the plot. Heatmaps and images are left out (their
    pixels are described by `describe_image` and printed by the pixel lessons).

    Parameters
    ----------
    figure : dict
        ``fig.to_plotly_json()``.
    limit : int
        At most this many rows (a long curve is thinned evenly, its first and last points kept).

    Returns
    -------
    list of dict
        Rows ``{"trace": name, "x": ..., "y": ...}``.
    """
    rows: list[dict[str, object]] = []
    for number_, trace in enumerate(figure.get("data", []) or []):
        if trace.get("type", "scatter") not in ("scatter", "scattergl", "bar"):
            continue
        y = _array(trace.get("y")).ravel()
        x_raw = trace.get("x")
        x = _array(x_raw).ravel() if x_raw is not None else np.arange(y.size, dtype=np.float64)
        if x.size != y.size and x_raw is not None and not isinstance(x_raw, dict):
            x = np.asarray(list(x_raw), dtype=object).ravel()  # category labels
        if x.size != y.size or y.size == 0:
            continue
        name = _plain(str(trace.get("name") or f"trace {number_ + 1}"))
        for i in np.unique(np.linspace(0, y.size - 1, min(y.size, limit)).round().astype(int)):
            xi = x[i]
            rows.append({"trace": name, "x": float(xi) if isinstance(xi, (int, float, np.number)) else str(xi),
                         "y": float(y[i])})
    return rows


def _array(values) -> np.ndarray:
    """A trace's x, y or z as float numbers; plotly stores numpy data as a typed-array dict
    (``{"dtype", "bdata", "shape"}``, base64); text (category labels) gives an empty array."""
    if values is None:
        return np.zeros(0)
    if isinstance(values, dict):
        import base64

        try:
            array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
            shape = values.get("shape")
            if shape:
                array = array.reshape([int(n) for n in str(shape).split(",")])
        except (KeyError, ValueError, TypeError):
            return np.zeros(0)
        return array.astype(np.float64)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return np.zeros(0)


def _numbers(values) -> np.ndarray:
    """The finite numbers of a trace's x or y, flattened."""
    array = _array(values).ravel()
    return array[np.isfinite(array)]


def _plain(text: str) -> str:
    """A plotly label without its HTML tags (<b>, <br>, <sup>)."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
