"""The Preparing lesson's pipeline builder: up to five steps, every intermediate image, and the whole volume.

Each step's controls are kept in the URL (``prep-step1``, ``prep-step1-noise``, ``prep-step1-noise-value`` ...),
so a link reopens the same pipeline.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import pipeline, preprocess
from core.snippets import preprocess as snip
from core.text.course_text import LessonText
from core.volume import Volume
from ui import heavy
from ui.code import show_code
from ui.images import picture, shaded
from ui.lesson import STOPPED, explain, lecturer_mode, stoppable, was_stopped
from ui.preparing_work import Work, memo, npy_bytes

NO_STEP = "—"
DEFAULT_STEPS = (pipeline.Step("noise", "gaussian", 20.0), pipeline.Step("gaussian", value=1.0),
                 pipeline.Step("threshold", "otsu"), None, None)
"""The lecture's pipeline: Gaussian noise, a Gaussian filter, Otsu."""

VALUE_WIDGETS = {  # kind: (min, max, step)
    "noise": (0.0, 60.0, 1.0), "gaussian": (0.0, 8.0, 0.25), "median": (1.0, 11.0, 2.0),
    "threshold": (0.0, 255.0, 1.0), "mask": (5.0, 100.0, 5.0), "edges": (0.5, 5.0, 0.25),
}
DEFAULT_VALUES = {"noise": 20.0, "gaussian": 1.0, "median": 3.0, "threshold": 127.0, "mask": 45.0, "edges": 1.0}
SAME_UNITS = ("input", "noise", "gaussian", "median", "mask")
"""Steps whose output is in the input's units: shown through the input's window."""


def in_input_units(image: np.ndarray, kinds: list[str]) -> bool:
    """Whether `image`, made by steps of `kinds`, holds the input's values (shown through its window and shading)."""
    return image.dtype != bool and all(kind in SAME_UNITS for kind in kinds)


def step_controls(n: int, default: pipeline.Step | None) -> pipeline.Step | None:
    """The controls of step `n` (from 1), kept in the URL; None for no step."""
    columns = st.columns([2, 2, 2, 1])
    kinds = (NO_STEP, *pipeline.STEP_KINDS)
    kind = columns[0].selectbox(f"Step {n}", kinds, index=kinds.index(default.kind) if default else 0,
                                key=f"prep-step{n}", bind="query-params")
    if kind == NO_STEP:
        return None
    option = ""
    if kind in pipeline.STEP_OPTIONS:
        options = pipeline.STEP_OPTIONS[kind]
        preset = default.option if default and default.kind == kind else options[0]
        option = columns[1].selectbox("Choice", options, index=options.index(preset), key=f"prep-step{n}-{kind}",
                                      bind="query-params")
    low, high, step = VALUE_WIDGETS[kind]
    needs_value = not (kind == "threshold" and option != "manual") and not (kind == "edges" and option != "canny") \
        and not (kind == "mask" and option != "circle")
    value = 0.0
    if needs_value:
        value = columns[2].number_input(pipeline.VALUE_LABELS[kind], low, high, DEFAULT_VALUES[kind], step,
                                        key=f"prep-step{n}-{kind}-value", bind="query-params")
    seed = 0
    if kind == "noise" and lecturer_mode():  # fewer controls in front of a room; the seed is kept
        seed = int(st.session_state.setdefault(f"prep-step{n}-seed", 0))
    elif kind == "noise":
        seed = int(columns[3].number_input("Seed", 0, 10_000, 0, key=f"prep-step{n}-seed", bind="query-params"))
    return pipeline.Step(kind, option, float(value), seed)


def builder_section(work: Work, text: LessonText) -> None:
    """Choose the steps; every intermediate image with its numbers; the result as PNG, or NIfTI for a volume."""
    steps = [s for s in (step_controls(n, d) for n, d in enumerate(DEFAULT_STEPS, 1)) if s is not None]
    index = work.key[1]  # (time, slice), (slice,) or (): for uploads too, whose code starts from a .npy
    slice_index = index[-1] if index else 0
    images = memo(("pipeline", work.image_key, tuple(steps)),
                  lambda: pipeline.run(work.clean, steps, work.scale, slice_index))
    labels = ["input (clean)"] + [f"{n}. {s.label()}" for n, s in enumerate(steps, 1)]
    kinds = ["input"] + [s.kind for s in steps]
    columns = st.columns(4)
    for n, (image, label) in enumerate(zip(images, labels)):
        if n and n % 4 == 0:
            columns = st.columns(4)
        same_units = in_input_units(image, kinds[:n + 1])
        picture(columns[n % 4], image, shaded(label, work.invert and n == 0), work.window if same_units else None,
                ("pipeline", work.image_key, tuple(steps[:n])), invert=work.invert and same_units)
        columns[n % 4].caption(pipeline.summary(image))
    if work.whole_volume:
        st.caption(f"On this slice, the noise seed is seed + {slice_index} (slice {slice_index}) and thresholds are "
                   "computed from the slice; on the whole volume each slice k gets seed + k and a threshold is "
                   "computed once from all the slices.")
    result = images[-1]
    invert = work.invert and in_input_units(result, kinds)  # the file looks as the result's picture above
    st.download_button("Download the result (PNG)", lambda: pipeline.result_bytes(result, invert=invert),
                       file_name="result.png", mime="image/png", icon=":material/download:", on_click="ignore",
                       key="pipeline-png")
    explain(text.explanation("builder"))
    show_code(pipeline.pipeline_code(steps, work.source, work.scale, output="result.png", invert=invert))
    if work.whole_volume:
        volume_section(work, steps, text)


def grey_volume(base: Volume, frame: int | None, step: int) -> np.ndarray:
    """The whole volume as the lesson sees each slice: grey, finite, reduced like the slice."""
    data = base.frame(frame) if base.is_4d else base.data
    return np.stack([preprocess.grey_slice(s, base.rgb, step)[0] for s in data])


def volume_section(work: Work, steps: list[pipeline.Step], text: LessonText) -> None:
    """Run the pipeline on every slice (a Dask task with progress and Stop) and offer the result as NIfTI."""
    st.subheader("On the whole volume")
    base, index = work.base, work.key[1]  # the slice the lesson works on (work.source.index is empty for uploads)
    frame = index[0] if base.is_4d else None
    n = base.n_slices
    run_key = ("volume-run", work.key[0], frame, tuple(steps))
    stored = st.session_state.get("preparing-volume")
    if st.button(f"Run the pipeline on all {n} slices", icon=":material/play_arrow:", key="pipeline-volume-run"):
        with stoppable("pipeline-volume-stop"):
            bar = st.progress(0.0, text="Starting...")

            def progress(done: int, total: int) -> None:
                if done == total or done % 8 == 0:
                    bar.progress(done / total,
                                 text=f"Step {(done - 1) // n + 1} of {len(steps)}, slice {(done - 1) % n + 1} of {n}")

            grey = grey_volume(base, frame, work.source.step)
            try:  # a Dask task (ui.heavy)
                result = heavy.run("pipeline", pipeline.run_volume, grey, steps, work.scale,
                                   callbacks={"progress": progress})
            except heavy.WorkLost as exc:
                st.error(str(exc), icon=":material/error:")
                return
            bar.empty()
        numbers = pipeline.summary(result)  # from the exact result, as the code prints it
        result = result if result.dtype == bool else result.astype(np.float32)  # halves the session's memory
        st.session_state["preparing-volume"] = stored = (run_key, result, numbers)
    elif was_stopped("pipeline-volume-stop"):
        st.info(STOPPED.format("The pipeline"), icon=":material/stop_circle:")
    if stored is None or stored[0] != run_key:
        st.caption(text.explanation("volume"))
        return
    result, numbers = stored[1], stored[2]
    k = index[-1]
    columns = st.columns([1, 2])
    same_units = in_input_units(result, [s.kind for s in steps])
    picture(columns[0], result[k], shaded(f"result, slice {k} of the volume", work.invert and same_units),
            invert=work.invert and same_units)
    columns[1].metric("Result", numbers)
    columns[1].caption(f"{result.shape[0]} × {result.shape[1]} × {result.shape[2]} voxels, {result.dtype}.")
    columns[1].download_button("Download the result (NIfTI, .nii.gz)",
                               lambda: pipeline.result_bytes(result, base.affine), file_name="result.nii.gz",
                               mime="application/gzip", icon=":material/download:", on_click="ignore",
                               key="pipeline-nifti")
    source = work.source if work.source.sample else snip.Source(npy_name="preparing_volume.npy")
    if not work.source.sample:
        st.download_button("Download your grey volume (.npy) for the code",
                           lambda: npy_bytes(grey_volume(base, frame, work.source.step)),
                           file_name="preparing_volume.npy", on_click="ignore", key="pipeline-volume-npy")
    show_code(pipeline.pipeline_code(steps, source, work.scale, volume=True, output="result.nii.gz"),
              title="Show the code for the whole volume")
