"""Opening the Keras pages and moving their controls imports no TensorFlow; training (or running) does.

Each test drives a page with AppTest in a fresh Python process, so that nothing an earlier test imported
hides an import the page makes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROLOGUE = f"""
import json, sys
sys.path.insert(0, {str(ROOT / 'tests' / 'app')!r})
from harness import page_test, problems, widget

def heavy():
    return sorted(m for m in ("tensorflow", "keras", "SimpleITK") if m in sys.modules)

out = {{}}
"""


def run_script(body: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROLOGUE + body + "\nprint('RESULT', json.dumps(out))"],
                            cwd=ROOT, capture_output=True, text=True, timeout=850)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_supervised_page_loads_tensorflow_only_when_training():
    out = run_script("""
at = page_test("lessons/supervised.py", timeout=600)
for key, value in {"sup-n-dermoscopy": 60, "sup-size": 32, "sup-epochs-dermoscopy": 2}.items():
    at.session_state[key] = value
at.run()
out["opened"] = heavy()
widget(at, "button_group", "section").set_value("Convolution")
at.run()
widget(at, "selectbox", "sup-kernel").set_value("Sobel, vertical edges")
widget(at, "slider", "sup-row").set_value(3)
at.run()
out["markdown"] = [m.value for m in at.markdown]
widget(at, "button_group", "section").set_value("Training")
at.run()
widget(at, "slider", "sup-blocks").set_value(3)
widget(at, "select_slider", "sup-filters").set_value(16)
at.run()
out["moved"] = heavy()
out["problems"] = problems(at)
out["captions"] = [c.value for c in at.caption]
table = next(d.value for d in at.dataframe if "parameters" in d.value.columns)
out["table"] = table.to_dict("records")
out["stop shown"] = any(b.key == "sup-stop" for b in at.button)
at.button(key="sup-train").click()
at.run()
out["trained"] = heavy()
out["problems after"] = problems(at)
model = at.session_state["sup_trained"].model
out["keras parameters"] = int(model.count_params())
out["epochs"] = at.session_state["sup_trained"].history.epochs
widget(at, "button_group", "section").set_value("Evaluation")
at.run()
out["metrics"] = {m.label: m.value for m in at.metric}
""")
    assert out["opened"] == [] and out["moved"] == [], out
    assert out["problems"] == []
    assert any("**Sum** =" in m and "pixel (3," in m for m in out["markdown"])  # the convolution demo moved
    # 32 × 32 × 3 input, 3 blocks from 16 filters: 448 + 4,640 + 18,496; flatten 4 × 4 × 64 → 32 units: 32,800; 66
    assert [(r["layer"], r["parameters"]) for r in out["table"] if r["parameters"]] == [
        ("conv1", 448), ("conv2", 4640), ("conv3", 18496), ("dense", 32800), ("output", 66)]
    assert any("**56,450 parameters**" in c for c in out["captions"])
    assert any("TensorFlow 2." in c and "Keras 3." in c and "loaded when you train" in c for c in out["captions"])
    assert not out["stop shown"]
    assert out["trained"] == ["keras", "tensorflow"] and out["problems after"] == []
    assert out["keras parameters"] == 56450  # the table, computed without Keras, is the real model's count
    assert out["epochs"] == 2 and "Accuracy" in out["metrics"]


def test_case_study_page_loads_tensorflow_and_simpleitk_only_when_run():
    out = run_script("""
at = page_test("lessons/case_study.py", timeout=600)
at.run()
out["opened"] = heavy()
before = [c for image in at.get("image") for c in image.captions]
for key, value in (("cs_n", 20), ("cs_atrophy", 6.0), ("cs_motion", 0.5), ("cs_epochs", 5)):
    widget(at, "slider", key).set_value(value)
    at.run()
out["moved"] = heavy()
out["previews changed"] = before != [c for image in at.get("image") for c in image.captions]
out["problems"] = problems(at)
out["stop shown"] = any(b.key == "cs-stop" for b in at.button)
widget(at, "button_group", "section").set_value("Results")
at.run()
out["results opened"] = heavy()
widget(at, "button", "cs_run").click()
at.run()
out["run"] = heavy()
out["problems after"] = problems(at)
cohort = at.session_state["case_study_result"].cohort
out["params"] = [cohort.n, cohort.atrophy_mm, cohort.motion, cohort.epochs]
""")
    assert out["opened"] == [] and out["moved"] == [] and out["results opened"] == [], out
    assert out["previews changed"] and out["problems"] == [] and not out["stop shown"]
    assert out["run"] == ["SimpleITK", "keras", "tensorflow"] and out["problems after"] == []
    assert out["params"] == [20, 6.0, 0.5, 5]
