"""Run one page the way app.py does (shared sidebar picker first), for AppTest.

AppTest loses the sidebar that app.py draws when `at.switch_page` changes
page, so page tests start from this script instead: the picker, then the
page, exactly as in the app. Usage: ``page_test("lessons/loading.py")``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).resolve().parent / "page_harness_script.py"


def page_test(page: str, timeout: float = 120, state: dict | None = None) -> AppTest:
    """An AppTest running the sidebar picker and then `page` (a path relative to the project root).

    `state` presets session-state keys (widget keys: small settings, the section shown) before the first run.
    """
    at = AppTest.from_file(str(HARNESS), default_timeout=timeout)
    at.session_state["harness_page"] = str(ROOT / page)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at


def widget(at: AppTest, kind: str, key: str):
    """The widget of type `kind` ("selectbox", "radio", "file_uploader"...) with `key`, anywhere on the page."""
    matches = [w for w in at.get(kind) if getattr(w, "key", None) == key]
    if not matches:
        raise KeyError(f"no {kind} with key {key!r}")
    return matches[0]


def show_self_check(at: AppTest, page: str) -> AppTest:
    """Turn on the switch that shows the self-check's questions of `page` (they are folded by default) and rerun."""
    widget(at, "toggle", f"check-open-{page}").set_value(True)
    return at.run()


def choose_sample(at: AppTest, name: str) -> AppTest:
    """Pick a built-in sample in the sidebar and rerun."""
    widget(at, "radio", "image_source").set_value("Built-in sample")
    widget(at, "selectbox", "sample_name").set_value(name)
    return at.run()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """Upload files through the sidebar's uploader and rerun."""
    widget(at, "file_uploader", "upload_files").set_value(
        [(name, data, "application/octet-stream") for name, data in files])
    return at.run()


def image_captions(at: AppTest) -> list[str]:
    """The captions of every image on the page, in order."""
    return [caption for image in at.get("image") for caption in image.captions]


def problems(at: AppTest) -> list[str]:
    """Exceptions shown on the page (should be none)."""
    return [e.value for e in at.exception]


def shown_code(at: AppTest) -> list[str]:
    """Open every "Show the code" panel of the page, as a learner would, rerun, and return the code they show.

    A closed panel sends no code to the browser (`ui.code.show_code`), so the code is read from the open panels.
    """
    from ui.code import open_panels

    open_panels(at.session_state)
    at.run()
    return [block.value for block in at.code]


def shown_pictures(at: AppTest) -> dict:
    """Rerun the page and decode the PNG of every `st.image` it sends: numpy arrays by caption (the bytes Streamlit got)."""
    import io
    from unittest import mock

    import imageio.v3 as iio
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    sent: dict[str, bytes] = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, data, mimetype, kind, filename=None):
        file_id = store(self, data, mimetype, kind, filename)
        if isinstance(data, bytes):
            sent[file_id] = data
        return file_id

    with mock.patch.object(MemoryMediaFileStorage, "load_and_get_id", keep):
        at.run()
    return {shown.caption: iio.imread(io.BytesIO(sent[shown.url.rsplit("/", 1)[-1].split(".")[0]]))
            for image in at.get("image") for shown in image.proto.imgs}


def downloads(at: AppTest) -> dict:
    """Rerun the page and make the file of every `st.download_button` it draws, as a click would: bytes by key.

    A button given a function makes its file only when clicked, which AppTest cannot do: the function is called here.
    """
    from unittest import mock

    import streamlit as st

    given = {}
    button = st.download_button

    def keep(label, data, *args, **kwargs):
        given[kwargs.get("key", label)] = data
        return button(label, data, *args, **kwargs)

    with mock.patch.object(st, "download_button", keep):
        at.run()
    return {key: data() if callable(data) else data for key, data in given.items()}


def brighter_where_low(shown: np.ndarray, values: np.ndarray) -> float:
    """How much brighter (grey levels) a picture is where `values` are in their lowest tenth than in their highest."""
    shown = (shown if shown.ndim == 2 else shown[..., 0]).astype(float)
    rows = (np.arange(shown.shape[0]) * values.shape[0] / shown.shape[0]).astype(int)
    cols = (np.arange(shown.shape[1]) * values.shape[1] / shown.shape[1]).astype(int)
    thin = values[rows][:, cols].astype(float)
    low, high = thin <= np.percentile(thin, 10), thin >= np.percentile(thin, 90)
    return float(shown[low].mean() - shown[high].mean())


def each_building_block(at: AppTest):
    """Open lesson 6's building blocks (ReLU, max pooling, average pooling) in turn, as the learner does with the
    control above them (one is drawn at a time); yield each one's name once its run is over."""
    for name in widget(at, "button_group", "sup-block").options:
        widget(at, "button_group", "sup-block").set_value(name)
        at.run()
        yield name
