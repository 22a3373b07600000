"""Text alternatives: the builders say what a picture shows from its data, and every image call passes one."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from core.text.alt_text import (bright_region, describe_image, figure_alt, figure_numbers, heatmap_alt, mask_alt,
                           slice_alt)
from core.colourmaps import viridis

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([ROOT / "app.py", *(ROOT / "lessons").rglob("*.py"), *(ROOT / "ui").rglob("*.py")])
HELPER = ROOT / "ui" / "alt.py"


# ------------------------------------------------------------------------------------ the builders

def test_describe_image_gives_size_range_and_where_the_bright_part_is():
    image = np.zeros((40, 60), np.uint8)
    image[30:39, 12:21] = 250
    text = describe_image(image, "A bright square")
    assert text == ("A bright square: 40 × 60 grey image, values 0 to 250, mean 8.438; brightest tenth in "
                    "rows 30-38, columns 12-20.")


def test_describe_image_colour_flat_and_empty():
    colour = np.zeros((2, 3, 3), np.uint8)
    assert describe_image(colour, "Black").endswith("2 × 3 colour image, values 0 to 0, mean 0; every pixel has "
                                                    "the same value.")
    assert describe_image(np.zeros((0, 0)), "Nothing") == "Nothing: empty image."
    assert describe_image(np.full((2, 2), np.nan), "NaN") == "NaN: 2 × 2 grey image with no finite values."


def test_describe_image_strips_markdown_from_the_subject():
    assert describe_image(np.eye(3), "**Otsu** `mask`").startswith("Otsu mask: 3 × 3 grey image")


def test_bright_region_bounds_the_brightest_tenth():
    image = np.zeros((10, 10))
    image[2, 7] = 5
    image[4, 3] = 9
    assert bright_region(image) == ((2, 4), (3, 7))
    assert bright_region(np.ones((4, 4))) is None



def test_non_finite_values_are_left_out_and_every_dtype_reads_the_same():
    image = np.zeros((10, 10))
    image[2, 7], image[4, 3] = 5, 9
    flagged = image.copy()
    flagged[9, 9], flagged[0, 0], flagged[7] = np.inf, -np.inf, np.nan  # never the brightest, never the range
    assert bright_region(flagged) == ((2, 4), (3, 7))
    assert describe_image(flagged, "x") == ("x: 10 × 10 grey image, values 0 to 9, mean 0.1591; brightest tenth in "
                                            "rows 2-4, columns 3-7.")  # 14 / 88 finite values
    said = {describe_image(image.astype(dtype), "x") for dtype in (np.float64, np.float32, np.uint8, np.int16)}
    assert said == {"x: 10 × 10 grey image, values 0 to 9, mean 0.14; brightest tenth in rows 2-4, columns 3-7."}

def test_bright_region_of_a_colour_image_follows_luminance_not_the_channel_mean():
    image = np.zeros((10, 10, 3), np.uint8)
    image[:, :5] = (0, 0, 255)  # blue: channel mean 85, luminance 18.4
    image[:, 5:] = (0, 160, 0)  # green: channel mean 53.3, luminance 114.5
    assert bright_region(image) == ((0, 9), (5, 9))  # the channel mean would say columns 0-4
    assert describe_image(image, "Blue and green").endswith("brightest tenth in rows 0-9, columns 5-9.")
    with_alpha = np.concatenate([image, np.full((10, 10, 1), 255, np.uint8)], axis=2)
    assert bright_region(with_alpha) == ((0, 9), (5, 9))


def test_mask_alt_gives_share_and_extent():
    mask = np.zeros((10, 10), bool)
    mask[2:4, 5:9] = True
    assert mask_alt(mask, "Otsu mask") == ("Otsu mask: 10 × 10 mask (white: selected), 8% of the pixels selected, "
                                           "in rows 2-3, columns 5-8.")
    assert describe_image(mask, "Otsu mask") == mask_alt(mask, "Otsu mask")
    assert mask_alt(np.zeros((3, 3), bool), "Empty").endswith("nothing selected.")


def test_heatmap_alt_says_where_it_is_strongest_and_whether_inside_the_lesion():
    heat = np.zeros((50, 50))
    heat[30:39, 12:21] = 0.5
    heat[34, 15] = 1.0
    lesion = np.zeros((50, 50), bool)
    lesion[28:41, 10:23] = True
    text = heatmap_alt(heat, mask=lesion)
    assert text == ("Grad-CAM heatmap: strongest at rows 30-38, columns 12-20 (peak 1 at row 34, column 15), 100% "
                    "of its strongest tenth inside the lesion outline, peak inside it.")
    elsewhere = np.zeros((50, 50), bool)
    elsewhere[0:5, 0:5] = True
    assert heatmap_alt(heat, mask=elsewhere).endswith("0% of its strongest tenth inside the lesion outline, peak "
                                                      "outside it.")
    assert heatmap_alt(np.zeros((4, 4))) == "Grad-CAM heatmap: blank, no part of the image raises the score."


def test_slice_alt_states_the_window_in_physical_units():
    assert slice_alt("CT slice", 12, 40, (400, 40), -1000, 1500, "HU") == (
        "CT slice 12 of 40 (from 0), window 400/40 HU (width/level), values -1000 to 1500 HU: below -160 black, "
        "above 240 white.")
    assert slice_alt("Slice", 0, 1, None, 0, 255) == "Slice 0 of 1 (from 0), values 0 to 255, shown over their full range."


def test_figure_alt_reads_title_axes_and_numbers_of_a_plotly_figure():
    figure = go.Figure(go.Bar(x=np.arange(64) * 10 - 1000, y=np.arange(64) ** 2, name="CT"))
    figure.update_layout(title="Histogram <b>of the image</b>", xaxis_title="value (HU)", yaxis_title="pixels")
    assert figure_alt(figure.to_plotly_json()) == ("Histogram of the image: bar chart “CT” of 64 values, "
                                                   "x “value (HU)” -1000 to -370, y “pixels” 0 to 3969.")
    heat = go.Figure(go.Heatmap(z=np.arange(12).reshape(3, 4)))
    assert figure_alt(heat.to_plotly_json(), "Pixel values") == "Pixel values: heatmap of 3 × 4 cells, values 0 to 11."


def test_figure_numbers_lists_every_point_of_curves_and_bars():
    figure = go.Figure([go.Scatter(x=np.arange(3), y=[0.5, 0.25, 0.125], name="loss"),
                        go.Bar(x=["benign", "malignant"], y=[12, 7], name="count"),
                        go.Heatmap(z=np.eye(2))])
    assert figure_numbers(figure.to_plotly_json()) == [
        {"trace": "loss", "x": 0.0, "y": 0.5}, {"trace": "loss", "x": 1.0, "y": 0.25},
        {"trace": "loss", "x": 2.0, "y": 0.125},
        {"trace": "count", "x": "benign", "y": 12.0}, {"trace": "count", "x": "malignant", "y": 7.0}]
    long = go.Figure(go.Scatter(y=np.arange(10_000)))
    rows = figure_numbers(long.to_plotly_json(), limit=100)
    assert len(rows) == 100 and rows[0]["y"] == 0 and rows[-1]["y"] == 9999


def test_viridis_ends_and_rising_lightness():
    rgb = viridis(np.linspace(0, 1, 11))
    assert (rgb[[0, -1]] * 255).round().astype(int).tolist() == [[68, 1, 84], [253, 231, 37]]
    lightness = rgb @ np.array([0.2126, 0.7152, 0.0722])
    assert np.all(np.diff(lightness) > 0)  # readable in grey and with every common colour-vision deficiency


# ------------------------------------------------------------------------------------ every image call

def _image_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("image", "plotly_chart")]


def _helper_calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and ((isinstance(node.func, ast.Name) and node.func.id == name)
                 or (isinstance(node.func, ast.Attribute) and node.func.attr == name))]


def _has_alt(call: ast.Call, position: int) -> bool:
    """The call passes a text that is not a literal None or empty string, by keyword or at `position`."""
    value = next((k.value for k in call.keywords if k.arg == "alt"), None)
    if value is None and len(call.args) > position:
        value = call.args[position]
    if value is None:
        return False
    return not (isinstance(value, ast.Constant) and (value.value is None or not str(value.value).strip()))


def test_sources_are_found():
    names = {p.name for p in SOURCES}
    assert {"app.py", "pixels.py", "supervised.py", "alt.py"} <= names


def _direct_calls(method: str, helper: str) -> list[str]:
    """Where Streamlit's `method` (``image``, ``plotly_chart``) is called outside ui/alt.py, or there without alt."""
    problems = []
    for path in SOURCES:
        for call in _image_calls(path):
            if call.func.attr != method:
                continue
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if path != HELPER:
                problems.append(f"{where}: .{method}( outside ui/alt.py: use ui.alt.{helper}")
            elif not _has_alt(call, 99):
                problems.append(f"{where}: .{method}( without alt")
    return problems


def test_every_st_image_call_goes_through_show_image_and_passes_alt():
    """Only ui/alt.py calls `.image(` (with alt); every show_image call passes an alt text."""
    problems = _direct_calls("image", "show_image")
    for path in SOURCES:
        for call in _helper_calls(path, "show_image"):
            if not _has_alt(call, 2):
                problems.append(f"{path.relative_to(ROOT)}:{call.lineno}: show_image without an alt text")
    assert problems == []


def test_every_plotly_chart_goes_through_show_figure_with_an_accessible_name():
    """Only ui/alt.py calls `.plotly_chart(`, and it always passes alt (a description made from the figure)."""
    assert _direct_calls("plotly_chart", "show_figure") == []
    assert sum(len(_helper_calls(p, "show_figure")) for p in SOURCES) >= 20
