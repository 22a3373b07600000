"""TensorFlow and Keras load only when the supervised page or a core.cnn function needs them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def heavy_modules_after(statement: str) -> str:
    script = f"{statement}\nimport sys\nprint('HEAVY', sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_importing_the_supervised_core_modules_does_not_import_tensorflow():
    out = heavy_modules_after("import core.layers, core.data.lesions, core.data.dermoscopy, core.io.class_folders, core.data.labelled, "
                              "core.cnn, core.snippets.cnn")
    assert "HEAVY []" in out


def test_importing_the_app_level_modules_does_not_import_tensorflow():
    assert "HEAVY []" in heavy_modules_after("import ui.course, ui.picker, ui.viewer, ui.code, core.io, core.samples")


def test_generating_the_data_sets_does_not_import_tensorflow():
    out = heavy_modules_after("from core.data import dermoscopy, lesions\n"
                              "dermoscopy.generate(4, size=16)\nlesions.generate(4, size=16)")
    assert "HEAVY []" in out


def test_a_cnn_function_does_import_it():
    assert "HEAVY ['keras', 'tensorflow']" in heavy_modules_after("from core.cnn import keras_module\nkeras_module()")


def test_the_layer_table_needs_no_tensorflow():
    out = heavy_modules_after("from core.cnn import ModelSpec, layer_table\n"
                              "print('TOTAL', sum(r['parameters'] for r in layer_table(ModelSpec(input_size=32))))")
    assert "HEAVY []" in out
    # 32 × 32 × 3: conv 224 + 1,168 + 4,640, flatten 4 × 4 × 32 = 512 → dense 32: 16,416, output 66
    assert "TOTAL 22514" in out
