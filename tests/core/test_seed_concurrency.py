"""A learner's seed gives the learner's result, whatever other learners train at the same time.

Keras draws initial weights, dropout and shuffling from process-wide
generators; two trainings in one server, one started while the other runs,
must each give exactly what they give alone.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core import cnn, labelled, lesions

SPEC = cnn.ModelSpec(input_size=32, channels=1, conv_blocks=2, filters=4, dense_units=8, dropout=0.3)


@pytest.fixture(scope="module")
def data():
    cnn.keras_module()
    images = lesions.generate(96, size=32, seed=1)
    train, held = labelled.stratified_split(images.labels, 0.25, seed=0)
    return images, train, held


def _run(data, seed: int, on_epoch=None) -> tuple[list[float], np.ndarray]:
    images, train, held = data
    model = cnn.build_model(SPEC, seed=seed)
    history = cnn.train(model, images.images[train], images.labels[train], images.images[held], images.labels[held],
                        epochs=4, batch_size=16, learning_rate=5e-3, seed=seed,
                        on_epoch=on_epoch)
    return history.loss + history.val_accuracy, model.get_layer("output").get_weights()[0]


def test_two_trainings_at_once_each_give_what_they_give_alone(data):
    alone = {seed: _run(data, seed) for seed in (0, 1)}
    assert alone[0][0] != alone[1][0]  # the seed matters
    results: dict = {}
    second_started = threading.Event()

    def second(seed: int) -> None:
        second_started.set()
        results[("second", seed)] = _run(data, seed)

    threads = []

    def start_the_second_learner(epoch, history, seed):
        if epoch == 1 and not threads:  # the second learner presses Train while the first one trains
            thread = threading.Thread(target=second, args=(seed,))
            threads.append(thread)
            thread.start()
            second_started.wait()

    for other in (0, 1):  # the same seed, then another seed
        threads.clear()
        results[("first", other)] = _run(data, 0, on_epoch=lambda e, h: start_the_second_learner(e, h, other))
        threads[0].join()
        first_loss, first_weights = results[("first", other)]
        assert first_loss == alone[0][0] and np.array_equal(first_weights, alone[0][1]), other
        second_loss, second_weights = results[("second", other)]
        assert second_loss == alone[other][0] and np.array_equal(second_weights, alone[other][1]), other
