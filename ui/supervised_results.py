"""Lesson 6's trained network opened up: its feature maps, its evaluation on held-out images, Grad-CAM.

Each function draws one section of the lesson for a `ui.supervised_network.Network`
that fits the current `Setup`; the numbers come from `core.cnn`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import cnn
from core.snippets import cnn as cnn_snippets
from core.data import labelled
from core.data import small_samples
from core.text.alt_text import describe_image, heatmap_alt
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.lesson import explain
from ui.picker import current
from ui.safe_text import md
from ui.supervised_blocks import table
from ui.supervised_data import gallery, unit_picture
from ui.supervised_network import Network, Setup
from ui.viewer import PLOT_CONFIG


def _probabilities(network: Network, setup: Setup) -> np.ndarray:
    """The network's class probabilities for the held-out images."""
    return cnn.predict_proba(network.model, setup.choice.data.images[setup.eval_idx])


def image_slider(container, setup: Setup, key: str) -> int:
    """A URL-bound slider over the held-out images (from 1); a value beyond a smaller set goes back to 1."""
    count = len(setup.eval_idx)
    if not 1 <= st.session_state.get(key, 1) <= count:
        st.session_state[key] = 1
    value = container.slider(f"Image ({setup.eval_label} set)", 1, max(count, 2), 1, key=key, bind="query-params",
                             disabled=count < 2)  # a slider needs two ends: one image is the only choice
    return min(value, count)


def positive_class(setup: Setup) -> int:
    """The class called positive (the disease): a URL-bound choice shared by the sections that need one."""
    names = setup.choice.data.class_names
    default = names.index("malignant") if "malignant" in names else len(names) - 1
    if st.session_state.get("sup-positive") not in range(len(names)):
        st.session_state.pop("sup-positive", None)
    return st.selectbox("Positive class (the disease)", range(len(names)), index=default, key="sup-positive",
                        bind="query-params", format_func=lambda c: names[c])


@st.fragment
def inside(network: Network, setup: Setup) -> None:
    """Feature maps of one held-out image after a convolution, its ReLU and its pooling."""
    model, data, eval_idx = network.model, setup.choice.data, setup.eval_idx
    conv_names = cnn.conv_layer_names(model)
    if not conv_names:
        st.info("This model has no convolution layer to look into.")
        return
    a, b, c = st.columns(3)
    position = image_slider(a, setup, "sup-inside-image") - 1
    conv = b.selectbox("Convolution layer", conv_names, key="sup-inside-layer", bind="query-params")
    shown = c.select_slider("Maps shown", [4, 8, 16, 32], 8, key="sup-inside-count", bind="query-params")
    index = int(eval_idx[position])
    proba = cnn.predict_proba(model, data.images[index][None])[0]
    maps = cnn.feature_maps(model, data.images[index], conv)
    left, right = st.columns([1, 4])
    with left:
        picture = unit_picture(data.images[index])
        name = data.names[index] if data.names else index
        show_image(st, picture, describe_image(picture, f"Input image {name}"), caption=md(name),
                   width="stretch", output_format="PNG")
        st.caption(" · ".join(f"{md(n)}: {p:.0%}" for n, p in zip(data.class_names, proba)))
    with right:
        for stage, text in (("convolution", "after the convolution (weighted sums plus bias: can be negative)"),
                            ("ReLU", "after ReLU (negative values set to 0: black)"),
                            ("pooling", "after pooling (half the rows and columns)")):
            if stage in maps:
                m = maps[stage]
                st.caption(f"**{m.shape[2]} maps of {m.shape[0]} × {m.shape[1]}** {text} · "
                           f"values {m.min():.3g} to {m.max():.3g}")
                show_image(st, cnn.feature_grid(m, columns=min(shown, 8), limit=shown, gap=2), width="stretch",
                           output_format="PNG", alt=f"Grid of the first {min(shown, m.shape[2])} of {m.shape[2]} "
                           f"feature maps {text}, each {m.shape[0]} × {m.shape[1]}, values {m.min():.3g} to "
                           f"{m.max():.3g}, each scaled to its own range")
    st.caption("Each map is scaled to its own range. Early layers respond to edges and colours; deeper ones, "
               "smaller and more numerous, to combinations of them.")
    layer_names = [layer.name for layer in model.layers]
    after = layer_names[layer_names.index(conv) + 1:]
    relu_name = next((n for n in after[:2] if n.startswith("relu")), None)
    pool_name = next((n for n in after if n.startswith("pool")), None)
    show_code(cnn_snippets.feature_maps_snippet(setup.choice.code, setup.recipe.validation, 0, index, conv,
                                                relu_name, pool_name, 0))


def evaluation(network: Network, setup: Setup) -> None:
    """Accuracy, sensitivity, specificity, AUC, the confusion matrix, the ROC curve and the misclassified images."""
    data, eval_idx = setup.choice.data, setup.eval_idx
    names, n_classes = data.class_names, len(data.class_names)
    positive = positive_class(setup)
    proba = _probabilities(network, setup)
    predicted = proba.argmax(axis=1)
    result = cnn.evaluate(data.labels[eval_idx], proba, positive)
    majority = labelled.class_counts(data.labels[eval_idx], n_classes).max() / max(len(eval_idx), 1)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Accuracy", f"{result.accuracy:.1%}", help="Share of right answers.")
    m2.metric("Sensitivity", "n/a" if np.isnan(result.sensitivity) else f"{result.sensitivity:.1%}",
              help=f"Of the truly {md(names[positive])} images, the share found (true positive rate).")
    m3.metric("Specificity", "n/a" if np.isnan(result.specificity) else f"{result.specificity:.1%}",
              help=f"Of the images that are not {md(names[positive])}, the share correctly cleared (true negative "
                   "rate).")
    m4.metric("AUC", "n/a" if np.isnan(result.auc) else f"{result.auc:.3f}",
              help="Area under the ROC curve: 0.5 is guessing, 1 is perfect.")
    st.caption(f"On the {len(eval_idx)} {setup.eval_label} images. Always answering the biggest class would score "
               f"{majority:.0%} accuracy: a model must beat that, and find the {md(names[positive])} images "
               "(sensitivity).")
    if caution := small_samples.caution_text(small_samples.few_examples(data.labels[eval_idx], names), len(eval_idx)):
        st.warning(caution, icon=":material/warning:")
    left, right = st.columns(2)
    with left:
        st.caption("Confusion matrix: rows are the truth, columns the network's answer")
        table(pd.DataFrame(result.confusion, index=[f"is {n}" for n in names], columns=[f"said {n}" for n in names]),
              width="content")
    with right:
        if np.isnan(result.auc):
            st.info("The ROC curve needs images of the positive class and of the others.")
        else:
            roc = go.Figure(go.Scatter(x=result.fpr, y=result.tpr, mode="lines+markers", name="network",
                                       hovertemplate="1 − specificity %{x:.2f}<br>sensitivity %{y:.2f}<extra></extra>"))
            roc.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="guessing")
            roc.update_layout(title=f"ROC curve · AUC {result.auc:.3f}", height=330, xaxis_title="1 − specificity",
                              yaxis_title="sensitivity", margin={"l": 10, "r": 10, "t": 40, "b": 10})
            show_figure(st, roc, table=True, config=PLOT_CONFIG, key="sup-roc")
    wrong = np.flatnonzero(predicted != data.labels[eval_idx])
    st.caption(f"**{len(wrong)} misclassified** of {len(eval_idx)}"
               + (": the first ones below." if len(wrong) else "."))
    if len(wrong):
        gallery([data.images[eval_idx[i]] for i in wrong[:12]],
                [f"is {names[data.labels[eval_idx[i]]]}, said {names[predicted[i]]} ({proba[i].max():.0%})"
                 for i in wrong[:12]], columns=6)
    show_code(cnn_snippets.evaluation_snippet(setup.choice.code, setup.recipe.validation, 0, data.test is not None,
                                              positive))


def first_lesion(setup: Setup) -> int | None:
    """The position (from 1) of the first held-out image with a lesion, for the Grad-CAM preset (None: none)."""
    data = setup.choice.data
    if data.masks is None:
        return None
    with_lesion = np.flatnonzero(data.masks[setup.eval_idx].any(axis=(1, 2)))
    return int(with_lesion[0]) + 1 if with_lesion.size else None


@st.fragment
def grad_cam(network: Network, setup: Setup, text) -> None:
    """Grad-CAM on a held-out image (with the pointing game when the lesions are known), then on the learner's."""
    model, data, eval_idx = network.model, setup.choice.data, setup.eval_idx
    names = data.class_names
    cam_layers = cnn.cam_layer_names(model)
    if not cam_layers:
        st.info("This model has no layer with feature maps for Grad-CAM.")
        return
    a, b, c, d = st.columns(4)
    position = image_slider(a, setup, "sup-cam-image") - 1
    target = b.selectbox("Explain the class", [None, *range(len(names))], key="sup-cam-class", bind="query-params",
                         format_func=lambda t: "the predicted one" if t is None else names[t])
    layer = c.selectbox("Layer", cam_layers, index=cam_layers.index(cnn.default_cam_layer(model)),
                        key="sup-cam-layer", bind="query-params",
                        help="The last convolution sees the largest patterns; earlier ones give sharper, more local "
                             "maps.")
    opacity = d.slider("Heatmap opacity", 0.0, 1.0, 0.5, 0.05, key="sup-cam-opacity", bind="query-params")
    index = int(eval_idx[position])
    image = data.images[index]
    proba = cnn.predict_proba(model, image[None])[0]
    heatmap = cnn.grad_cam(model, image, target, layer)
    explained = int(proba.argmax()) if target is None else int(target)
    has_mask = data.masks is not None and data.masks[index].any()
    overlay = cnn.heatmap_overlay(image, heatmap, opacity)
    if has_mask:
        from skimage.segmentation import find_boundaries

        overlay[find_boundaries(data.masks[index], mode="outer")] = (255, 255, 255)
    left, right = st.columns(2)
    show_image(left, overlay, heatmap_alt(heatmap, f"Grad-CAM heatmap for “{names[explained]}” (viridis: dark "
               "purple low, yellow high)", data.masks[index] if has_mask else None),
               caption=f"Grad-CAM for “{md(names[explained])}” (p = {proba[explained]:.0%}), layer {md(layer)}"
               + (" · white outline: the true lesion" if has_mask else ""), width="stretch", output_format="PNG")
    shown = unit_picture(image)
    show_image(right, shown, describe_image(shown, f"Input image, truth: {names[data.labels[index]]}"),
               caption=f"{md(data.names[index] if data.names else index)} · truth: {md(names[data.labels[index]])}",
               width="stretch", output_format="PNG")
    if not heatmap.any():
        st.warning(f"The map is blank: nothing in this image raises the score of “{md(names[explained])}” at layer "
                   f"{md(layer)}. Try the other class or another layer.", icon=":material/visibility_off:")
    if data.masks is not None:
        positive = positive_class(setup)
        with_finding = eval_idx[(data.labels[eval_idx] == positive) & data.masks[eval_idx].any(axis=(1, 2))]
        if with_finding.size:
            maps, _ = cnn.grad_cams(model, data.images[with_finding], positive, layer)
            hits = cnn.pointing_game(maps, data.masks[with_finding])
            st.metric("Pointing game", f"{hits.mean():.0%}", f"{int(hits.sum())} of {hits.size} "
                      f"{md(names[positive])} images", delta_color="off", delta_arrow="off",
                      help="Share of the images whose Grad-CAM maximum (for the positive class) falls on the true "
                           "lesion mask (Zhang et al. 2018). A high score says the network looks at the lesion, "
                           "not at the background.")
    show_code(cnn_snippets.grad_cam_snippet(setup.choice.code, index, layer, target))
    explain(text.explanation("grad_cam"))
    own_image(network, setup, target, layer, opacity, text)


def own_image(network: Network, setup: Setup, target: int | None, layer: str, opacity: float, text) -> None:
    """The network's answer and Grad-CAM on the sidebar's image, scaled to its input."""
    st.subheader("On your own image")
    spec, names = setup.recipe.spec, setup.choice.data.class_names
    volume = current().volume
    inverted = volume.low_values_white
    st.caption(f"The image chosen in the sidebar (**{md(volume.name)}**; middle slice for a 3D image), scaled to "
               f"{spec.input_size} × {spec.input_size} × {spec.channels} for the network"
               + (". A MONOCHROME1 image: inverted (1 − x) as its file asks, as a class-folder .zip's images are, "
                  "so the network sees it as it is shown, low values white." if inverted else "."))
    try:
        own = labelled.to_model_input(volume.slice2d(), spec.input_size, spec.channels, invert=inverted)
    except ValueError as exc:
        st.error(f"This image cannot be fed to the network: {exc}.")
        return
    own_proba = cnn.predict_proba(network.model, own[None])[0]
    own_class = int(own_proba.argmax()) if target is None else int(target)
    own_map = cnn.grad_cam(network.model, own, own_class, layer)
    x, y = st.columns(2)
    shown = unit_picture(own)
    show_image(x, shown, describe_image(shown, "What the network receives"), caption="What the network receives",
               width="stretch", output_format="PNG")
    show_image(y, cnn.heatmap_overlay(own, own_map, opacity), heatmap_alt(own_map, f"Grad-CAM heatmap for "
               f"“{names[own_class]}” (viridis: dark purple low, yellow high)"), width="stretch", output_format="PNG",
               caption=f"Grad-CAM for “{md(names[own_class])}” · "
               + " · ".join(f"{md(n)}: {p:.0%}" for n, p in zip(names, own_proba)))
    if not own_map.any():
        st.warning("The map is blank for this image and class.", icon=":material/visibility_off:")
    st.info(text.explanation("own_image"), icon=":material/psychology_alt:")
