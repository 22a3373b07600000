"""Lesson 5 in 3D and without labels: the subject registered to the MNI template (an atlas), and tissue clustering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import display, overlays, samples
from core.snippets import registration as snip
from core.atlas import block_mean, physical_origin, resample_like, shrunk_origin
from core.clustering import METHODS, cluster_intensities, score
from core.heavy import register_and_transfer
from ui import heavy
from ui.code import show_code
from ui.images import shaded
from ui.lesson import STOPPED, lecturer_mode, stoppable, was_stopped
from ui.memo import session_memo
from ui.picker import load_sample
from ui.unsupervised_problem import KEEP, Work, eight_bit, show_row, show_table
from ui.unsupervised_figures import history_figure
from ui.unsupervised_register import live_progress
from ui.alt import show_figure
from ui.viewer import PLOT_CONFIG

MNI, GREY, WHITE = (samples.SAMPLES[i].name for i in (2, 3, 4))
SUBJECT = "MRI 3D: subject head (nibabel anatomical.nii)"
GREY_COLOUR, WHITE_COLOUR = (230, 159, 0), (0, 158, 115)  # the colours of clusters 2 and 3 (Okabe-Ito)
DEFAULT_ATLAS_ITERATIONS = 100
ATLAS, ATLAS_STOP = "unsup-state-atlas", "unsup-atlas-stop"
PLANES = ("axial", "coronal", "sagittal")


@st.cache_resource(max_entries=2, show_spinner="Preparing the template...")
def atlas_inputs(factor: int) -> dict:
    """The MNI template and its tissue maps shrunk to `factor` mm, and the subject (shared, read-only)."""
    template, grey, white, subject = (load_sample(n) for n in (MNI, GREY, WHITE, SUBJECT))
    inputs = {
        "template": block_mean(template.data, factor),
        "maps": {"grey matter": block_mean(grey.data, factor) / 255.0,
                 "white matter": block_mean(white.data, factor) / 255.0},
        "origin": shrunk_origin(physical_origin(template.affine), template.spacing, factor),
        "spacing": (float(factor),) * 3,
        "subject": subject.data.astype(np.float64),
        "subject_spacing": tuple(float(s) for s in subject.spacing),
        "subject_origin": physical_origin(subject.affine),
    }
    inputs["before"] = resample_like(inputs["subject"], inputs["subject_spacing"], inputs["subject_origin"],
                                     inputs["template"].shape, inputs["spacing"], inputs["origin"])
    for value in (inputs["template"], inputs["subject"], inputs["before"], *inputs["maps"].values()):
        value.flags.writeable = False
    return inputs


def planes(data: np.ndarray, index: tuple[int, int, int], window: tuple[float, float]) -> list[np.ndarray]:
    """Axial, coronal and sagittal uint8 slices through `index` (radiological display)."""
    return [display.apply_window(view, *window) for view, _ in display.orthogonal_views(data, index).values()]


def explanation(head) -> str:
    """What the atlas section does, with the subject's real extent and voxel size (from its header)."""
    extent = " × ".join(f"{n * d:.0f}" for n, d in zip(head.data.shape[::-1], head.spacing[::-1]))
    return (f"Two real images now: a subject's T1 MRI (nibabel's `anatomical.nii`, a {extent} mm block of the head, "
            f"voxels of {' × '.join(f'{d:g}' for d in head.spacing)} mm) and the MNI152 template. **Orientation is "
            "key**: each file's header says where every voxel sits in the scanner, in mm, so the two start roughly "
            "in place; registration corrects what is left. Then the template's grey and white matter maps, drawn "
            "once for the template, are **carried onto the subject** through the inverse transform: an atlas "
            "segments the subject without any label of its own.")


def atlas_section() -> None:
    """Register the subject MRI to the MNI template, then carry the grey and white matter maps onto it."""
    a1, a2, a3 = st.columns(3)
    kind = a1.radio("Transform", ("rigid", "affine"), horizontal=True, key="atlas", **KEEP)
    factor = a2.radio("Template voxel size (mm)", (2, 4), horizontal=True, key="atlas-mm", **KEEP)
    iterations = DEFAULT_ATLAS_ITERATIONS if lecturer_mode() else a3.slider(
        "Iterations per level (maximum)", 10, 200, DEFAULT_ATLAS_ITERATIONS, 10, key="atlas-iterations", **KEEP)
    settings = {"transform": kind, "factor": factor, "levels": 3, "iterations": iterations, "sampling": 0.1}
    if st.button("Register the subject to the MNI template", type="primary", icon=":material/play_arrow:",
                 key="unsup-atlas-run"):
        inputs = atlas_inputs(factor)
        with stoppable(ATLAS_STOP):
            callback, clear = live_progress("Registering in 3D...")
            try:
                result, maps = heavy.run(  # a Dask task: register, then carry the maps onto the subject
                    "registration", register_and_transfer, inputs["template"], inputs["subject"], inputs["maps"],
                    transform=kind, iterations=iterations, spacing=inputs["spacing"],
                    subject_spacing=inputs["subject_spacing"], origin=inputs["origin"],
                    subject_origin=inputs["subject_origin"], callbacks={"progress": callback})
                st.session_state[ATLAS] = {"settings": settings, "result": result, "maps": maps}
            except (ValueError, RuntimeError) as exc:
                st.error(f"The 3D registration failed: {exc}", icon=":material/error:")
            clear()
    elif was_stopped(ATLAS_STOP):
        st.info(STOPPED.format("The 3D registration"), icon=":material/stop_circle:")
    stored = st.session_state.get(ATLAS)
    if not stored:
        st.info("Press the button to register (a few seconds; faster at 4 mm).", icon=":material/info:")
        return
    if stored["settings"] != settings:
        st.caption("Showing the last registration; press the button to run with the settings above.")
    atlas_result(stored["settings"], stored["result"], stored["maps"])


def atlas_result(settings: dict, result, maps: dict) -> None:
    """The registration's numbers and curve, the pair before and after, and the transferred tissue maps."""
    inputs = atlas_inputs(settings["factor"])
    m = st.columns(4)
    m[0].metric("Time (s)", f"{result.seconds:.2f}")
    m[1].metric("Iterations", len(result.metric_history))
    shift = float(np.linalg.norm(result.parameters["translation_mm"]))
    m[2].metric("Shift found (mm)", f"{shift:.2f}")
    angles = result.parameters.get("angles_deg")
    if angles is not None:
        m[3].metric("Largest angle (°)", f"{np.abs(angles).max():.2f}")
    else:
        m[3].metric("Scale", f"{result.parameters['scale']:.3f}")
    show_figure(st, history_figure(result.metric_history, result.levels,
                                   f"Mattes MI: subject to MNI, {settings['transform']}"), config=PLOT_CONFIG,
                key="unsup-atlas-history")
    st.caption(f"Why it stopped: {result.stop_reason}")

    # the subject's block in template voxels, with a margin: the views zoom on it
    template = inputs["template"]
    low = (np.array(inputs["subject_origin"]) - inputs["origin"]) / inputs["spacing"]
    high = low + np.array(inputs["subject"].shape) * np.array(inputs["subject_spacing"]) / inputs["spacing"]
    margin = 10.0 / np.array(inputs["spacing"])
    box = tuple(slice(int(max(0, np.floor(lo - margin[i]))), int(min(n, np.ceil(hi + margin[i]))))
                for i, (lo, hi, n) in enumerate(zip(low, high, template.shape)))
    zoom = template[box]
    index = tuple(n // 2 for n in zoom.shape)
    subject_window = display.auto_window(inputs["subject"])
    fixed_planes = planes(zoom, index, display.auto_window(zoom))
    st.markdown("**Before and after**, zoomed on the subject's block (template in magenta, subject in green: "
                "where they agree the colours add up to grey and white).")
    for label, moved in (("before: headers only", inputs["before"]), ("after registration", result.registered)):
        moving_planes = planes(moved[box], index, subject_window)
        show_row([(overlays.overlay(f, mv), f"{name}, {label}")
                  for name, f, mv in zip(PLANES, fixed_planes, moving_planes)], min_side=220)
    st.caption("Radiological view (the patient's right on the left). Look at the edges of the ventricles and of the "
               "corpus callosum: coloured fringes before, fewer after. The transform moved the subject by "
               f"{shift:.1f} mm" + (f" and turned it by up to {np.abs(angles).max():.1f}°." if angles is not None
                                    else "."))

    st.subheader("Label transfer: the template's tissue maps on the subject")
    subject = inputs["subject"]
    centre = tuple(n // 2 for n in subject.shape)
    grey_planes = planes(subject, centre, subject_window)
    grey_views = [v for v, _ in display.orthogonal_views(maps["grey matter"], centre).values()]
    white_views = [v for v, _ in display.orthogonal_views(maps["white matter"], centre).values()]
    show_row([(g, f"{name}: the subject") for name, g in zip(PLANES, grey_planes)], min_side=220)
    show_row([(overlays.tint(g, [(gm > 0.5, GREY_COLOUR), (wm > 0.5, WHITE_COLOUR)], opacity=0.35),
               f"{name}: with the transferred labels") for name, g, gm, wm in
              zip(PLANES, grey_planes, grey_views, white_views)], min_side=220)
    voxel_ml = float(np.prod(inputs["subject_spacing"])) / 1000
    volumes = {name: float((values > 0.5).sum() * voxel_ml) for name, values in maps.items()}
    st.caption(f"Orange: grey matter, green: white matter (transferred probability above 0.5). In the subject's "
               f"block: grey matter {volumes['grey matter']:.1f} mL, white matter {volumes['white matter']:.1f} mL. "
               "No one drew a label on this subject: the labels come from the template, through the registration.")
    show_code(snip.atlas_snippet(settings["transform"], settings["factor"], settings["levels"],
                                 settings["iterations"], settings["sampling"]))


@st.cache_data(max_entries=8, show_spinner="Clustering the template...")
def template_clusters(k: int, method: str) -> tuple[np.ndarray, list[float], list[int], dict]:
    """k clusters of the MNI template at 2 mm and their Dice against the tissue maps (sample data only)."""
    t1, grey, white = (load_sample(n).data[::2, ::2, ::2] for n in (MNI, GREY, WHITE))
    clusters = cluster_intensities(t1, k, method=method)
    scored = score(clusters.labels, {"grey matter": grey / 255.0, "white matter": white / 255.0})
    return clusters.labels, clusters.means, clusters.counts, scored


@st.cache_data(max_entries=64, show_spinner=False)
def template_views(k: int, method: str, axial: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One axial slice of the 2 mm template: T1, its clusters and the tissue maps, as 8-bit pictures (shared)."""
    labels = template_clusters(k, method)[0]
    t1, grey, white = (load_sample(n).data[::2, ::2, ::2][axial] for n in (MNI, GREY, WHITE))
    t1_8 = eight_bit(t1)
    truth = overlays.tint(t1_8, [(grey > 127, GREY_COLOUR), (white > 127, WHITE_COLOUR)])
    return t1_8, overlays.label_colours(labels[axial]), truth


def clustering_controls() -> tuple[bool, int, str]:
    """On the template or the working image; k; the method."""
    c1, c2, c3 = st.columns(3)
    which = c1.radio("Image", ("MNI template (3D, 2 mm)", "the working image"), key="cluster-on", **KEEP,
                     help="Only the template has tissue maps, so only it gets a Dice.")
    k = c2.slider("Number of clusters k", 2, 6, 3, key="k", **KEEP)
    method = c3.radio("Method", list(METHODS), format_func=METHODS.get, horizontal=True, key="clusterer", **KEEP)
    return which.startswith("MNI"), k, method


def template_clustering(k: int, method: str) -> None:
    """k-means or a Gaussian mixture on the template's intensities; coloured classes; Dice against the tissue maps."""
    labels, means, counts, scored = template_clusters(k, method)
    axial = st.slider("Axial slice (2 mm)", 0, labels.shape[0] - 1, 41, key="cluster-slice", **KEEP,
                      help="Slice 41 is about 10 mm above the MNI origin, through the lateral ventricles.")
    colour_names = overlays.LABEL_NAMES[1:]
    t1_8, clusters8, truth = template_views(k, method, axial)
    show_row([(t1_8, f"T1 template, axial slice {axial}"),
              (clusters8, f"{k} clusters, dark to bright: " + ", ".join(colour_names[:k])),
              (truth, "the tissue maps (orange: grey matter, green: white matter), used only to score")])
    show_table(pd.DataFrame({"cluster": range(1, k + 1), "mean value": means, "voxels": counts,
                             "named after": scored["names"]}).round(1))
    for column, (name, value) in zip(st.columns(len(scored["dice"])), scored["dice"].items()):
        column.metric(f"Dice, {name}", f"{value:.3f}")
    st.caption("A Dice of 0.7 is usually called good agreement. With more clusters, a tissue is split in "
               "several and the Dice is that of their union; with 2 clusters, one tissue has to share.")
    show_code(snip.clustering_snippet(k, method))


def image_clustering(work: Work, k: int, method: str) -> None:
    """The same clustering on the working image, which has no tissue maps to score it."""
    try:
        clusters = session_memo("unsup-clusters", (work.key, k, method),
                                lambda: cluster_intensities(work.image, k, method=method))
    except ValueError as exc:
        st.warning(f"Cannot cluster this image: {exc}.", icon=":material/warning:")
        return
    show_row([(eight_bit(work.image, invert=work.invert), shaded("working image", work.invert)),
              (overlays.label_colours(clusters.labels), f"{k} clusters, dark to bright: "
               + ", ".join(overlays.LABEL_NAMES[1:][:k]))], min_side=300)
    show_table(pd.DataFrame({"cluster": range(1, k + 1), "mean value": clusters.means,
                             "pixels": clusters.counts}).round(3))
    st.caption("No tissue maps exist for this image, so there is no Dice: judge the classes by eye.")
    show_code(snip.clustering_image_snippet(work.source, k, method))
