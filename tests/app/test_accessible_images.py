"""Images reach the browser with their alt text: the helper passes it, and a lesson's images all carry one."""

from __future__ import annotations

import inspect

import pytest
import streamlit as st

from harness import page_test, problems
from ui import alt

#: lessons read in sections (ui.sections): their images are checked in every section
SECTIONS = {"lessons/preparing.py": ("Noise", "Masking", "Thresholds", "Filters", "Edges", "Lecture pipeline",
                                     "Pipeline builder")}


def test_streamlit_image_and_plotly_chart_take_alt():
    assert "alt" in inspect.signature(st.image).parameters
    assert "alt" in inspect.signature(st.plotly_chart).parameters


def test_show_image_passes_alt_and_refuses_an_empty_one():
    calls = []

    class Container:
        def image(self, image, **kwargs):
            calls.append(kwargs)

    alt.show_image(Container(), b"png", "A white square", caption="square", width="stretch")
    assert calls == [{"caption": "square", "alt": "A white square", "width": "stretch"}]
    with pytest.raises(ValueError):
        alt.show_image(Container(), b"png", "  ")


@pytest.mark.parametrize("page", ["lessons/preparing.py", "lessons/case_study.py"])
def test_every_image_of_a_lesson_carries_a_text_made_from_its_data(page):
    at = page_test(page, timeout=600).run()
    assert problems(at) == []
    images = [img for element in at.get("image") for img in element.proto.imgs]
    for section in SECTIONS.get(page, ()):  # a lesson read in sections shows one at a time: visit each
        at.session_state["section"] = section
        images += [img for element in at.run().get("image") for img in element.proto.imgs]
        assert problems(at) == [], section
    assert len(images) >= 5
    missing = [img.caption for img in images if not img.alt.strip()]
    assert missing == []
    assert all(img.alt != img.caption for img in images)  # says more than the caption
    assert any(" × " in img.alt and "values" in img.alt for img in images)  # size and values, from the data


def test_plotly_figures_carry_a_description_and_curves_their_numbers():
    at = page_test("lessons/preparing.py", timeout=600)
    charts = []
    for section in ("Thresholds", "Lecture pipeline"):
        at.session_state["section"] = section
        charts += at.run().get("plotly_chart")
        assert problems(at) == []
    assert len(charts) >= 3
    assert all(chart.proto.alt.strip() for chart in charts)
    histogram = next(c for c in charts if "every method's threshold" in c.proto.alt)
    assert "values" in histogram.proto.alt
    assert any(e.label == "The figure's numbers, as a table" for e in at.expander)
