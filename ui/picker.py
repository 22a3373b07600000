"""The shared image picker in the sidebar: a built-in sample or the learner's own upload.

Samples are loaded once per server and shared read-only; an upload lives in
this session's `st.session_state` only and is never cached where another
session could reach it.

A built-in sample is part of the page's link (``?sample=<its name>``), so a link (a lecture preset's among them)
reopens the same image; the default sample is left out, as Streamlit leaves out a control at its default. An
upload never goes into a link: while the learner works on their own file the link names no sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core import samples
from core.io import ImageLoadError, load_image, load_series
from core.volume import Volume
from ui.lesson import STOPPED, stoppable, was_stopped
from ui.safe_text import md

SAMPLE, UPLOAD = "Built-in sample", "My own file(s)"
SOURCE_KEY, SAMPLE_KEY, UPLOAD_KEY = "image_source", "sample_name", "upload_files"
SAMPLE_PARAMETER = "sample"
"""The URL parameter (and a preset's setting) that names a built-in sample."""
_LINK_READ = "sample-link-read"
UPLOAD_TYPES_HELP = (
    "DICOM (one file, or all the files of a series), NIfTI (.nii, .nii.gz), ANALYZE (.hdr + .img), "
    "PNG, JPEG, TIFF, GIF, or a .zip of a DICOM series. Nothing is stored: the image stays in this browser session."
)


@st.cache_resource(max_entries=len(samples.SAMPLES), show_spinner="Loading the sample...")
def load_sample(name: str) -> Volume:
    """A sample, loaded once per server; its arrays are read-only because every session shares them."""
    volume = samples.load(name)
    for array in (volume.data, volume.stored):
        if array is not None:
            array.flags.writeable = False
    return volume


def _switch_to_upload() -> None:
    if st.session_state.get(UPLOAD_KEY):
        st.session_state[SOURCE_KEY] = UPLOAD


def _load_upload(files) -> None:
    """Load the uploaded files once per new set of files; keep the volume or the error in the session."""
    signature = tuple(f.file_id for f in files)
    if st.session_state.get("upload_signature") == signature:
        return
    st.session_state["upload_signature"] = signature
    st.session_state.pop("upload_volume", None)
    st.session_state.pop("upload_error", None)
    try:
        if len(files) == 1:
            with st.spinner(f"Reading {md(files[0].name)}..."):
                volume = load_image(files[0].getvalue(), files[0].name)
        else:
            bar = st.progress(0.0, text=f"Reading {len(files)} files...")
            try:
                with stoppable("upload-stop"):
                    volume = load_series([(f.name, f.getvalue()) for f in files],
                                         progress=lambda done: bar.progress(done, text=f"Decoding slices: {done:.0%}"))
            finally:
                bar.empty()
        st.session_state["upload_volume"] = volume
    except ImageLoadError as exc:
        st.session_state["upload_error"] = str(exc)
    finally:  # interrupted (Stop, or any other control): say so rather than quietly show the sample
        if was_stopped("upload-stop"):
            st.session_state["upload_error"] = STOPPED.format("Reading the files") + " Upload them again."


def sample_settings(settings: dict) -> dict:
    """A preset's settings as session state: its ``sample`` chooses that built-in sample in the sidebar.

    Parameters
    ----------
    settings : dict
        Control (and URL parameter) -> value; ``sample`` names a built-in sample.

    Returns
    -------
    dict
        The same, with ``sample`` replaced by the picker's keys (a name that is not a built-in sample is dropped).

    Examples
    --------
    >>> sample_settings({"sigma": 2.0, "sample": "CT: chest slice (pydicom CT_small)"})[SAMPLE_KEY]
    'CT: chest slice (pydicom CT_small)'
    >>> sample_settings({"sample": "my-upload.dcm"})
    {}
    """
    values = {key: value for key, value in settings.items() if key != SAMPLE_PARAMETER}
    name = settings.get(SAMPLE_PARAMETER)
    if name in samples.names():
        values.update({SOURCE_KEY: SAMPLE, SAMPLE_KEY: name})
    return values


def _sample_from_link() -> None:
    """Once per session, before the picker is drawn: the link's built-in sample, if it names one.

    Any other value (unknown, malformed, given twice) is left out, and the lesson's note on the link's unusable
    values names it (`ui.url_state.report_ignored_link_values`).
    """
    from ui.url_state import ignore_link_value

    if st.session_state.get(_LINK_READ):
        return
    st.session_state[_LINK_READ] = True
    values = st.query_params.get_all(SAMPLE_PARAMETER)
    if not values:
        return
    if len(values) == 1 and values[0] in samples.names():
        st.session_state.update({SOURCE_KEY: SAMPLE, SAMPLE_KEY: values[0]})
    else:
        ignore_link_value(SAMPLE_PARAMETER, values)
        del st.query_params[SAMPLE_PARAMETER]


def _sample_to_link() -> None:
    """Keep the link's ``sample`` on the sidebar's built-in sample: none for the default sample or an upload."""
    on_sample = st.session_state.get(SOURCE_KEY) == SAMPLE
    name = st.session_state.get(SAMPLE_KEY, samples.DEFAULT)
    wanted = [name] if on_sample and name != samples.DEFAULT else []
    if st.query_params.get_all(SAMPLE_PARAMETER) == wanted:
        return
    if wanted:
        st.query_params[SAMPLE_PARAMETER] = name
    else:
        del st.query_params[SAMPLE_PARAMETER]


def image_picker() -> None:
    """Draw the picker in the sidebar (called once per run by app.py)."""
    _sample_from_link()
    with st.sidebar:
        st.subheader("Image")
        st.radio("Work on", (SAMPLE, UPLOAD), key=SOURCE_KEY, horizontal=True)
        on_sample = st.session_state[SOURCE_KEY] == SAMPLE
        st.selectbox("Sample", samples.names(), key=SAMPLE_KEY, disabled=not on_sample,
                     help="Real data shipped with pydicom, pydicom-data, nibabel, nilearn and scikit-image.")
        if on_sample:
            st.caption(samples.info(st.session_state[SAMPLE_KEY]).provenance)
        files = st.file_uploader("Upload", accept_multiple_files=True, key=UPLOAD_KEY,
                                 on_change=_switch_to_upload, help=UPLOAD_TYPES_HELP)
        if files:
            _load_upload(files)
        else:
            for key in ("upload_signature", "upload_volume", "upload_error"):
                st.session_state.pop(key, None)
        if st.session_state[SOURCE_KEY] == UPLOAD:
            if "upload_volume" in st.session_state:
                st.caption(f"Showing your upload: {md(st.session_state['upload_volume'].name)}")
            elif "upload_error" not in st.session_state:
                st.info("Upload a file above; until then the sample is shown.")
        if "upload_error" in st.session_state:
            st.error(md(st.session_state["upload_error"], limit=None), icon=":material/error:")
    _sample_to_link()


@dataclass(frozen=True)
class Current:
    """The image every lesson works on, as the picker hands it over.

    Attributes
    ----------
    volume : Volume
        The upload when chosen and readable, else the sample.
    sample : samples.Sample or None
        The sample's provenance, None for an upload.
    key : tuple
        A stable, hashable name of the image for a session's memos and widget keys:
        ``("Built-in sample", name)`` or ``("My own file(s)", file ids)``.
    """

    volume: Volume
    sample: samples.Sample | None
    key: tuple

    @property
    def is_upload(self) -> bool:
        """True for the learner's own file(s)."""
        return self.sample is None


def current() -> Current:
    """The image every page works on: the upload when chosen and readable, else the sample."""
    if st.session_state.get(SOURCE_KEY) == UPLOAD and "upload_volume" in st.session_state:
        return Current(st.session_state["upload_volume"], None, (UPLOAD, st.session_state["upload_signature"]))
    name = st.session_state.get(SAMPLE_KEY, samples.DEFAULT)
    return Current(load_sample(name), samples.info(name), (SAMPLE, name))


def show_upload_error() -> None:
    """Repeat a failed upload's message at the top of the page, so it cannot be missed."""
    if st.session_state.get(SOURCE_KEY) == UPLOAD and "upload_error" in st.session_state:
        st.error(f"Your upload could not be loaded: {md(st.session_state['upload_error'], limit=None)} "
                 "The sample is shown meanwhile.", icon=":material/error:")
