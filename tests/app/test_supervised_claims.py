"""Lesson 6's "CNN claims tested" section on a trained network: invariance curves, a clicked cell's field."""

from __future__ import annotations

import base64
import doctest
import json
import re

import numpy as np
import pytest

from harness import page_test, problems, shown_code, widget
from test_page_supervised import SMALL, open_section, train

SECTION = "CNN claims tested"


@pytest.fixture(scope="module")
def at():
    """The lesson with a small network trained (2 blocks, 32 × 32 inputs, 2 epochs), on the section."""
    app = page_test("lessons/supervised.py", timeout=300, state=SMALL)
    app.run()
    train(app)
    return open_section(app, SECTION)


def chart(app, key: str) -> dict:
    """A plotly chart of the page by its key, as the browser receives it."""
    charts = [c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(charts) == 1, [c.proto.id for c in app.get("plotly_chart")]
    return json.loads(charts[0].proto.spec)


def numbers(value) -> list[float]:
    """A trace's x or y as numbers: plotly sends numpy arrays as base64 ``bdata``."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def click(app, key: str, row: int, col: int):
    """A click on a cell of the feature map's click grid, as the browser reports a plotly point selection."""
    [target] = [c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert "points" in str(target.proto.selection_mode).lower() or target.proto.selection_mode
    states = app._tree.get_widget_states()
    state = states.widgets.add()
    state.id = target.proto.id
    state.string_value = json.dumps({"selection": {"points": [{"x": col, "y": row, "curve_number": 1,
                                                               "point_number": 0}],
                                                   "point_indices": [0], "box": [], "lasso": []}})
    app._run(states)
    assert not problems(app), problems(app)
    return app


def outline(app) -> tuple[float, float, float, float]:
    """The receptive field drawn on the input: first row, last row, first column, last column."""
    shapes = chart(app, "sup-field-input")["layout"]["shapes"]
    assert len(shapes) == 1 and shapes[0]["type"] == "rect"
    s = shapes[0]
    return s["y0"] + 0.5, s["y1"] - 0.5, s["x0"] + 0.5, s["x1"] - 0.5


def captions(app) -> str:
    return "\n".join(c.value for c in app.caption)


def test_the_note_under_the_curves_says_what_its_numbers_say():
    from ui import supervised_claims
    from ui.supervised_claims import invariance_note

    assert doctest.testmod(supervised_claims).failed == 0
    plain = {"relu1": [0, .6, .7], "relu2": [0, .55, .7]}
    unlearned = invariance_note({"pool1": [0, .3, .6], "pool2": [0, .4, .7], "output": [0, .1, .1]}, plain, 1)
    assert "has not learned the claim" in unlearned and "change least" not in unlearned
    steady = invariance_note({"pool1": [0, .5, .6], "pool2": [0, .2, .3], "output": [0, .1, .1]}, plain, 1)
    assert "change least" in steady and "small shifts only" not in steady
    assert "one pooling" in invariance_note({"pool1": [0, .5], "output": [0, .1]}, {"relu1": [0, .6]}, 1)


def test_the_invariance_curves_are_measured_on_the_trained_network(at):
    figure = chart(at, "sup-invariance")
    panels = {"x": "with pooling", "x2": "without pooling"}
    curves = {(panels[trace["xaxis"]], trace["name"]): numbers(trace["y"]) for trace in figure["data"]}
    assert set(curves) == {("with pooling", "block 1"), ("with pooling", "block 2"), ("with pooling", "prediction"),
                           ("without pooling", "block 1"), ("without pooling", "block 2")}
    for name, values in curves.items():
        assert len(values) == 17 and values[0] == 0.0, name  # shifts 0-16; no shift, no change
        assert all(v >= 0 for v in values) and max(values) > 0, name
    assert curves["without pooling", "block 1"][1] > 0.01  # the first maps do react to a 1-pixel move
    note = re.search(r"A 4-pixel shift changes the pooled maps of block 1 by (\d+) % and those of block 2 by (\d+) %",
                     captions(at))
    assert note, captions(at)
    assert (int(note[1]), int(note[2])) == (round(100 * curves["with pooling", "block 1"][4]),
                                             round(100 * curves["with pooling", "block 2"][4]))
    [code] = [c for c in shown_code(at) if "shift_right" in c]  # the code panel, with the page's settings
    count = re.search(r"Mean over (\d+) validation image", captions(at))[1]
    assert f"evaluate_on[:{count}]" in code and "supervised_model.keras" in code and "range(1, 17)" in code


def test_a_clicked_cell_outlines_its_receptive_field_and_the_keyboard_does_the_same(at):
    layer = widget(at, "selectbox", "sup-field-layer")
    assert layer.value == "conv1"
    assert outline(at) == (15, 17, 15, 17)  # the middle cell of conv1 on 32 × 32: a 3 × 3 patch
    assert "By hand" in captions(at)
    hand, held = re.search(r"give \*\*(-?[\d.]+)\*\*; conv1 holds \*\*(-?[\d.]+)\*\*", captions(at)).groups()
    assert float(hand) == pytest.approx(float(held), abs=2e-4)
    layer.set_value("pool2")
    at.run()
    assert not problems(at), problems(at)
    # the cell keeps its place on the image: pool2's cell (4, 4) holds conv1's (16, 16) in its 10 × 10 field
    assert (widget(at, "number_input", "sup-field-row").value, widget(at, "number_input", "sup-field-col").value) \
        == (4, 4)
    assert outline(at) == (13, 22, 13, 22)
    shown = chart(at, "sup-field-map-pool2")["data"][0]["z"]  # the new layer opens on its liveliest map
    assert max(numbers(shown) if isinstance(shown, dict) else np.ravel(shown)) > 0
    click(at, "sup-field-map-pool2", 3, 2)
    assert (widget(at, "number_input", "sup-field-row").value, widget(at, "number_input", "sup-field-col").value) \
        == (3, 2)
    assert outline(at) == (9, 18, 5, 14)  # 10 × 10, counted by hand in tests/core/test_invariance.py
    assert "sees rows 9-18 and columns 5-14" in captions(at)
    shapes = chart(at, "sup-field-map-pool2")["layout"]["shapes"]
    assert (shapes[0]["x0"], shapes[0]["y0"]) == (1.5, 2.5)  # the clicked cell is ringed on its map
    widget(at, "number_input", "sup-field-row").set_value(0)
    widget(at, "number_input", "sup-field-col").set_value(7)
    at.run()
    assert outline(at) == (0, 6, 25, 31)  # a corner cell: rows -3..6 and columns 25..34, clipped to the image
    assert "pool2 does not convolve" in captions(at)


def test_a_stopped_measure_keeps_nothing_and_starts_again_on_request(at):
    del at.session_state["sup-claims-curves"]
    at.session_state["sup-claims-stop-running"] = True  # what a Stop press leaves: the run never ended
    at.run()
    assert not problems(at), problems(at)
    assert any("The measure stopped before the end" in i.value for i in at.info)
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-sup-invariance")]
    at.button(key="sup-claims-measure").click()
    at.run()
    assert not problems(at), problems(at)
    assert chart(at, "sup-invariance")["data"]  # measured again
    assert not any("stopped" in i.value for i in at.info)
