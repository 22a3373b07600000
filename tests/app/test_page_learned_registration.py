"""AppTest of lesson 5's "Learned registration": a tiny training, the race against B-spline, the learner's pair."""

from __future__ import annotations

import statistics

import pytest

from harness import page_test, problems, shown_code, widget

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


def captions(at) -> list[str]:
    return [caption for image in at.get("image") for caption in image.captions]


def test_train_compare_with_bspline_and_register_my_own_pair(at):
    assert HEADER in [h.value for h in at.header]
    assert any("Train the registration network" in i.value for i in at.info)
    at.button(key="unsup-learned-train").click()
    at.run()
    assert not problems(at), problems(at)
    trained = at.session_state["unsup-learned"]
    assert trained.history.epochs == 1 and trained.config.pairs == 32
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
    assert len(rows) == 3 * 2 and {r["case"] for r in rows} == {"held out, like training", "another contrast (T2-like)",
                                                                  "motion twice as large"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Network TRE (median)"].endswith(" mm") and metrics["B-spline TRE (median)"].endswith(" mm")
    assert any(c.startswith("Network: TRE") for c in captions(at)) and any(c.startswith("B-spline: TRE") for c in captions(at))
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
    assert any(c.startswith("Fixed (your image, resized to 64 × 64)") for c in captions(at))
    assert any("outside what the network was trained on" in c.value and "not a template slice" in c.value
               for c in at.caption)


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
