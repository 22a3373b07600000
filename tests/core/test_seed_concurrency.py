"""A learner's seed gives the learner's result, whatever other learners train at the same time.

Keras draws initial weights, dropout and shuffling from process-wide
generators that ``keras.utils.set_random_seed`` resets. Here a second
learner presses Train exactly while the first one's run is being seeded and
built (the moment their random streams would mix); each must still get, to
the last bit, what its seed gives alone.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core import cnn
from core.data import labelled
from core.data import lesions

SPEC = cnn.ModelSpec(input_size=32, channels=1, conv_blocks=2, filters=4, dense_units=8, dropout=0.3)


@pytest.fixture(scope="module")
def data():
    cnn.keras_module()
    images = lesions.generate(64, size=32, seed=1)
    train, held = labelled.stratified_split(images.labels, 0.25, seed=0)
    return images, train, held


def _run(data, seed: int) -> tuple[list[float], np.ndarray]:
    images, train, held = data
    model = cnn.build_model(SPEC, seed=seed)
    history = cnn.train(model, images.images[train], images.labels[train], images.images[held], images.labels[held],
                        epochs=3, batch_size=16, learning_rate=5e-3, seed=seed)
    return history.loss + history.val_accuracy, model.get_layer("output").get_weights()[0]


@pytest.mark.parametrize("other", [1, 0], ids=["another seed", "the same seed"])
def test_a_training_started_during_another_gives_what_each_gives_alone(data, monkeypatch, other):
    keras = cnn.keras_module()
    alone = {seed: _run(data, seed) for seed in {0, other}}
    real_seed = keras.utils.set_random_seed
    second_seeded = threading.Event()
    results: dict[str, tuple] = {}
    threads: list[threading.Thread] = []

    def second() -> None:
        results["second"] = _run(data, other)

    def seeding(seed: int) -> None:  # the moment a run seeds the process's generators
        real_seed(seed)
        if threading.current_thread().name == "second":
            second_seeded.set()
        elif not threads:  # the first learner is being seeded: the second one presses Train now
            threads.append(threading.Thread(target=second, name="second"))
            threads[0].start()
            second_seeded.wait(timeout=5)  # with its own random state, the second run waits for the first

    monkeypatch.setattr(keras.utils, "set_random_seed", seeding)
    results["first"] = _run(data, 0)
    threads[0].join()
    monkeypatch.setattr(keras.utils, "set_random_seed", real_seed)
    assert alone[0][0] != _run(data, 1)[0] if other == 1 else True  # the seed matters
    for who, seed in (("first", 0), ("second", other)):
        loss, weights = results[who]
        assert loss == alone[seed][0] and np.array_equal(weights, alone[seed][1]), who


def test_a_seed_gives_the_same_network_whatever_else_draws_from_python_s_random(data, monkeypatch):
    """A Dask worker's or a server's own threads draw from Python's process-wide `random` while a
    training is seeded: the network must not depend on it (the initial weights and dropout have their
    own seeds from the run's seed)."""
    import random

    alone = _run(data, seed=5)
    draws = iter(range(1, 10**6))
    monkeypatch.setattr(random, "randint", lambda low, high: low + next(draws) % (high - low))  # other threads' draws
    disturbed = _run(data, seed=5)
    assert alone[0] == disturbed[0]
    assert np.array_equal(alone[1], disturbed[1])
