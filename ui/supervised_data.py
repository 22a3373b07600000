"""Lesson 6's labelled images: the data controls, the generated sets (shared) or the learner's .zip, the overview.

The controls are drawn by every section that needs the images (in full in
*Data*, folded elsewhere) and bound to the URL, so a link to any section
reopens the set it was made on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.io import class_folders
from core.snippets import cnn as cnn_snippets
from core.data import dermoscopy
from core.data import labelled
from core.data import lesions
from core.text.alt_text import describe_image
from core.text.course_text import LessonText
from core.data.labelled import LabelledImages
from ui.alt import show_image
from ui.code import show_code
from ui.lesson import STOPPED, explain, stoppable, was_stopped
from ui.safe_text import md
from ui.supervised_blocks import table
from ui.uploads import Outcome, read_once

SOURCES = {
    "dermoscopy": "Skin lesions: dermoscopy-like photos (generated)",
    "lesions": "Brain MRI: MNI152 slices with and without a lesion",
    "zip": "My own images: a .zip of class folders",
}
DEFAULTS = {  # per data source: what trains well on it
    "dermoscopy": {"n": 800, "head": "flatten", "dropout": 0.5, "epochs": 20},
    "lesions": {"n": 600, "head": "global max", "dropout": 0.0, "epochs": 15},
    "zip": {"n": 0, "head": "flatten", "dropout": 0.5, "epochs": 15},
}
SIZES = [32, 48, 64, 96]
ZIP_STOP = "sup-zip-stop"


@dataclass(frozen=True)
class DataChoice:
    """The labelled set the lesson works on, with what identifies it and the code that makes it."""

    kind: str
    size: int
    data: LabelledImages | None
    key: tuple | None
    code: str | None

    @property
    def defaults(self) -> dict:
        """What trains well on this kind of data (head, dropout, epochs)."""
        return DEFAULTS[self.kind]


@st.cache_resource(show_spinner="Loading the MNI152 template...")
def brain_template():
    """The MNI152 template slices and brain mask, once per server, read-only."""
    t1, brain = lesions.load_template()
    t1.flags.writeable = brain.flags.writeable = False
    return t1, brain


@st.cache_resource(max_entries=6, show_spinner="Generating the images...")
def generated_set(kind: str, n: int, fraction: float, size: int, seed: int) -> LabelledImages:
    """A generated set, made once per server for these controls and shared read-only."""
    if kind == "dermoscopy":
        data = dermoscopy.generate(n, fraction, size, seed)
    else:
        data = lesions.generate(n, fraction, size, seed, template=brain_template())
    for array in (data.images, data.labels, data.masks):
        array.flags.writeable = False
    return data


def read_stoppable(name: str, upload, read, stop_key: str, what: str) -> Outcome | None:
    """`ui.uploads.read_once` for a read that shows a Stop button: a stopped read is not retried until asked.

    `read` runs inside ``stoppable(stop_key)``. Stop (or any other control) ends it; the next run says so and
    offers a button to read the same file again, rather than starting over by itself.

    Parameters
    ----------
    name : str
        The uploader's name for `read_once`.
    upload : UploadedFile
    read : callable
        ``read(upload) -> value``, raising `ValueError` with a learner-readable message for a bad file.
    stop_key : str
        The Stop button's key, ending in ``-stop`` (the button that reads again ends in ``-again``).
    what : str
        What is read ("Reading the .zip"), for the message.
    """
    stopped = f"{stop_key}-file"
    if was_stopped(stop_key):
        st.session_state[stopped] = (name, upload.file_id)
    if st.session_state.get(stopped) == (name, upload.file_id):
        st.error(STOPPED.format(what), icon=":material/error:")
        st.button("Read it again", key=f"{stop_key.removesuffix('-stop')}-again", icon=":material/refresh:",
                  on_click=lambda: st.session_state.pop(stopped, None))
        return None

    def stoppable_read(files):
        with stoppable(stop_key):
            return read(files)

    return read_once(name, upload, stoppable_read)


def class_zip_data(upload, size: int) -> LabelledImages | None:
    """The labelled images of a .zip of class folders at `size`, read once per file and size (None: not readable).

    Each image is checked against `core.io.class_folders.MAX_IMAGE_BYTES` from its header before it is decoded; the
    reading shows its progress and Stop. Only the outcome for the current size is kept.
    """
    def read(files):
        bar = st.progress(0.0, text=f"Reading {md(upload.name)}...")
        try:
            return class_folders.load_class_folders(
                upload.getvalue(), upload.name, size, progress=lambda done, total: bar.progress(
                    done / max(total, 1), text=f"Reading {md(upload.name)}: image {done:,} of {total:,}"))
        finally:
            bar.empty()

    for other in SIZES:
        if other != size:
            read_once(f"sup-zip-{other}", None, read)  # forget the set read at another size
    outcome = read_stoppable(f"sup-zip-{size}", upload, read, ZIP_STOP, "Reading the .zip")
    if outcome is not None and outcome.error:
        st.error(md(outcome.error, limit=None), icon=":material/error:")
    return outcome.value if outcome is not None else None


def unit_picture(image: np.ndarray) -> np.ndarray:
    """A [0, 1] network input as uint8 (grey or RGB), as the network sees it."""
    image = np.asarray(image)
    image = image[..., 0] if image.shape[-1] == 1 else image
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def gallery(pictures: list, captions: list[str], columns: int) -> None:
    """Network inputs in a grid of equal columns, each with its caption."""
    for start in range(0, len(pictures), columns):
        for column, image, caption in zip(st.columns(columns), pictures[start:start + columns],
                                          captions[start:start + columns]):
            shown = unit_picture(image)
            show_image(column, shown, describe_image(shown, caption), caption=md(caption), width="stretch",
                       output_format="PNG")


def choose_data(text: LessonText | None = None) -> DataChoice:
    """Draw the data controls and return the set they choose.

    Parameters
    ----------
    text : LessonText, optional
        The lesson's words, in the *Data* section: the generated set's explanation follows the controls.
    """
    kind = st.radio("Data", list(SOURCES), format_func=SOURCES.get, key="sup-source", bind="query-params")
    defaults = DEFAULTS[kind]
    size_col, *controls = st.columns(4)
    size = size_col.select_slider("Image size = network input (pixels)", SIZES, value=64, key="sup-size",
                                  bind="query-params", help="Smaller images train faster but lose detail.")
    if kind == "zip":
        st.markdown("The layout of the public skin-cancer datasets: `train/benign/*.jpg`, `train/malignant/*.jpg`, "
                    "optionally `test/benign/...` and `test/malignant/...`. Any number of classes: the folder "
                    "names are the class names, each with at least "
                    f"{class_folders.MIN_PER_CLASS} training images.")
        upload = st.file_uploader("Your .zip of class folders", type=["zip"], key="sup-zip")
        if upload is None:
            st.info("Upload a .zip to train on your own images; meanwhile, pick one of the generated sets above.",
                    icon=":material/upload:")
            return DataChoice(kind, size, None, None, None)
        data = class_zip_data(upload, size)  # read once, budgeted per image, with progress and Stop
        if data is None:
            return DataChoice(kind, size, None, None, None)
        return DataChoice(kind, size, data, ("zip", upload.file_id, size),
                          cnn_snippets.data_code("zip", size=size, filename=upload.name))
    positive_name = "malignant" if kind == "dermoscopy" else "with a lesion"
    n = controls[0].slider("Number of images", 40, 2000, defaults["n"], step=20, key=f"sup-n-{kind}",
                           bind="query-params")
    fraction = controls[1].slider(f"Share {positive_name}", 0.05, 0.95, 0.5, step=0.05, key=f"sup-fraction-{kind}",
                                  bind="query-params",
                                  help="0.5 balances the classes; move it to see what an unbalanced set does.")
    seed = int(controls[2].number_input("Seed", 0, 10_000, 0, key=f"sup-seed-{kind}", bind="query-params",
                                        help="The same seed makes the same images."))
    if text is not None:
        explain(text.explanation(kind))
    return DataChoice(kind, size, generated_set(kind, n, fraction, size, seed), (kind, n, fraction, size, seed),
                      cnn_snippets.data_code(kind, n, fraction, size, seed))


def overview(choice: DataChoice) -> None:
    """Class counts (with a warning for an unbalanced set), examples of each class, the ABCD numbers."""
    data = choice.data
    counts = labelled.class_counts(data.labels, len(data.class_names))
    ratio = labelled.imbalance(counts)
    metric_cols = st.columns(len(counts) + 1)
    metric_cols[0].metric("Images", f"{len(data):,}", help="Of which "
                          f"{int(data.test.sum()) if data.test is not None else 0} in a test/ folder.")
    for column, name, count in zip(metric_cols[1:], data.class_names, counts):
        column.metric(md(name.capitalize()), f"{count:,}", f"{100 * count / len(data):.0f}% of the images",
                      delta_color="off", delta_arrow="off")
    if ratio > labelled.IMBALANCE_RATIO:
        biggest = data.class_names[int(np.argmax(counts))]
        st.warning(f"**Unbalanced classes**: the largest class has {ratio:.1f} times the images of the smallest. "
                   f"A model that always answers *{md(biggest)}* is already right "
                   f"{100 * counts.max() / counts.sum():.0f}% of the time: watch sensitivity and specificity, not "
                   "accuracy alone.", icon=":material/balance:")
    inverted = 0 if data.inverted is None else int(data.inverted.sum())
    st.caption("A few examples of each class, at the network's input size"
               + (f" ({inverted:,} MONOCHROME1 DICOM{'s' if inverted > 1 else ''} among the images, inverted (1 − x) "
                  "as the file asks for the lowest value white: the network sees every image as it is shown)"
                  if inverted else "") + ":")
    for c, name in enumerate(data.class_names):
        members = np.flatnonzero(data.labels == c)[:8]
        if members.size:
            gallery([data.images[i] for i in members], [data.names[i] if data.names else name for i in members],
                    columns=8)
    if data.features and choice.kind == "dermoscopy":
        abcd = pd.DataFrame({name: [data.features[name][data.labels == c].mean() for c in range(2)]
                              for name in dermoscopy.FEATURES}, index=data.class_names).round(2)
        st.caption("Mean ABCD numbers per class (asymmetry and border from 0 to 1, number of colours, diameter):")
        table(abcd, width="content")
    show_code(cnn_snippets.data_snippet(choice.code))
