"""AppTest of lesson 6's "Heatmaps put to the test": every test runs on a small trained network and is shown."""

from __future__ import annotations

import numpy as np
import pytest

from harness import image_captions, page_test, problems, shown_code, widget

PAGE = "lessons/supervised.py"
SMALL = {"sup-n-lesions": 80, "sup-size": 32, "sup-blocks": 2, "sup-epochs-lesions": 3}


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=300, state={**SMALL, "section": "Heatmaps tested"})  # one section at a time
    app.run()
    widget(app, "radio", "sup-source").set_value("lesions")
    app.run()
    app.button(key="sup-train").click()
    app.run()
    assert not problems(app), problems(app)
    return app


def test_the_tests_run_and_show_randomisation_other_maps_deletion_and_a_self_check(at):
    assert "8 · Heatmaps put to the test" in [h.value for h in at.header]
    assert not any("Spearman" in c for c in image_captions(at))  # nothing before the button
    at.button(key="sup-explain-run").click()
    at.run()
    assert not problems(at), problems(at)
    subheaders = [h.value for h in at.subheader]
    for title in ("Sanity check: randomise the network from the top", "Other explanations of the same prediction",
                  "Faithfulness: the deletion curve"):
        assert title in subheaders
    shown = image_captions(at)
    assert any(c.startswith("Layers down to") and "Spearman" in c for c in shown)
    for method in ("Grad-CAM", "HiResCAM", "occlusion", "edges (ignores the model)", "random (ignores the model)"):
        assert any(c.startswith(f"{method} for “lesion”") and "pointing game" in c for c in shown), method
    result = at.session_state["sup-explain-result"]
    assert set(result["deletion"]) == set(result["pointing"]) and len(result["deletion"]) == 5
    infos = "\n".join(i.value for i in at.info)
    assert infos.count("What this tells you") == 3
    snippets = [c for c in shown_code(at) if "deletion area Grad-CAM" in c]  # "Show the code", current choices
    assert len(snippets) == 1 and f"layer_name={at.selectbox(key='sup-explain-layer').value!r}" in snippets[0]
    assert "steps=50" in snippets[0] and "keras.saving.load_model('supervised_model.keras')" in snippets[0]
    # the self-check is computed from this network: the share deleted before Grad-CAM's curve falls below 0.5
    fractions, probabilities, _ = result["deletion"]["Grad-CAM"]
    assert len(fractions) == 51
    below = np.flatnonzero(probabilities < 0.5)
    share = 100 * fractions[below[0]] if below.size else 100.0
    widget(at, "number_input", "sup-explain-q2").set_value(float(share))
    at.run()
    assert any(s.value.startswith("Right.") for s in at.success)
    widget(at, "number_input", "sup-explain-q2").set_value(float(share) + 10)
    at.run()
    assert any(e.value.startswith("Not quite.") for e in at.error)

def test_shuffled_labels_train_a_twin_whose_map_is_compared(at):
    at.session_state["sup-explain-epochs"] = 1
    at.button(key="sup-explain-shuffle").click()
    at.run()
    assert not problems(at), problems(at)
    assert "sup-explain-shuffled" in at.session_state
    assert any("shuffled labels (validation accuracy" in c and "Spearman" in c for c in image_captions(at))
