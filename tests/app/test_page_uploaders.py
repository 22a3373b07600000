"""Every uploader a lesson has of its own gets the hostile corpus: a clear message, never an exception."""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from harness import page_test, problems, widget

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from hostile import corpus  # noqa: E402

SINGLE = [case for case in corpus() if not isinstance(case.data, list)]
SAMPLE = SINGLE[:: max(1, len(SINGLE) // 10)]
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def as_upload(case) -> tuple[str, bytes, str]:
    return case.filename, case.data, "application/octet-stream"


def test_the_dataset_uploader_lists_every_hostile_file_as_unreadable():
    at = page_test("lessons/exploring.py", timeout=600)
    at.run()
    radio = widget(at, "radio", "eda_source")
    radio.set_value(radio.options[1]).run()
    widget(at, "file_uploader", "eda_upload").set_value([as_upload(case) for case in SINGLE])
    at.run()
    assert not problems(at), problems(at)
    assert any(m.label.startswith("Unreadable") and int(m.value) >= len(SINGLE) - 2 for m in at.metric), \
        [(m.label, m.value) for m in at.metric]


def test_the_class_folder_zip_and_model_uploaders_refuse_hostile_files_plainly():
    at = page_test("lessons/supervised.py", timeout=600)
    at.session_state["section"] = "Data"  # lesson 6 shows one section at a time
    at.run()
    source = widget(at, "radio", "sup-source")
    source.set_value("zip").run()
    for case in SAMPLE:
        # the uploader accepts .zip names only (the browser enforces it), whatever the content
        widget(at, "file_uploader", "sup-zip").set_value([(case.name + ".zip", case.data, "application/zip")])
        at.run()
        assert not problems(at), (case.name, problems(at))
        assert at.error or at.warning, case.name
    widget(at, "radio", "sup-source").set_value("dermoscopy").run()  # back to a generated set
    widget(at, "button_group", "section").set_value("Training").run()  # where a model is uploaded
    for case in SAMPLE:
        widget(at, "file_uploader", "sup-model-file").set_value([(case.name + ".keras", case.data, "application/zip")])
        at.run()
        assert not problems(at), (case.name, problems(at))


def test_the_progress_restore_refuses_hostile_files_plainly():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for case in SAMPLE:
        next(w for w in at.get("file_uploader") if w.key == "progress-file").set_value([as_upload(case)])
        at.run()
        assert not at.exception, case.name
        assert any("progress" in e.value for e in at.error), case.name
