"""Names are data in generated code: every snippet generator, fed hostile names, writes them as string literals.

A file name, a zip member, a class folder, a layer of an uploaded model or a
DICOM Modality reaches the "Show the code" panels and the downloaded page
code. Each generator below gets names built to break out of a string literal
(quotes, backslashes, line breaks, braces); the code must still parse, hold
the name as one string constant equal to it, and call nothing it did not
mean to (no ``__import__``, no ``system``).
"""

from __future__ import annotations

import ast

import numpy as np
import pytest

from core.snippets import cnn as cnn_snippets
from core.snippets import eda as eda_snippets
from core.snippets import pixels as pixels_snippets
from core.snippets import preprocess as preprocess_snippets
from core.snippets import registration as registration_snippets
from core.snippets import loading as snippets
from core.text.safe_text import py_literal
from core.samples import Sample
from core.volume import Volume
from core.data.warps import Motion

HOSTILE = [
    'x" + str(__import__("os").system("touch PWNED")) + ".png',
    "x' + str(__import__('os').system('touch PWNED')) + '.png",
    'x\\" + str(__import__("os").system("touch PWNED")) + "\\.png',
    'x"\n__import__("os").system("touch PWNED")\n#.png',
    "x'''\n__import__('os').system('touch PWNED')\n'''.png",
    'x"""\n__import__("os").system("touch PWNED")\n""".png',
    "{path}{data}{0}} {{.png",
]


def _volume(name: str, fmt: str) -> Volume:
    return Volume(data=np.zeros((4, 5), np.float32), spacing=(1.0, 1.0), metadata={}, name=name, source_format=fmt)


def _generators(name: str) -> dict[str, str]:
    """Every generator that takes a user-controlled string, called with `name`."""
    data = cnn_snippets.data_code("zip", size=32, filename=name)
    pre_upload = preprocess_snippets.Source(npy_name=name)
    codes = {
        "eda.cohort_file_code": eda_snippets.cohort_file_code(name),
        "eda.sample_code": eda_snippets.sample_code(Sample(name, "pydicom", name, "CT", "", ""), "DICOM"),
        "eda.pooled_histogram_snippet": eda_snippets.pooled_histogram_snippet(eda_snippets.COHORT_FILES, name, True, 64),
        "eda.histogram_snippet": eda_snippets.histogram_snippet(
            eda_snippets.upload_file_code(name, "PNG"), name, True, 64, per_level=False,
            other_code=eda_snippets.upload_file_code(name, "DICOM", "other"), other_label=name),
        "cnn.data_code": data,
        "cnn.data_snippet": cnn_snippets.data_snippet(data),
        "cnn.feature_maps_snippet": cnn_snippets.feature_maps_snippet(data, 0.2, 0, 0, name, name, name, 0),
        "cnn.grad_cam_snippet": cnn_snippets.grad_cam_snippet(data, 0, name, None),
        "preprocess.clean_code(upload)": preprocess_snippets.clean_code(pre_upload),
        "preprocess.volume_code(upload)": preprocess_snippets.volume_code(pre_upload),
    }
    for fmt in ("DICOM", "NIfTI-1", "ANALYZE 7.5", "PNG", "JPEG", "TIFF"):
        codes[f"eda.upload_file_code({fmt})"] = eda_snippets.upload_file_code(name, fmt)
        codes[f"snippets.loading_snippet({fmt})"] = snippets.loading_snippet(_volume(name, fmt), (1, 2), None)
    return codes


def _calls_nothing_hostile(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__import__":
            return False
        if isinstance(node, ast.Attribute) and node.attr == "system":
            return False
    return True


@pytest.mark.parametrize("name", HOSTILE, ids=[f"name{i}" for i in range(len(HOSTILE))])
def test_every_generator_writes_a_hostile_name_as_a_string_literal(name):
    codes = _generators(name)
    assert len(codes) >= 22
    for generator, code in codes.items():
        tree = ast.parse(code)  # a name never breaks the code
        assert _calls_nothing_hostile(tree), f"{generator} runs the name as code:\n{code}"
        constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert name in constants or any(name in c for c in constants if c != name), \
            f"{generator} lost the name:\n{code}"


@pytest.mark.parametrize("name", HOSTILE[:2])
def test_generators_that_load_a_built_in_sample_take_only_the_course_s_sample_names(name):
    """Lessons 1, 4 and 5 write a sample's loading code from its provenance (the library and file that ship
    it), so a name that is not one of the course's samples is refused and never reaches the code."""
    reg = registration_snippets.Source(sample=name, slice_index=None, rgb=False, four_d=False, shape=(8, 8),
                                       resized=False, spacing=(1.0, 1.0))
    calls = [lambda: pixels_snippets.image_code(name),
             lambda: preprocess_snippets.clean_code(preprocess_snippets.Source(sample=name, index=(0,))),
             lambda: registration_snippets.problem_snippet(reg, Motion((1.0, 2.0), (3.0,)), 0.0, 0.0, 0)]
    for call in calls:
        with pytest.raises(KeyError, match="no sample called"):
            call()


def test_the_loading_snippet_keeps_the_upload_name_exactly():
    name = HOSTILE[0]
    code = snippets.loading_snippet(_volume(name, "PNG"), (1, 2), None)
    assignment = next(n for n in ast.parse(code).body
                      if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "path")
    assert ast.literal_eval(assignment.value) == name


@pytest.mark.parametrize("value", ["scan.png", "it's.png", 'a "b".png', "a\\b\n\u2028é.png", *HOSTILE])
def test_py_literal_evaluates_back_to_the_value(value):
    literal = py_literal(value)
    assert ast.literal_eval(literal) == value
    if '"' not in value and "'" not in value and "\\" not in value and value.isprintable():
        assert literal == f'"{value}"'  # plain names look as before: double quotes
