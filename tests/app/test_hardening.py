"""Issue 24 through the pages: budgets, Stop, and names shown as text (AppTest).

Each test drives a lesson the way a hostile or careless learner would and
checks what the page shows and keeps.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from core.io import class_folders
from core.text.safe_text import md
from harness import page_test, problems, upload, widget
from upload_files import png, zip_of

SUPERVISED = {"sup-n-dermoscopy": 60, "sup-n-lesions": 80, "sup-size": 32, "sup-blocks": 2,
              "sup-epochs-dermoscopy": 2, "sup-epochs-lesions": 3}
HOSTILE_NAME = "![s](http://host.invalid/x.png) <a href='http://host.invalid/p'>x</a>"


def render(markdown: str) -> str:
    """HTML of Markdown as Streamlit renders it (CommonMark with tables and strikethrough, no raw HTML)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(markdown)


def png_header_only(width: int, height: int, colour_type: int = 2) -> bytes:
    """A PNG whose header declares `width` × `height` pixels (RGB by default) and whose pixels are missing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def good_images(classes=("dark", "light"), n: int = 6) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    return {f"train/{c}/{i}.png": png((rng.random((16, 16)) * 80 + 150 * k).astype(np.uint8))
            for k, c in enumerate(classes) for i in range(n)}


@pytest.fixture
def supervised():
    app = page_test("lessons/supervised.py", timeout=300, state={**SUPERVISED, "section": "Data"})  # one at a time
    app.run()
    widget(app, "radio", "sup-source").set_value("zip")
    app.run()
    assert not problems(app), problems(app)
    return app


def test_a_huge_image_in_a_class_zip_is_refused_before_it_is_decoded(supervised, monkeypatch):
    decoded = []
    real = class_folders.load_image
    monkeypatch.setattr(class_folders, "load_image", lambda data, name: decoded.append(name) or real(data, name))
    files = good_images()
    files["train/light/huge.png"] = png_header_only(12000, 12000)  # 432 MB once decoded, under the 512 MiB per file
    widget(supervised, "file_uploader", "sup-zip").set_value(("mine.zip", zip_of(files), "application/zip"))
    supervised.run()
    assert not problems(supervised)
    errors = [e.value for e in supervised.error]
    assert errors and "huge.png" in errors[0]
    assert f"over the course's limit of 64 MiB for one image of a class{md('-')}folder .zip" in errors[0] \
        or "over the course's limit of 64 MiB for one image of a class-folder .zip" in errors[0]


def test_an_interrupted_class_zip_read_keeps_nothing_and_never_crashes(supervised, monkeypatch):
    real = class_folders.load_class_folders

    def stopped_after_three(data, name, size, progress=None):
        def report(done, total):
            progress(done, total)
            if done == 3:
                monkeypatch.setattr(class_folders, "load_class_folders", real)
                raise StopException()  # what Streamlit raises in a progress update when Stop or another control is used
        return real(data, name, size, progress=report)

    monkeypatch.setattr(class_folders, "load_class_folders", stopped_after_three)
    widget(supervised, "file_uploader", "sup-zip").set_value(("mine.zip", zip_of(good_images()), "application/zip"))
    supervised.run()
    assert widget(supervised, "button", "sup-zip-stop")  # Stop is offered while the .zip is read
    supervised.run()  # the rerun the press of Stop starts (lesson 6's sections: switching away drops the upload)
    assert not problems(supervised), problems(supervised)
    assert any("stopped before the end" in e.value for e in supervised.error)
    assert "upload-outcome-sup-zip-32" not in supervised.session_state  # nothing read is kept
    widget(supervised, "button", "sup-zip-again").click()
    supervised.run()
    assert not problems(supervised) and not supervised.error
    assert {m.label: m.value for m in supervised.metric}["Dark"] == "6"
    for source in ("dermoscopy", "zip"):  # the learner switches away and back: the page must not crash
        widget(supervised, "radio", "sup-source").set_value(source)
        supervised.run()
        assert not problems(supervised), problems(supervised)


def test_class_names_and_member_names_are_shown_as_text(supervised):
    hostile_class = "![c](http:__host.invalid_c.png)"
    files = good_images(classes=("dark", hostile_class))
    widget(supervised, "file_uploader", "sup-zip").set_value(("mine.zip", zip_of(files), "application/zip"))
    supervised.run()
    assert not problems(supervised) and not supervised.error
    labels = [m.label for m in supervised.metric]
    assert md(hostile_class.capitalize()) in labels and hostile_class.capitalize() not in labels
    captions = [c for image in supervised.get("image") for c in image.captions]
    assert captions and not any("<img" in render(c) for c in captions)


def test_a_hostile_upload_name_is_shown_as_text_on_loading():
    at = page_test("lessons/loading.py")
    at.run()
    name = HOSTILE_NAME + ".png"
    upload(at, (name, png(np.zeros((8, 8), np.uint8))))
    assert not problems(at)
    headers = [h.value for h in at.header]
    assert f"Your image: {md(name)}" in headers
    shown = [c.value for c in at.caption] + [m.value for m in at.markdown] + headers + [e.value for e in at.error]
    assert not [text for text in shown if "<img" in render(text) or "<a " in render(text)]


def test_the_phi_opt_in_applies_to_the_file_it_was_given_for():
    import pydicom
    from pydicom.data import get_testdata_file

    at = page_test("lessons/loading.py")
    at.session_state["section"] = "The header"  # where the header and its opt-in are shown
    at.run()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    first = io.BytesIO()
    ds.save_as(first)
    upload(at, ("first.dcm", first.getvalue()))
    widget(at, "toggle", "reveal-phi").set_value(True).run()
    assert widget(at, "toggle", "reveal-phi").value
    ds.PatientName = "Second^Person"
    second = io.BytesIO()
    ds.save_as(second)
    upload(at, ("second.dcm", second.getvalue()))
    assert not problems(at)
    assert not widget(at, "toggle", "reveal-phi").value  # a new file: hidden again until the learner opts in
    table = at.dataframe[-1].value
    assert (table.loc[table["field"] == "PatientName", "value"] == "‹redacted›").all()


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    """A 6000 × 6000 grey PNG (36 million pixels: within the budget, too many to work on at once)."""
    rng = np.random.default_rng(0)
    tile = (rng.random((100, 100)) * 255).astype(np.uint8)
    return png(np.tile(tile, (60, 60)))


@pytest.mark.parametrize("page", ["lessons/pixels.py", "lessons/unsupervised.py"])
def test_a_huge_image_is_worked_on_as_a_bounded_copy_and_the_page_says_so(page, huge_png):
    at = page_test(page, timeout=300)
    if page.endswith("pixels.py"):
        at.session_state["section"] = "Zoom"  # the section that shows the whole image
    at.run()
    upload(at, ("huge.png", huge_png))
    assert not problems(at), problems(at)
    notes = [i.value for i in at.info if "6,000 × 6,000 pixels" in i.value]
    assert notes and "keeps one row and one column in 3, **2,000 × 2,000 pixels**" in notes[0]
    if page.endswith("pixels.py"):
        captions = [c for image in at.get("image") for c in image.captions]
        assert any("2000 × 2000 pixels" in c for c in captions), captions


def _all_markdown(at) -> list[str]:
    return ([m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header]
            + [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
            + [m.label for m in at.metric])


def test_hostile_names_and_header_values_on_exploring_are_text_and_leave_no_link():
    import pydicom
    from pydicom.data import get_testdata_file

    at = page_test("lessons/exploring.py", timeout=300)
    at.run()
    widget(at, "radio", "eda_source").set_value("My own files").run()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Modality = '<a href="http://host.invalid/phish">CT</a>'
    buffer = io.BytesIO()
    ds.save_as(buffer)
    names = ["![s](http://host.invalid/x.png).dcm", "=HYPERLINK(\"http://host.invalid\",\"x\").dcm", "[l](http://h.invalid).dcm"]
    widget(at, "file_uploader", "eda_upload").set_value([(n, buffer.getvalue(), "application/dicom") for n in names])
    at.run()
    assert not problems(at), problems(at)
    shown, specs, bodies = [], [], []
    for section in ("The dataset", "Dimensions and metadata", "Look at the images", "Histogram",
                    "Quality report"):  # one shown at a time
        at.session_state["section"] = section
        at.run()
        assert not problems(at), (section, problems(at))
        shown += _all_markdown(at)
        specs += [c.proto.spec for c in at.get("plotly_chart")]
        bodies = [h.proto.body for h in at.get("html") if 'class="eda-file-table"' in h.proto.body] or bodies
    assert any("Duplicated images" in t for t in shown)  # the quality report lists the names
    [table] = bodies  # the file table, one block of HTML: the hostile modality and names are its cells' text
    assert "&lt;a href=" in table and "<a " not in table and "<img" not in table
    assert all(f"<td>{n}</td>" in table for n in names)
    assert not [t for t in shown if "<img" in render(t) or "<a " in render(t)], \
        [t for t in shown if "<img" in render(t) or "<a " in render(t)]
    charts = " ".join(specs).replace("\\u002f", "/")
    assert "&lt;a href=" in charts and "host.invalid/phish" in charts  # the value is shown, as text
    assert "<a href" not in charts and "\\u003ca href" not in charts.lower()


def test_a_table_for_st_table_has_its_text_escaped_and_its_numbers_left_as_they_are():
    import pandas as pd

    from ui.safe_text import table_text

    hostile = "![s](http://host.invalid/x.png)"
    shown = table_text(pd.DataFrame({"image": [hostile, "CT_small.dcm"], "mean": ["-119.1", "3.7%"],
                                     hostile: [1.5, 2]}))
    assert shown["image"].tolist() == [md(hostile, limit=None), "CT_small.dcm"]
    assert shown["mean"].tolist() == ["-119.1", "3.7%"] and list(shown.columns)[-1] == md(hostile, limit=None)
    assert shown.iloc[:, -1].tolist() == [1.5, 2]
    assert not [c for c in [*shown.columns, *shown["image"]] if "<img" in render(str(c)) or "<a " in render(str(c))]


def test_room_size_tables_show_hostile_names_as_text():
    """In lecturer mode the tables of numbers are ``st.table``, whose cells Streamlit renders as Markdown."""
    import pydicom
    from pydicom.data import get_testdata_file

    from ui.room import LECTURER_KEY

    at = page_test("lessons/exploring.py", timeout=300)
    at.session_state[LECTURER_KEY] = True
    at.run()
    widget(at, "radio", "eda_source").set_value("My own files").run()
    buffer = io.BytesIO()
    pydicom.dcmread(get_testdata_file("CT_small.dcm")).save_as(buffer)
    names = ["![s](http://host.invalid/x.png).dcm", "[l](http://h.invalid).dcm"]
    widget(at, "file_uploader", "eda_upload").set_value([(n, buffer.getvalue(), "application/dicom") for n in names])
    at.run()
    cells = []
    for section in ("Dimensions and metadata", "Histogram", "Quality report"):
        at.session_state["section"] = section
        at.run()
        assert not problems(at), (section, problems(at))
        for table in at.table:
            frame = table.value
            cells += [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    assert [c for c in cells if md(names[0], limit=None) in c]  # a table names the file, escaped
    assert not [c for c in cells if "<img" in render(c) or "<a " in render(c)]


def _room_table_script():
    import pandas as pd
    import streamlit as st

    from ui.room import LECTURER_KEY
    from ui.supervised_blocks import table

    st.session_state[LECTURER_KEY] = True
    names = ["![s](http://host.invalid/x.png)", "benign"]  # class folders of a learner's zip
    table(pd.DataFrame([[3, 1], [0, 4]], index=[f"is {n}" for n in names], columns=[f"said {n}" for n in names]))


def test_lesson_6_room_tables_show_hostile_class_names_as_text():
    """The confusion matrix in lecturer mode: its row labels and columns are class-folder names, rendered as Markdown."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_room_table_script).run()
    [shown] = at.table
    hostile = "![s](http://host.invalid/x.png)"
    assert list(shown.value.index) == [md(f"is {hostile}", limit=None), "is benign"]
    assert list(shown.value.columns) == [md(f"said {hostile}", limit=None), "said benign"]
    assert shown.value.to_numpy().tolist() == [[3, 1], [0, 4]]  # the numbers as they are
    assert not [c for c in [*shown.value.index, *shown.value.columns] if "<img" in render(str(c))]
