"""Speed of the Supervised learning page: training the default CNN, Grad-CAM, and opening the page.

1. The default model (the page's defaults: 800 dermoscopy-like images of
   64 × 64, 3 blocks of 8/16/32 filters, flatten, 20 epochs, batch 32,
   learning rate 0.003, 20% held out) trained by `core.cnn.train` with its
   per-epoch callback. Goals: < 30 s on 2 CPU cores, validation accuracy >= 90%.
2. The same `model.fit` in a plain script (the page's own training snippet,
   in a fresh Python process with TensorFlow's default threads). Goal: core
   within 10% of it.
3. One Grad-CAM map (`core.cnn.grad_cam`) of one 64 × 64 image with the trained model. Goal: < 50 ms.
4. Opening the page in AppTest in a fresh process: the first run (generates
   the images; TensorFlow is not imported until Train), a second run
   (cached), then the first press of Train (imports TensorFlow once per
   server, then trains the default network).

Prints medians as table rows, with the machine's core count. The machine may
be shared: run it on a quiet machine for numbers to compare.

Usage: .venv/bin/python benchmarks/bench_cnn.py [--runs 3]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import ROOT, Row, median, run_alone  # noqa: E402

DATA = {"n": 800, "fraction": 0.5, "size": 64, "seed": 0}
TRAINING = {"epochs": 20, "batch_size": 32, "learning_rate": 3e-3, "validation_fraction": 0.2}


def default_setup():
    from core import cnn
    from core.data import dermoscopy
    from core.data import labelled

    data = dermoscopy.generate(DATA["n"], DATA["fraction"], DATA["size"], DATA["seed"])
    train, validation, _ = labelled.training_split(data, TRAINING["validation_fraction"], seed=0)
    spec = cnn.ModelSpec(input_size=DATA["size"], channels=3, n_classes=2)
    return data, train, validation, spec


def core_training(runs: int):
    from core import cnn

    data, train, validation, spec = default_setup()
    results, model = [], None
    for _ in range(runs):
        model = cnn.build_model(spec)
        history = cnn.train(model, data.images[train], data.labels[train], data.images[validation],
                            data.labels[validation], TRAINING["epochs"], TRAINING["batch_size"],
                            TRAINING["learning_rate"], seed=0, on_epoch=lambda epoch, h: None)
        results.append((history.seconds, history.val_accuracy[-1]))
    return results, model, data.images[validation]


def plain_script_training(runs: int) -> list[tuple[float, float]]:
    """The page's training snippet, with a clock around its model.fit, in a fresh process each run."""
    from core.snippets import cnn as cnn_snippets
    from core.cnn import ModelSpec

    code = cnn_snippets.training_snippet(
        ModelSpec(input_size=DATA["size"], channels=3, n_classes=2),
        cnn_snippets.data_code("dermoscopy", DATA["n"], DATA["fraction"], DATA["size"], DATA["seed"]),
        TRAINING["epochs"], TRAINING["batch_size"], TRAINING["learning_rate"], TRAINING["validation_fraction"])
    marker = "history = model.fit("
    assert marker in code
    code = code.replace(marker, "import time\nstart = time.perf_counter()\n" + marker)
    code = code.replace(f'model.save("{cnn_snippets.MODEL_FILE}")',
                        'print("FIT", time.perf_counter() - start, history.history["val_accuracy"][-1])')
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))
        line = next(line for line in out.stdout.splitlines() if line.startswith("FIT"))
        _, seconds, accuracy = line.split()
        results.append((float(seconds), float(accuracy)))
    return results


def grad_cam_times(model, images: np.ndarray, runs: int = 50) -> list[float]:
    from core import cnn

    cnn.grad_cam(model, images[0])  # warm up
    times = []
    for i in range(runs):
        start = time.perf_counter()
        heatmap = cnn.grad_cam(model, images[i % len(images)])
        times.append(time.perf_counter() - start)
        assert heatmap.shape == images.shape[1:3]
    return times


PAGE_OPEN = """
import sys, time
sys.path[:0] = [{root!r}, {harness!r}]
from harness import page_test, widget
at = page_test("lessons/supervised.py", timeout=900)
at.query_params["section"] = "Training"  # the lesson shows one section at a time; this one has the Train button
for _ in range(2):
    start = time.perf_counter()
    at.run()
    print("OPEN", time.perf_counter() - start)
    assert not at.exception, [e.value for e in at.exception]
print("TF", int("tensorflow" in sys.modules))
widget(at, "button", "sup-train").click()
start = time.perf_counter()
at.run()
print("TRAIN", time.perf_counter() - start)
assert not at.exception, [e.value for e in at.exception]
"""


def page_times() -> dict[str, float]:
    """In a fresh process: the page's first and second AppTest run, whether TensorFlow got imported, the first Train."""
    code = PAGE_OPEN.format(root=str(ROOT), harness=str(ROOT / "tests" / "app"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    found: dict[str, list[float]] = {}
    for key, _, value in (line.partition(" ") for line in out.stdout.splitlines()):
        if key in ("OPEN", "TF", "TRAIN"):
            found.setdefault(key, []).append(float(value))
    if "TRAIN" not in found:
        raise RuntimeError(f"the page did not train: {out.stderr.strip().splitlines()[-1:]}")
    (first, second), [tensorflow], [train] = found["OPEN"], found["TF"], found["TRAIN"]
    return {"first": first, "second": second, "tensorflow": tensorflow, "train": train}


def rows(runs: int = 3) -> list[Row]:
    plain, core = [], []
    for _ in range(runs):  # alternate, so both see the same load on a shared machine
        plain += plain_script_training(1)
        results, model, held_out = core_training(1)
        core += results
    page = page_times()
    cam = median(grad_cam_times(model, held_out)) * 1000
    core_s, core_acc = median(s for s, _ in core), median(a for _, a in core)
    plain_s, plain_acc = median(s for s, _ in plain), median(a for _, a in plain)
    return [
        Row("cnn: default model, core.cnn.train (20 epochs, 640 images of 64 × 64 × 3)", core_s, unit="s",
            reference=plain_s, reference_name=f"model.fit in a plain script, accuracy {plain_acc:.1%}",
            goal="≤ 1.1× reference and < 30 s", ok=core_s <= 1.1 * plain_s and core_s < 30),
        Row("cnn: its validation accuracy (160 held-out images)", core_acc * 100, unit="%", goal="≥ 90 %",
            ok=core_acc >= 0.9),
        Row("cnn: one Grad-CAM map, 64 × 64 (core.cnn.grad_cam)", cam, goal="< 50 ms", ok=cam < 50,
            note="median of 50 maps"),
        Row("supervised page, first open (800 images generated) — TensorFlow "
            + ("imported" if page["tensorflow"] else "not imported"), page["first"], unit="s",
            reference=page["second"], reference_name="second open, cached", goal="no TensorFlow before Train",
            ok=not page["tensorflow"], note="one run"),
        Row("supervised page, first Train on a fresh server (TensorFlow import, then 20 epochs)", page["train"],
            unit="s", reference=core_s, reference_name="core.cnn.train alone", goal="import paid once per server",
            note="one run"),
    ]


if __name__ == "__main__":
    run_alone(rows, __doc__, runs=3)
