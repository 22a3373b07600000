"""Lesson 6's computed self-check questions: answers from the learner's own matrix and network."""

from __future__ import annotations

import numpy as np

from core import layers
from core.cnn import ModelSpec
from core.questions.selfcheck import is_correct
from core.questions.supervised import average_question, conv_parameters_question


def test_the_average_pooling_question_keeps_the_fraction_of_the_matrix_as_left():
    question = average_question(layers.AVERAGE_POOL_EXAMPLE)
    assert question.answer == 36.5 and question.numeric
    assert "(31 + 15 + 0 + 100) / 4 = **36.5**" in question.explanation
    assert is_correct(question, 36.5) and not is_correct(question, 36)
    edited = np.array([[1, 2, 9], [3, 5, 9], [9, 9, 9]])
    assert average_question(edited).answer == 2.75


def test_the_parameter_question_counts_weights_and_biases_of_the_first_convolution():
    colour = conv_parameters_question(ModelSpec(channels=3, filters=8, kernel_size=3), on_screen=True)
    assert colour.answer == 3 * 3 * 3 * 8 + 8 == 224
    assert "colour images (3 channels)" in colour.prompt and "row *conv1*" in colour.explanation
    grey = conv_parameters_question(ModelSpec(channels=1, filters=16, kernel_size=5), on_screen=False)
    assert grey.answer == 5 * 5 * 1 * 16 + 16 and "row" not in grey.explanation
