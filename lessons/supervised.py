"""Objective 6: supervised learning. A Keras CNN made visible: convolution, ReLU, pooling, training, evaluation, Grad-CAM.

One section at a time (chosen at the top, kept in the URL). The sections after
*Data* draw the data and network controls folded at their top, so a link to any
of them reopens the same set and network; they need a trained network and offer
the Train button where there is none. The course's words are in
assets/course/supervised.toml.
"""

from contextlib import nullcontext

import streamlit as st

from core import layers
from core.cnn import ModelSpec
from core.text.course_text import load_lesson
from core.questions.supervised import average_question, conv_parameters_question
from ui import explanations
from ui.lesson import explain, intro, lecture_presets, lecturer_mode, lesson_body, self_check
from ui.picker import show_upload_error
from ui.sections import choose_section
from ui.supervised_blocks import building_blocks, convolution, restore_lecture_matrices, room_tables, task_cards
from ui.supervised_claims import claims
from ui.supervised_data import choose_data, overview
from ui.supervised_network import choose_recipe, learned_kernel, needed, setup, training
from ui.supervised_results import evaluation, first_lesion, grad_cam, inside, positive_class
from ui.url_state import report_ignored_link_values

text = load_lesson("supervised")
st.title(f"{text.number} · {text.title}")
intro(text)
lecture_presets(text)
show_upload_error()
section = choose_section(text)
if lecturer_mode():
    room_tables()


def body() -> None:
    """The chosen section and the self-check, whose questions follow its matrices and network."""
    pressed = next((p.label for p in text.presets if st.session_state.get(f"{text.name}-preset-{p.label}")), None)
    average_matrix, spec = layers.AVERAGE_POOL_EXAMPLE, None
    if section == "Building blocks":
        if pressed == "Matrices":
            restore_lecture_matrices()
        average_matrix = building_blocks()
        explain(text.explanation("supervised"))
        task_cards(2 if lecturer_mode() else 4)
        explain(text.explanation("cnn"))
    elif section == "Convolution":
        convolution(learned_kernel())
    elif section == "Data":
        pictures = st.container() if lecturer_mode() else nullcontext()  # a room: the set above the controls choosing it
        choice = choose_data(text)
        if choice.data is not None:
            with pictures:
                overview(choice)
    else:
        trains_here = section == "Training"
        with st.expander("The data" if trains_here else "The data and the network", icon=":material/dataset:"):
            choice = choose_data()
            recipe = choose_recipe(choice, fold=False) if choice.data is not None and not trains_here else None
        if choice.data is None:
            st.info("Choose or upload a labelled set (in *Data*) to build a network for it.")
        elif trains_here:
            recipe = choose_recipe(choice, fold=lecturer_mode())
            spec = recipe.spec
            training(setup(choice, recipe), start=pressed == "Overfitting")
        else:
            spec, run = recipe.spec, setup(choice, recipe)
            if network := needed(run, start=pressed == "Grad-CAM" and section == "Grad-CAM"):
                if section == "Inside":
                    inside(network, run)
                elif section == "CNN claims tested":
                    claims(network, run, text)
                elif section == "Evaluation":
                    evaluation(network, run)
                elif section == "Grad-CAM":
                    if pressed == "Grad-CAM" and (lesion := first_lesion(run)):
                        st.session_state["sup-cam-image"] = lesion
                    grad_cam(network, run, text)
                else:
                    explanations.section(network.model, spec if network.history is not None else None, choice.data,
                                         run.train_idx, run.val_idx, run.eval_idx, positive_class(run),
                                         choice.data.class_names, choice.code)

    self_check("supervised", [
        lambda: average_question(average_matrix),
        lambda: conv_parameters_question(spec or ModelSpec(), spec is not None),
        *text.questions,
    ])


lesson_body(body, long_work=section not in ("Building blocks", "Convolution"))  # the others read files or train
report_ignored_link_values()
