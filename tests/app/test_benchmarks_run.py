"""`make bench` still runs: the lessons' benchmarks find the controls they move (a lesson that renames or moves a
control, or shows it in another section, would otherwise stop the benchmark), each once with one run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_cnn  # noqa: E402
import bench_exploring  # noqa: E402
import bench_loading  # noqa: E402
import bench_pixels  # noqa: E402
import bench_preparing  # noqa: E402
import bench_reruns  # noqa: E402


@pytest.mark.parametrize("name", list(bench_reruns.CASES))
def test_the_rerun_benchmark_finds_and_moves_each_lessons_control(name):
    """Each of these controls reruns its fragment, not the page (lesson 3's histogram had lost its fragment)."""
    case = bench_reruns.CASES[name]
    at = bench_reruns.prepare(case, bench_reruns.camera_png())  # raises when a control is missing or the page fails
    seconds, scoped = bench_reruns.rerun_after(at, *case.control, 0)
    assert seconds > 0
    assert scoped, f"{case.control[1]} reruns the whole page: its section or lesson body lost its fragment"


@pytest.mark.parametrize("bench", [bench_exploring, bench_loading, bench_pixels, bench_preparing],
                         ids=lambda module: module.__name__)
def test_each_lessons_benchmark_runs_to_its_rows(bench):
    rows = bench.rows(1)
    assert rows and all(row.value is not None for row in rows), [row.name for row in rows]


def test_the_cnn_benchmark_opens_the_training_section_and_trains():
    times = bench_cnn.page_times()  # a fresh process: open the page twice, then press Train
    assert times["tensorflow"] == 0  # not imported before Train
    assert times["first"] > times["second"] > 0 and times["train"] > 0


@pytest.mark.parametrize("layout,controls,metrics", [("lesson", 4, 3), ("lesson, one metrics line", 4, 0),
                                                     ("lesson, one picture element", 4, 0), ("slider alone", 1, 0),
                                                     ("eight controls", 8, 0)])
def test_the_step_layout_study_draws_each_layout_with_the_noise_level_first(monkeypatch, layout, controls, metrics):
    """benchmarks/step_layout.py: every page steps the same slider, and differs only in what the step sends."""
    from streamlit.testing.v1 import AppTest

    import step_layout

    assert layout in step_layout.LAYOUTS
    monkeypatch.setenv("STEP_LAYOUT", layout)
    at = AppTest.from_file(str(Path(step_layout.__file__)), default_timeout=60).run()
    assert not at.exception
    widgets = [*at.slider, *at.radio, *at.selectbox, *at.number_input]
    assert len(widgets) == controls and at.slider[0].label.startswith("Noise level")
    assert len(at.metric) == metrics
    numbers = [m.value for m in at.metric] or [md.value for md in at.markdown if "Noise std" in md.value]
    assert numbers  # the noise's numbers, as metrics or one line
    at.slider[0].set_value(40).run()
    assert not at.exception
    assert ([m.value for m in at.metric] or [md.value for md in at.markdown if "Noise std" in md.value]) != numbers
