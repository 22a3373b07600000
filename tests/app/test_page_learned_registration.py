"""AppTest of lesson 5's "Learned registration": a tiny training, the race against B-spline, the learner's pair.

The page's heavy work runs inline here (tests/app/conftest.py), except in the last test, which runs it on an
embedded Dask cluster as the app does.
"""

from __future__ import annotations

import os
import statistics

import pytest

from harness import (brighter_where_low, choose_sample, image_captions, page_test, problems, shown_code, shown_pictures,
                     widget)
from test_heavy_dask import local_cluster, on_dask  # noqa: F401 - the embedded cluster's fixtures

PAGE = "lessons/unsupervised.py"
HEADER = "7 · Learned registration: a network that registers in one pass"


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=300)
    app.session_state["unsup-learned-epochs"] = 1
    app.session_state["unsup-learned-pairs"] = 32
    app.session_state["unsup-learned-count"] = 2
    app.query_params["section"] = "Learned registration"  # the lesson shows one section at a time
    app.run()
    assert not problems(app), problems(app)
    return app


@pytest.fixture
def submitted(monkeypatch):
    """The kind and function of every task the page submits (`ui.heavy.run`, which still runs them)."""
    from ui import heavy

    calls = []
    real_run = heavy.run

    def recording_run(kind, function, *args, **kwargs):
        calls.append((kind, function))
        return real_run(kind, function, *args, **kwargs)

    monkeypatch.setattr(heavy, "run", recording_run)
    return calls


def test_train_compare_with_bspline_and_register_my_own_pair(at, submitted):
    from core import learned_registration as lr
    from core.heavy import train_registration

    assert HEADER in [h.value for h in at.header]
    assert any("Train the registration network" in i.value for i in at.info)
    at.button(key="unsup-learned-train").click()
    at.run()
    assert not problems(at), problems(at)
    trained = at.session_state["unsup-learned"]
    assert trained.history.epochs == 1 and trained.config.pairs == 32
    assert submitted == [("training", train_registration)]  # on the course's heavy-work path
    assert trained._model is None  # the task sends back the weights, not a Keras model
    assert any(c.value.startswith("Trained for 1 epochs") for c in at.caption)
    limits = [w.value for w in at.warning if "What it was trained on, and where it fails" in w.value]
    assert len(limits) == 1 and "only ever seen 32 pairs of 64 × 64" in limits[0] and "for 1 epochs" in limits[0]
    assert "Register the held-out pairs above to measure where it fails" in limits[0]  # no figures before the race
    snippets = [c for c in shown_code(at) if "keras.Input((size, size, 1)" in c]
    assert len(snippets) == 1 and "pairs=32" in snippets[0] and "epochs=1," in snippets[0]  # the current settings
    assert "make_pairs(slices[held_pos], spacing, 2, settings, 100_001)" in snippets[0]     # the pairs per case

    at.button(key="unsup-learned-compare").click()
    at.run()
    assert not problems(at), problems(at)
    rows = at.session_state["unsup-learned-compared"]["rows"]
    assert submitted[1:] == [("registration", lr.register_pairs)]  # the race is one task too
    assert len(rows) == 3 * 2 and {r["case"] for r in rows} == {"held out, like training", "another contrast (T2-like)",
                                                                  "motion twice as large"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Network TRE (median)"].endswith(" mm") and metrics["B-spline TRE (median)"].endswith(" mm")
    assert any(c.startswith("Network: TRE") for c in image_captions(at)) and any(c.startswith("B-spline: TRE") for c in image_captions(at))
    # the times measured in this run: the training's, and each method's per pair (median and range)
    times = [c.value for c in at.caption if c.value.startswith("Medians of each case. Times measured in this run:")]
    assert len(times) == 1
    network = [r["network time (s)"] * 1000 for r in rows]
    bspline = [r["B-spline time (s)"] for r in rows]
    assert f"training {trained.history.seconds:.0f} s for 1 epochs" in times[0]
    assert (f"the network {statistics.median(network):.0f} ms (from {min(network):.0f} to {max(network):.0f} ms)"
            in times[0])
    assert f"B-spline {statistics.median(bspline):.2f} s (from {min(bspline):.2f} to {max(bspline):.2f} s)" in times[0]
    # where it fails, with this run's figures
    limits = [w.value for w in at.warning if "What it was trained on, and where it fails" in w.value]
    assert len(limits) == 1
    for case, words in (("held out, like training", "on held-out pairs like its training ones"),
                        ("another contrast (T2-like)", "with another contrast"),
                        ("motion twice as large", "with motions twice as large")):
        median = statistics.median(r["network TRE (mm)"] for r in rows if r["case"] == case)
        assert f"{words} {median:.2f} mm" in limits[0]

    widget(at, "radio", "unsup-learned-source").set_value("my image (sidebar)")
    at.run()
    at.button(key="unsup-learned-own-run").click()
    at.run()
    assert not problems(at), problems(at)
    assert submitted[2:] == [("registration", lr.register_pairs)]
    assert any(c.startswith("Fixed (your image, resized to 64 × 64)") for c in image_captions(at))
    assert any("outside what the network was trained on" in c.value and "not a template slice" in c.value
               for c in at.caption)


def test_my_own_pair_from_a_monochrome1_image_is_registered_and_shown_as_its_file_asks(at):
    from core import samples

    rg3 = next(s.name for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file
    at.button(key="unsup-learned-train").click()
    at.run()
    choose_sample(at, rg3)
    widget(at, "radio", "unsup-learned-source").set_value("my image (sidebar)")
    at.run()
    assert any("A MONOCHROME1 image: inverted (1 − x)" in c.value for c in at.caption)
    at.button(key="unsup-learned-own-run").click()
    at.run()
    assert not problems(at), problems(at)
    fixed = next(p for c, p in shown_pictures(at).items() if c.startswith("Fixed (your image"))
    assert brighter_where_low(fixed, samples.load(rg3).data) > 100  # the lowest values white, as the file asks


def test_the_training_controls_start_from_the_recipe_s_defaults(at):
    from core import learned_registration as lr

    assert widget(at, "radio", "unsup-learned-similarity").value == lr.Config().similarity == "ncc"
    smoothness = widget(at, "select_slider", "unsup-learned-smoothness")
    assert smoothness.value == lr.Config().smoothness
    assert max(smoothness.options, key=float) != str(smoothness.value)  # room on both sides of the default


def test_stop_during_training_keeps_nothing_and_says_so(at, monkeypatch):
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from core import learned_registration as lr

    real_train = lr.train

    def train_until_stopped(config, on_epoch=None, on_batch=None, **kwargs):
        def report_then_stop(epoch, history):
            on_epoch(epoch, history)
            monkeypatch.setattr(lr, "train", real_train)
            raise StopException()

        return real_train(config, on_epoch=report_then_stop, on_batch=on_batch, **kwargs)

    monkeypatch.setattr(lr, "train", train_until_stopped)
    at.button(key="unsup-learned-train").click()
    at.run()
    assert not problems(at)
    assert widget(at, "button", "unsup-learned-stop")  # drawn while training
    assert "unsup-learned" not in at.session_state
    at.run()  # the rerun the press of Stop starts
    assert [i.value for i in at.info if "stopped before the end" in i.value] == [
        "Training stopped before the end (Stop, or another control, was pressed): nothing was kept. Press "
        "**Train the registration network** to start again."]
    assert "unsup-learned" not in at.session_state
    with pytest.raises(KeyError):
        widget(at, "button", "unsup-learned-stop")


def test_a_lost_training_says_so_and_train_works_again(at, monkeypatch):
    from ui import heavy

    real_run = heavy.run

    def lost(kind, function, *args, **kwargs):
        raise heavy.WorkLost(heavy.WORKER_LOST.format(kind=heavy.KINDS[kind][0]))

    monkeypatch.setattr(heavy, "run", lost)
    at.button(key="unsup-learned-train").click()
    at.run()
    assert not problems(at), problems(at)
    assert [e.value for e in at.error] == [heavy.WORKER_LOST.format(kind="training")]
    assert "unsup-learned" not in at.session_state
    monkeypatch.setattr(heavy, "run", real_run)
    at.button(key="unsup-learned-train").click()  # the learner presses Train again
    at.run()
    assert not problems(at), problems(at)
    assert not at.error and at.session_state["unsup-learned"].history.epochs == 1


def test_training_and_the_race_run_on_the_cluster_and_the_session_gets_weights(on_dask, at):
    """Through the real page with the embedded cluster: the network trains and registers on a worker."""
    from ui import heavy

    at.button(key="unsup-learned-train").click()
    at.run()
    assert not problems(at), problems(at)
    trained = at.session_state["unsup-learned"]
    assert trained.history.epochs == 1 and trained._model is None and len(trained.weights) > 0
    assert any(c.value.startswith("Trained for 1 epochs") for c in at.caption)
    at.button(key="unsup-learned-compare").click()
    at.run()
    assert not problems(at), problems(at)
    rows = at.session_state["unsup-learned-compared"]["rows"]
    assert len(rows) == 3 * 2 and all(r["network time (s)"] > 0 and r["B-spline TRE (mm)"] >= 0 for r in rows)
    assert trained._model is None  # the network was rebuilt from its weights on the worker, not in this session
    assert os.getpid() not in heavy.client().run(os.getpid).values()
