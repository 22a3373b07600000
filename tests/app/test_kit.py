"""The lessons' shared kit: sections, presets, links, the session memo, reading an upload once, pictures."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest


def sections_page():
    import streamlit as st

    from core.text.course_text import parse_lesson
    from ui.lesson import lecture_presets
    from ui.sections import choose_section
    from ui.url_state import report_ignored_link_values

    text = parse_lesson("demo", {
        "title": "Demo", "objective": "Learn.", "sections": ["Masking", "Thresholds"],
        "presets": [{"label": "Otsu at 2", "section": "Thresholds", "shortcut": "2", "settings": {"sigma": 2.0}}]})
    lecture_presets(text)
    section = choose_section(text)
    st.markdown(f"shown: {section}")
    if section == "Thresholds":
        st.slider("Gaussian σ", 0.0, 4.0, 1.0, key="sigma", bind="query-params")
    report_ignored_link_values()


def shown(at) -> str:
    lines = [m.value for m in at.markdown if m.value.startswith("shown: ")]
    assert lines, "the page names no section"
    return lines[0].removeprefix("shown: ")


def test_a_lesson_shows_its_first_section_and_only_the_chosen_one():
    at = AppTest.from_function(sections_page).run()
    assert not at.exception
    assert shown(at) == "Masking" and not at.slider
    at.session_state["section"] = "Thresholds"
    at.run()
    assert shown(at) == "Thresholds" and at.slider[0].value == 1.0


def test_a_preset_opens_its_section_with_the_lecture_s_settings_in_one_press():
    at = AppTest.from_function(sections_page).run()
    buttons = [b for b in at.button if b.label == "Otsu at 2"]
    assert buttons, "the preset's button is missing"
    buttons[0].click().run()
    assert shown(at) == "Thresholds" and at.slider[0].value == 2.0


def test_a_link_opens_the_section_and_the_control_it_names():
    at = AppTest.from_function(sections_page)
    at.query_params["section"] = "Thresholds"
    at.query_params["sigma"] = "3.5"
    at.run()
    assert not at.exception
    assert shown(at) == "Thresholds" and at.slider[0].value == 3.5
    assert not at.warning


@pytest.mark.parametrize("name, value", [("sigma", "99"), ("sigma", "abc"), ("section", "Nowhere"), ("colour", "red")])
def test_a_link_value_that_cannot_be_used_opens_the_default_and_says_which(name, value):
    at = AppTest.from_function(sections_page)
    if name == "sigma":
        at.query_params["section"] = "Thresholds"
    at.query_params[name] = value
    at.run()
    assert not at.exception
    assert at.warning, "no word about the ignored value"
    assert f"{name}={value}" in at.warning[0].value
    assert shown(at) == ("Masking" if name != "sigma" else "Thresholds")
    if name == "sigma":
        assert at.slider[0].value == 1.0


def memo_page():
    import numpy as np
    import streamlit as st

    from ui.memo import session_memo

    calls = st.session_state.setdefault("calls", [])
    for key in st.session_state.get("keys", [1]):
        session_memo("demo", key, lambda key=key: calls.append(key) or np.zeros(1024, np.uint8), entries=3,
                     max_bytes=10_000)
    st.markdown(f"held: {sorted(st.session_state['memo-demo'])}")


def self_check_page():
    import streamlit as st

    from core.questions.selfcheck import Question
    from ui.lesson import self_check

    part = st.radio("Part", ["one", "two"], key="part")  # another control of the page: a full rerun
    self_check("demo", [Question("How many?", "Two.", 2.0, tolerance=0.1),
                        Question("Which?", "B.", 1, choices=("A", "B"))])
    st.markdown(f"part {part}")


def question_widgets(at) -> list:
    return [w for w in [*at.number_input, *at.radio] if (w.key or "").startswith("check-demo-")]


def test_a_self_check_is_folded_until_shown_and_keeps_its_answers_while_folded():
    at = AppTest.from_function(self_check_page).run()
    assert [h.value for h in at.header] == ["Check yourself"]
    [switch] = at.toggle
    assert switch.label == "Show the 2 questions" and switch.value is False
    assert question_widgets(at) == []  # folded: no question is drawn
    assert any(c.value == "2 questions · not answered yet." for c in at.caption)
    switch.set_value(True).run()
    assert len(question_widgets(at)) == 2
    at.number_input(key="check-demo-0").set_value(2.0)
    at.radio(key="check-demo-1").set_value("A").run()
    assert [s.value for s in at.success] == ["Right. Two."] and [e.value for e in at.error] == ["Not quite. B."]
    assert at.session_state["progress"]["demo"] == {"answered": 2, "correct": 1, "total": 2}
    at.toggle(key="check-open-demo").set_value(False).run()
    assert question_widgets(at) == [] and any(c.value == "2 questions · 1 of 2 right." for c in at.caption)
    at.radio(key="part").set_value("two").run()  # a full run with the questions folded
    at.toggle(key="check-open-demo").set_value(True).run()
    assert at.number_input(key="check-demo-0").value == 2.0 and at.radio(key="check-demo-1").value == "A"
    assert not at.warning and not at.exception  # no "value set through the Session State API" warning


def test_the_session_memo_computes_once_and_keeps_the_most_recent_results_within_its_bounds():
    at = AppTest.from_function(memo_page)
    at.session_state["keys"] = [1, 2, 1, 3, 4]
    at.run()
    assert at.session_state["calls"] == [1, 2, 3, 4]
    assert at.markdown[0].value == "held: [1, 3, 4]"  # 2 was the least recently used


def test_held_bytes_counts_arrays_in_containers_and_dataclasses():
    from dataclasses import dataclass

    from ui.memo import held_bytes

    @dataclass
    class Pair:
        a: np.ndarray
        b: bytes

    assert held_bytes([Pair(np.zeros(3, np.float64), b"12"), {"x": np.zeros(5, np.uint8)}, "text"]) == 24 + 2 + 5


class FakeUpload:
    def __init__(self, file_id: str, data: bytes):
        self.file_id, self.data = file_id, data


def upload_page():
    import streamlit as st

    from tests.app.test_kit import FakeUpload
    from ui.uploads import read_once

    reads = st.session_state.setdefault("reads", [])

    def read(files):
        reads.append(files[0].file_id)
        if files[0].data == b"bad":
            raise ValueError("not an image")
        return len(files[0].data)

    data = st.session_state.get("data")
    outcome = read_once("demo", [FakeUpload(*data)] if data else None, read)
    st.markdown("nothing" if outcome is None else f"value {outcome.value}" if outcome.ok else f"error {outcome.error}")


def test_an_upload_is_read_once_per_file_and_its_error_is_kept():
    at = AppTest.from_function(upload_page)
    at.session_state["data"] = ("a", b"1234")
    at.run().run()
    assert at.markdown[0].value == "value 4" and at.session_state["reads"] == ["a"]
    at.session_state["data"] = ("b", b"bad")
    at.run().run()
    assert at.markdown[0].value == "error not an image" and at.session_state["reads"] == ["a", "b"]
    at.session_state["data"] = None
    at.run()
    assert at.markdown[0].value == "nothing"


def picture_page():
    import numpy as np
    import streamlit as st

    from ui.images import picture

    image = np.arange(2000 * 10, dtype=np.uint16).reshape(2000, 10)
    picture(st, image, "A ramp", window=(20000.0, 10000.0), key="ramp")


def test_a_picture_is_an_8_bit_png_thinned_for_the_page_with_an_alt_text_from_its_values():
    at = AppTest.from_function(picture_page).run()
    assert not at.exception
    images = [img for element in at.get("image") for img in element.proto.imgs]
    assert images, "no picture on the page"
    assert images[0].caption == "A ramp"
    assert "2000 × 10" in images[0].alt and "values" in images[0].alt


def test_grey8_windows_and_thins_large_images():
    from ui.images import MAX_SHOWN_SIDE, grey8

    image = np.tile(np.linspace(0, 1000, 1280), (10, 1))
    grey = grey8(image, window=(1000.0, 500.0))
    assert grey.dtype == np.uint8 and grey.shape == (5, 640) == (5, MAX_SHOWN_SIDE)
    assert grey[0, 0] == 0 and grey[0, -1] == 255
    assert grey8(np.eye(3, dtype=bool)).tolist() == [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


def test_grey8_inverted_shades_low_values_white_and_leaves_masks_alone():
    from ui.images import grey8, shaded

    values = np.array([[0.0, 250.0, 500.0, 750.0, 1000.0]])
    assert grey8(values, window=(1000.0, 500.0)).tolist() == [[0, 64, 128, 191, 255]]
    assert grey8(values, window=(1000.0, 500.0), invert=True).tolist() == [[255, 191, 127, 64, 0]]  # MONOCHROME1
    assert grey8(np.eye(2, dtype=bool), invert=True).tolist() == [[255, 0], [0, 255]]  # a mask: white is kept
    assert shaded("image", True) == "image, shaded as the file says: MONOCHROME1, low values white"
    assert shaded("image", False) == "image"


def current_page():
    import streamlit as st

    from ui.picker import current

    image = current()
    st.markdown(f"{image.key} | {image.is_upload} | {image.volume.data.shape} | "
                f"{image.sample.name if image.sample else None}")


def test_the_picker_hands_a_lesson_one_value_the_image_its_source_and_a_stable_key():
    from core import samples

    at = AppTest.from_function(current_page).run()
    assert not at.exception
    key, upload, shape, name = at.markdown[0].value.split(" | ")
    assert key == str(("Built-in sample", samples.DEFAULT)) and upload == "False" and name == samples.DEFAULT
    assert shape == str(samples.load(samples.DEFAULT).data.shape)


def broken_text_page():
    from pathlib import Path

    import streamlit as st

    from ui.lesson import lesson_text

    text = lesson_text("demo", Path(st.session_state["folder"]))
    st.markdown(f"title: {text.title}")


def test_a_malformed_lesson_file_stops_the_page_with_a_message_naming_the_file_and_field(tmp_path):
    (tmp_path / "demo.toml").write_text('title = "Demo"\nobjective = "Learn."\n[[questions]]\nprompt = "?"\n'
                                        'choices = ["a", "b"]\nanswer = 5\nexplanation = "x"\n')
    at = AppTest.from_function(broken_text_page)
    at.session_state["folder"] = str(tmp_path)
    at.run()
    assert not at.exception
    assert at.error, "no message for a malformed file"
    assert "demo.toml question 1: 'answer'" in at.error[0].value
    assert not [m for m in at.markdown if m.value.startswith("title:")]
    (tmp_path / "demo.toml").write_text('title = "Demo"\nobjective = "Learn."\n')
    at.run()
    assert not at.error and at.markdown[0].value == "title: Demo"


def test_a_link_value_equal_to_the_control_s_default_is_used_not_reported():
    at = AppTest.from_function(sections_page)
    at.query_params["section"] = "Thresholds"
    at.query_params["sigma"] = "1.0"  # the slider's default: Streamlit drops it from the URL
    at.run()
    assert not at.exception
    assert shown(at) == "Thresholds" and at.slider[0].value == 1.0
    assert not at.warning


def code_panels_page():
    import streamlit as st

    from ui.code import show_code, start_collecting

    start_collecting(st.session_state.get("page", "one"))
    show_code("print(1)")
    show_code("print(2)")
    show_code("print(3)", "Show the code: the other one")


def test_a_code_panel_sends_its_code_only_while_open_and_each_panel_opens_alone():
    from ui.code import COLLECTED_KEY, open_panels, panel_key

    at = AppTest.from_function(code_panels_page).run()
    assert not at.exception
    assert [e.label for e in at.expander] == ["Show the code", "Show the code", "Show the code: the other one"]
    assert not at.code  # closed: no code block, no highlighter in the browser
    assert [code for _, code in at.session_state[COLLECTED_KEY]] == ["print(1)", "print(2)", "print(3)"]  # downloadable
    at.session_state[panel_key("one", "Show the code", 1)] = True  # the learner opens the second panel only
    at.run()
    assert [block.value for block in at.code] == ["print(2)"]
    at.session_state["page"] = "two"  # the same panel on another page stays closed
    at.run()
    assert not at.code
    assert len(open_panels(at.session_state)) == 3
    at.run()
    assert [block.value for block in at.code] == ["print(1)", "print(2)", "print(3)"]


def test_epoch_curves_draws_each_series_in_its_panel_with_one_legend_entry_per_name():
    from ui.curves import TRAINING, VALIDATION, epoch_curves

    figure = epoch_curves([("Loss", [("training", [0.9, 0.5], TRAINING), ("validation", [1.0, 0.7], VALIDATION)]),
                           ("Accuracy", [("training", [0.6, 0.8], TRAINING), ("validation", [0.5, 0.7], VALIDATION)])],
                          epochs=5)
    traces = figure.data
    assert [(t.name, t.xaxis, list(t.y)) for t in traces] == [
        ("training", "x", [0.9, 0.5]), ("validation", "x", [1.0, 0.7]),
        ("training", "x2", [0.6, 0.8]), ("validation", "x2", [0.5, 0.7])]
    assert [t.showlegend for t in traces] == [True, True, False, False]  # one entry per series, both panels
    assert [t.line.color for t in traces] == [TRAINING, VALIDATION, TRAINING, VALIDATION]
    assert list(traces[0].x) == [1, 2] and tuple(figure.layout.xaxis2.range) == (0.5, 5.5)  # room for every epoch
    assert [a.text for a in figure.layout.annotations] == ["Loss", "Accuracy"]
