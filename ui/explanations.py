"""Lesson 6's "Heatmaps put to the test" section: sanity checks, other explanations, and faithfulness.

The numbers come from `core.explain`; this module draws them. The lesson
calls `section` once, after its Grad-CAM section, with the trained model
and the data it was trained on.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import cnn, explain
from core.snippets.explain import sanity_and_deletion_snippet
from core.questions.selfcheck import Question
from core.text.alt_text import heatmap_alt
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.lesson import ask, explain as explain_text, lecturer_mode, remembered_run
from ui.viewer import PLOT_CONFIG

RESULT = "sup-explain-result"
SHUFFLED = "sup-explain-shuffled"
STOP = "sup-explain-stop"
STOP_SHUFFLED = "sup-explain-shuffled-stop"
DELETION_STEPS = 50
"""Steps of the deletion curve (2 % of the pixels each)."""
MAX_POINTING_IMAGES = 40
"""Images of the positive class scored in the pointing game (occlusion costs one forward pass per patch)."""


def _where(heatmap: np.ndarray) -> str:
    """Where a map's maximum is, in words from its data (for captions that stand in for the picture)."""
    rows, cols = heatmap.shape
    if heatmap.max() <= heatmap.min():
        return "blank (no pixel stands out)"
    r, c = np.unravel_index(int(np.argmax(heatmap)), heatmap.shape)
    vertical = ("top", "middle", "bottom")[min(2, 3 * r // rows)]
    horizontal = ("left", "centre", "right")[min(2, 3 * c // cols)]
    share = float((heatmap >= 0.5).mean())
    return f"peak at row {r}, column {c} ({vertical} {horizontal}), {share:.0%} of pixels above half"


def _run_tests(model, image: np.ndarray, target: int, layer: str, patch: int, images: np.ndarray | None,
               masks: np.ndarray | None) -> dict:
    """Every test on one image (and the pointing game on the set), with a progress bar (Stop interrupts it)."""
    bar = st.progress(0.0, text="Randomising the network layer by layer...")
    total_layers = len(explain.weight_layers(model)) + 1

    def cascade(method: str, offset: float):
        def step(done: int, total: int) -> None:
            bar.progress(min(1.0, offset + 0.3 * done / total / 2), text=f"{method}: {done} of {total} maps")
        fn = (lambda m, x: explain.explain_map(m, x, method, target, layer)) if method != "edges" else (
            lambda m, x: explain.edge_map(x))
        return explain.cascading_randomisation(model, image, fn, seed=0, on_step=step)

    result = {"cascade": {"Grad-CAM": cascade("Grad-CAM", 0.0), "edges (ignores the model)": cascade("edges", 0.15)},
              "maps": {}, "deletion": {}, "pointing": {}, "layers": total_layers}
    for k, method in enumerate(explain.METHODS):
        bar.progress(0.3 + 0.1 * k / len(explain.METHODS), text=f"{method}: map and deletion curve")
        heat = explain.explain_map(model, image, method, target, layer, patch)
        result["maps"][method] = heat
        result["deletion"][method] = explain.deletion_curve(model, image, heat, target, steps=DELETION_STEPS)
    if images is not None and len(images):
        def step(done: int, total: int) -> None:
            bar.progress(0.4 + 0.6 * done / total, text=f"Pointing game: {done} of {total} steps")
        result["pointing"] = explain.pointing_scores(model, images, masks, target, explain.METHODS, layer, patch,
                                                     on_step=step)
    bar.empty()
    return result


def _cascade_figure(cascade: dict) -> go.Figure:
    figure = go.Figure()
    for method, steps in cascade.items():
        labels = ["none"] + [f"down to {s.layer}" for s in steps[1:]]
        figure.add_scatter(x=labels, y=[s.spearman for s in steps], mode="lines+markers", name=f"{method}: Spearman")
        figure.add_scatter(x=labels, y=[s.ssim for s in steps], mode="lines+markers", name=f"{method}: SSIM",
                           line={"dash": "dot"})
    figure.update_layout(title="Similarity to the original map as layers are randomised from the top", height=340,
                         yaxis={"title": "similarity", "range": [-0.3, 1.05]}, xaxis_title="layers randomised",
                         margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.35})
    return figure


def _deletion_figure(deletion: dict) -> go.Figure:
    figure = go.Figure()
    for method, (fractions, probabilities, area) in deletion.items():
        figure.add_scatter(x=fractions, y=probabilities, mode="lines+markers", name=f"{method} · area {area:.3f}",
                           line={"dash": "dot"} if method in explain.MODEL_FREE else None)
    figure.update_layout(title="Deletion curves: most highlighted pixels removed first", height=340,
                         xaxis={"title": "share of pixels deleted", "tickformat": ".0%"},
                         yaxis={"title": "probability of the class", "range": [0, 1.02]},
                         margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.35})
    return figure


def section(model, spec: cnn.ModelSpec | None, data, train_idx: np.ndarray, val_idx: np.ndarray,
            eval_idx: np.ndarray, positive: int, names: tuple[str, ...] | list[str], data_code: str | None = None) -> None:
    """Draw "Heatmaps put to the test" for the trained `model`.

    Parameters
    ----------
    model : keras.Model
        The network the page trained (or loaded).
    spec : core.cnn.ModelSpec or None
        Its architecture, for the shuffled-label twin (None: that test is not offered).
    data : core.data.labelled.LabelledImages
        The current set (with lesion masks for the pointing game when it has them).
    train_idx, val_idx, eval_idx : numpy.ndarray
        Indices of the training, validation and held-out images.
    positive : int
        The class explained (the disease).
    names : sequence of str
        Class names.
    data_code : str, optional
        Code that defines ``data`` (`core.snippets.cnn.data_code`), for the "Show the code" panel (None: no panel).
    """
    st.header("8 · Heatmaps put to the test")
    explain_text(
        "A heatmap is a claim about the network. Three tests say whether to believe it: does it **change when "
        "the network changes** (sanity checks, Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018)? "
        "Do **other explanations** of the same prediction agree, and do they point at the lesion? And is it "
        "**faithful**: does removing what it highlights really take the evidence away (the deletion curve)?")
    candidates = eval_idx[data.labels[eval_idx] == positive]
    if data.masks is not None:
        with_mask = candidates[data.masks[candidates].any(axis=(1, 2))]
        candidates = with_mask if with_mask.size else candidates
    if candidates.size == 0:
        st.info(f"No held-out image of the class “{names[positive]}” to explain.")
        return
    cam_layers = cnn.cam_layer_names(model)
    if not cam_layers:
        st.info("This model has no layer with feature maps: the gradient maps cannot be drawn.")
        return
    a, b, c = st.columns(3)
    position = a.slider(f"Held-out “{names[positive]}” image", 1, len(candidates), 1, key="sup-explain-image") - 1
    layer = b.selectbox("Layer of the gradient maps", cam_layers, index=cam_layers.index(cnn.default_cam_layer(model)),
                        key="sup-explain-layer")
    size = data.images.shape[1]
    patch = c.select_slider("Occlusion patch (pixels)", [4, 6, 8, 12, 16], 8 if size >= 48 else 6,
                            key="sup-explain-patch", help="Side of the grey square slid over the image.")
    index = int(candidates[position])
    image = data.images[index]
    key = (id(model), index, layer, patch, positive)
    pointing = candidates[:MAX_POINTING_IMAGES] if data.masks is not None else np.array([], int)
    result = remembered_run(
        st.button("Put the heatmaps to the test", type="primary", icon=":material/science:", key="sup-explain-run"),
        RESULT, key, STOP, "The tests",
        lambda: _run_tests(model, image, positive, layer, patch, data.images[pointing] if pointing.size else None,
                           data.masks[pointing] if pointing.size else None))
    if result is None:
        st.caption(f"Runs every test on image {data.names[index] if data.names else index} (a few seconds): "
                   "the network randomised layer by layer, five maps side by side, their deletion curves"
                   + (f", and the pointing game on {pointing.size} held-out lesions." if pointing.size else "."))
        _shuffled_labels_test(model, spec, data, train_idx, val_idx, image, positive, layer, names)
        return
    _show(result, image, data.masks[index] if data.masks is not None else None, names[positive], pointing.size)
    if data_code is not None:
        show_code(sanity_and_deletion_snippet(data_code, index, layer, positive, DELETION_STEPS),
                  "Show the code: the sanity check and the deletion curves (needs the downloaded model)")
    _shuffled_labels_test(model, spec, data, train_idx, val_idx, image, positive, layer, names)
    _self_check(result)


def _show(result: dict, image: np.ndarray, mask: np.ndarray | None, class_name: str, n_pointing: int) -> None:
    st.subheader("Sanity check: randomise the network from the top")
    steps = result["cascade"]["Grad-CAM"]
    shown = steps if len(steps) <= 6 else [steps[0], *steps[1:-1][::max(1, (len(steps) - 2) // 4)][:4], steps[-1]]
    for column, step in zip(st.columns(len(shown)), shown):
        caption = ("Grad-CAM of the trained network" if step.layer == "original" else
                   f"Layers down to {step.layer} random: Spearman {step.spearman:.2f}, SSIM {step.ssim:.2f}")
        show_image(column, cnn.heatmap_overlay(image, step.heatmap), heatmap_alt(step.heatmap, caption),
                   width="stretch", output_format="PNG", caption=f"{caption} · {_where(step.heatmap)}")
    show_figure(st, _cascade_figure(result["cascade"]), table=True, config=PLOT_CONFIG, key="sup-explain-cascade")
    last = steps[-1]
    st.info(f"**What this tells you.** With every layer random, Grad-CAM's rank correlation with the original map "
            f"is {last.spearman:.2f} (SSIM {last.ssim:.2f}); the edge map, which never asks the network, stays at "
            "1.00. A map that survives the randomisation of the weights shows the image's edges, not what the "
            "network learned." + (" Here Grad-CAM **passes**: it depends on the learned weights." if last.spearman < 0.5
                                  else " Here Grad-CAM keeps much of its shape: treat it with caution."),
            icon=":material/lightbulb:")

    st.subheader("Other explanations of the same prediction")
    maps = result["maps"]
    outline = None
    if mask is not None and mask.any():
        from skimage.segmentation import find_boundaries
        outline = find_boundaries(mask, mode="outer")
    for column, (method, heat) in zip(st.columns(len(maps)), maps.items()):
        overlay = cnn.heatmap_overlay(image, heat)
        if outline is not None:
            overlay[outline] = (255, 255, 255)
        score = result["pointing"].get(method)
        show_image(column, overlay, heatmap_alt(heat, f"{method} map for “{class_name}”", mask if outline is not None else None),
                   width="stretch", output_format="PNG",
                   caption=f"{method} for “{class_name}” · {_where(heat)}"
                             + (f" · pointing game {score.mean():.0%}" if score is not None else "")
                             + (" · white outline: the true lesion" if outline is not None else ""))
    if result["pointing"]:
        st.dataframe({"method": list(result["pointing"]),
                      "pointing game": [f"{h.mean():.0%} ({int(h.sum())} of {h.size})" for h in result["pointing"].values()]},
                     hide_index=True, width="content")
    st.info("**What this tells you.** Occlusion asks the network directly (grey out a patch, watch the probability "
            "fall) and needs no gradient; HiResCAM multiplies each feature map by its own gradient pixel by pixel "
            "instead of by its average. When methods built so differently point at the same place"
            + (f" — scored on {n_pointing} held-out lesions by the pointing game —" if n_pointing else "")
            + " the explanation is more believable. The two baselines that ignore the network set the bar: a method "
              "must beat them.", icon=":material/lightbulb:")

    st.subheader("Faithfulness: the deletion curve")
    show_figure(st, _deletion_figure(result["deletion"]), table=True, config=PLOT_CONFIG, key="sup-explain-deletion")
    areas = {m: d[2] for m, d in result["deletion"].items()}
    smallest = min(areas.values())
    best = [m for m, area in areas.items() if area - smallest < 0.0005]
    st.info(f"**What this tells you.** Pixels are replaced by the image's mean, most highlighted first. A faithful "
            f"map removes the evidence early, so the class probability falls fast: a small area. Here "
            f"{' and '.join(best)} {'has' if len(best) == 1 else 'share'} the smallest area ({smallest:.3f}); the "
            f"random map's is {areas['random (ignores the model)']:.3f}, the edge map's "
            f"{areas['edges (ignores the model)']:.3f}.", icon=":material/lightbulb:")


def _shuffled_labels_test(model, spec, data, train_idx, val_idx, image, positive, layer, names) -> None:
    st.subheader("Data randomisation: the same network trained on shuffled labels")
    if spec is None:
        st.caption("Offered for a network trained on this page (its architecture is needed).")
        return
    key = (id(model), int(data.images.shape[0]), layer)
    epochs = 3 if lecturer_mode() else st.slider("Epochs on shuffled labels", 1, 20, 5, key="sup-explain-epochs")

    def train_twin() -> dict:
        bar = st.progress(0.0, text="Training on shuffled labels...")

        def report(epoch: int, history: cnn.History) -> None:
            bar.progress(epoch / epochs, text=f"Epoch {epoch}/{epochs} · validation accuracy "
                                              f"{history.val_accuracy[-1]:.1%}")

        twin, history = explain.train_on_shuffled_labels(
            spec, data.images[train_idx], data.labels[train_idx], data.images[val_idx], data.labels[val_idx],
            epochs, learning_rate=3e-3, seed=0, on_epoch=report)
        bar.empty()
        return {"model": twin, "history": history}

    shuffled = remembered_run(st.button("Train on shuffled labels", icon=":material/shuffle:", key="sup-explain-shuffle"),
                              SHUFFLED, key, STOP_SHUFFLED, "Training on shuffled labels", train_twin)
    if shuffled is None:
        st.caption("Trains a copy of your network, with the same settings, on the same images whose labels were "
                   "shuffled: there is nothing to learn but the images by heart.")
        return
    layers = cnn.cam_layer_names(shuffled["model"])
    real = explain.explain_map(model, image, "Grad-CAM", positive, layer)
    fake = explain.explain_map(shuffled["model"], image, "Grad-CAM", positive, layer if layer in layers else None)
    history = shuffled["history"]
    rho = explain.spearman(real, fake)
    left, right = st.columns(2)
    show_image(left, cnn.heatmap_overlay(image, real), heatmap_alt(real, f"Grad-CAM for “{names[positive]}”, real labels"),
               width="stretch", output_format="PNG",
               caption=f"Grad-CAM for “{names[positive]}”, real labels · {_where(real)}")
    show_image(right, cnn.heatmap_overlay(image, fake),
               heatmap_alt(fake, f"Grad-CAM for “{names[positive]}”, shuffled labels"), width="stretch",
               output_format="PNG", caption=f"Grad-CAM for “{names[positive]}”, shuffled labels (validation accuracy "
                        f"{history.val_accuracy[-1]:.0%}) · {_where(fake)} · Spearman {rho:.2f} with the real one")
    st.info(f"**What this tells you.** The shuffled-label network reached {history.val_accuracy[-1]:.0%} on the "
            f"validation images (training: {history.accuracy[-1]:.0%}): it learned nothing that generalises. Its "
            f"map's rank correlation with the real one is {rho:.2f}. If the two maps looked alike, the heatmap "
            "would be showing the image, not what was learned.", icon=":material/lightbulb:")


def _self_check(result: dict) -> None:
    st.markdown("**Check yourself (from your own network)**")
    last = result["cascade"]["Grad-CAM"][-1].spearman
    passes = last < 0.5
    ask("sup-explain-q1", Question(
        prompt=f"With every layer of your network randomised, Grad-CAM's rank correlation with the original map "
               f"was **{last:.2f}**; the edge map's stayed 1.00. Which of the two maps tells you about your network?",
        choices=("Grad-CAM", "the edge map", "both", "neither"), answer=0 if passes else 3,
        explanation=("A map that changes when the weights change depends on what the network learned; the edge "
                     "map cannot, it never asks the network." if passes else
                     "Grad-CAM kept much of its shape with random weights, and the edge map never looks at the "
                     "network: neither is shown to explain it.")))
    fractions, probabilities, _ = result["deletion"]["Grad-CAM"]
    below = np.flatnonzero(probabilities < 0.5)
    share = 100 * float(fractions[below[0]]) if below.size else 100.0
    step = 100 / (len(fractions) - 1)
    ask("sup-explain-q2", Question(
        prompt="Read your deletion curve: what share of the pixels (in %) had to be deleted, most highlighted by "
               "Grad-CAM first, before the probability of the class first fell below 0.5?",
        answer=round(share, 1), tolerance=step,
        explanation=(f"{share:.0f} %: at that step the probability is {probabilities[below[0]]:.2f}, after "
                     f"{probabilities[below[0] - 1]:.2f} one step ({step:.0f} % of the pixels) before."
                     if below.size and below[0] > 0 else
                     "The probability was below 0.5 from the start." if below.size else
                     "It never fell below 0.5, even with every pixel replaced: 100 %.")))
