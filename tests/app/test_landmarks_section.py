"""ui.landmarks.landmark_section driven by AppTest: selection events in, landmarks, residuals and TRE out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.landmarks import true_landmarks
from core.data.warps import Motion, make_problem

KEY = "landmarks"


def phantom_problem():
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    image = resize(shepp_logan_phantom(), (96, 96), anti_aliasing=True)
    return make_problem(image, (1.0, 1.0), Motion(shift_mm=(4.0, -5.0), angles_deg=(12.0,)))


def section_script() -> None:
    """The section alone on a page; selection events queued by the test go through its click handler first."""
    import streamlit as st
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    from core.data.warps import Motion, make_problem
    from ui.landmarks import landmark_section, take_click

    image = resize(shepp_logan_phantom(), (96, 96), anti_aliasing=True)
    problem = make_problem(image, (1.0, 1.0), Motion(shift_mm=(4.0, -5.0), angles_deg=(12.0,)))
    problem_key = ("phantom", 96, 12.0)
    for side, event in st.session_state.pop("test-events", []):
        take_click("landmarks", problem_key, side, event, problem.fixed.shape)
    landmark_section(problem, problem_key)


def click(row: float, col: float) -> dict:
    """The selection event of one click on a figure's click grid (trace 1): x is the column, y the row."""
    return {"selection": {"points": [{"curve_number": 1, "point_index": 0, "x": col, "y": row}],
                          "point_indices": [0], "box": [], "lasso": []}}


@pytest.fixture
def at() -> AppTest:
    test = AppTest.from_function(section_script, default_timeout=120)
    test.run()
    assert not test.exception, [e.value for e in test.exception]
    return test


def feed(at: AppTest, *events) -> AppTest:
    at.session_state["test-events"] = list(events)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pairs(at: AppTest):
    frame = next(df.value for df in at.dataframe if "fixed row" in df.value.columns)
    return frame


def test_no_landmarks_yet_asks_for_three_pairs(at):
    assert any("at least 3" in i.value for i in at.info) and not at.warning
    assert len(at.get("plotly_chart")) == 2  # the fixed and the moving image, both clickable


def test_clicks_become_pairs_once_each(at):
    assert any("Landmark 1: click a point on the fixed image." in m.value for m in at.markdown)
    feed(at, ("fixed", click(30.2, 20.4)))
    assert any("Landmark 1: now click the same point on the moving image." in m.value for m in at.markdown)
    feed(at, ("moving", click(33, 18)))
    assert any("Landmark 2: click a point on the fixed image." in m.value for m in at.markdown)
    feed(at, ("moving", click(33, 18)))  # the same selection again (a rerun): no second point
    frame = pairs(at)
    assert len(frame) == 1
    assert frame.iloc[0][["fixed row", "fixed col", "moving row", "moving col"]].tolist() == [30, 20, 33, 18]
    feed(at, ("fixed", click(60, 70)))
    assert len(pairs(at)) == 2 and pd.isna(pairs(at).iloc[1]["moving row"])


def test_three_exact_pairs_give_the_transform_residuals_and_tre(at):
    problem = phantom_problem()
    fixed = np.array([[20.0, 30.0], [70.0, 25.0], [50.0, 75.0]])
    moving = np.rint(true_landmarks(problem, fixed))
    events = []
    for f, m in zip(fixed, moving):
        events += [("fixed", click(*f)), ("moving", click(*m))]
    feed(at, *events)
    frame = pairs(at)
    assert len(frame) == 3 and frame["residual (mm)"].notna().all()
    assert (frame["residual (mm)"] < 1.0).all()
    metric = {m.label: m.value for m in at.metric}
    assert float(metric["Mean TRE (mm)"]) < 1.0  # clicks rounded to whole pixels: below a pixel
    compared = next(df.value for df in at.dataframe if "parameter" in df.value.columns)
    rotation = compared[compared["parameter"].str.startswith("rotation")].iloc[0]
    assert rotation["true"] == 12.0 and abs(rotation["recovered"] - 12.0) < 1.5
    images = [img for element in at.get("image") for img in element.proto.imgs]
    assert len(images) == 1 and "warped by the landmarks" in images[0].alt


def test_collinear_clicks_give_a_message_not_a_traceback(at):
    events = []
    for k in range(3):
        events += [("fixed", click(10 + 10 * k, 10 + 10 * k)), ("moving", click(12 + 10 * k, 9 + 10 * k))]
    feed(at, *events)
    assert len(pairs(at)) == 3
    assert any("one line" in w.value for w in at.warning)
    assert not any(m.label == "Mean TRE (mm)" for m in at.metric)


def test_keyboard_entry_undo_and_clear(at):
    inputs = {n.label: n for n in at.number_input}
    for label, value in (("Fixed row", 11), ("Fixed column", 12), ("Moving row", 13), ("Moving column", 14)):
        inputs[label].set_value(value)
    next(b for b in at.button if b.label == "Save the pair").click().run()
    assert pairs(at).iloc[0][["fixed row", "fixed col", "moving row", "moving col"]].tolist() == [11, 12, 13, 14]
    at.button(key=f"{KEY}-undo").click().run()
    assert pd.isna(pairs(at).iloc[0]["moving row"]) and pairs(at).iloc[0]["fixed row"] == 11
    at.button(key=f"{KEY}-clear").click().run()
    assert not any("fixed row" in df.value.columns and len(df.value) for df in at.dataframe)


def test_demonstration_pairs_seed_the_intensity_registration(at):
    at.button(key=f"{KEY}-demo").click().run()
    assert len(pairs(at)) == 4
    at.button(key=f"{KEY}-seed").click().run()
    assert not at.exception, [e.value for e in at.exception]
    runs = next(df.value for df in at.dataframe if "start" in df.value.columns)
    assert runs["start"].tolist() == ["landmarks alone", "optimiser alone (from the image centres)",
                                      "landmarks, then the optimiser"]
    assert runs.iloc[0]["iterations"] == 0 and runs.iloc[2]["iterations"] > 0
    assert runs.iloc[2]["mean TRE (mm)"] < 1.0


def test_landmark_marks_and_numbers_keep_their_contrast_on_a_white_image():
    """On the white of an inverted radiograph a white number or a yellow mark alone would vanish: each sits on black."""
    import numpy as np

    from ui.landmarks import COLOURS, HALO, click_figure

    pairs = [{"fixed": (3.0, 4.0), "moving": None}, {"fixed": (10.0, 12.0), "moving": (9.0, 11.0)}]
    figure = click_figure(np.zeros((20, 24)), (1.0, 1.0), pairs, "fixed", invert=True)
    names = [trace.name for trace in figure.data]
    assert "landmark outlines" in names and "landmarks" in names
    outline, marks = figure.data[names.index("landmark outlines")], figure.data[names.index("landmarks")]
    assert names.index("landmark outlines") < names.index("landmarks")  # drawn first, under the marks
    assert list(outline.x) == list(marks.x) == [4.0, 12.0] and list(outline.y) == list(marks.y) == [3.0, 10.0]
    assert outline.marker.color == HALO == "#000000" and outline.marker.line.width > marks.marker.line.width
    assert outline.marker.size > marks.marker.size and outline.marker.symbol == marks.marker.symbol
    assert list(marks.marker.color) == list(COLOURS[:2]) and list(marks.text) == ["1", "2"]
    assert marks.textfont.color == "#ffffff"
    shadows = marks.textfont.shadow.split(", ")
    assert len(shadows) == 4 and all(s.endswith(HALO) for s in shadows)  # a black halo on every side
