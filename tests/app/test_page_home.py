"""AppTest of the home page through app.py: the course map, samples and upload help."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import samples
from ui.course import OBJECTIVES

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_home_page_shows_the_course_map_and_samples():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Medical Image Analysis in Python"
    text = " ".join(m.value for m in at.markdown)
    for objective in OBJECTIVES:
        assert f"{objective.number}. {objective.title}" in text
    links = [link.proto.page for link in at.get("page_link")]
    assert len(links) == sum(1 for o in OBJECTIVES if o.page)
    table = at.dataframe[0].value
    assert list(table["sample"]) == samples.names()
    assert "Garbage in, garbage out" in " ".join(i.value for i in at.info)
