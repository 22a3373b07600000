"""The protocol-level load test (`make loadtest`): its learner against the real app, and its table's arithmetic.

The end-to-end tests run loadtest/locust_run.py in a subprocess, as `make loadtest` does: Locust
monkey-patches the standard library for gevent on import, which must not reach this test process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_levels(levels: str, tmp_path: Path, *extra: str) -> list[dict]:
    run = subprocess.run(
        [sys.executable, str(ROOT / "loadtest" / "locust_run.py"), "--levels", levels, "--no-warm-up", "--json",
         "--log", str(tmp_path / "server.log"), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


def _app_pages() -> int:
    """Pages in app.py's navigation: the course map, the presenter's view, one per objective, one per extra."""
    sys.path.insert(0, str(ROOT))
    from ui.course import EXTRAS, OBJECTIVES

    return 2 + sum(1 for o in OBJECTIVES if o.page) + len(EXTRAS)


def _section_clicks(steps: list[dict]) -> int:
    """Opens of a lesson read in sections: the learner then clicks the section of its control (a second rerun)."""
    return sum(1 for s in steps if s["kind"] == "open" and (s["page"][0].isdigit() or s["page"].startswith("Case")))


@pytest.mark.e2e
def test_one_protocol_learner_passes_through_every_lesson(tmp_path):
    [level] = _run_levels("1:0", tmp_path)
    steps = level["steps"]
    pages = _app_pages()
    kinds = [s["kind"] for s in steps]
    # the course's URL, then every other page opened from the navigation, a control changed on each page
    assert kinds[0] == "first" and kinds.count("open") == pages - 1 and kinds.count("change") == pages, steps
    assert len({s["page"] for s in steps if s["kind"] == "open"}) == pages - 1
    assert all(s["seconds"] is not None and s["seconds"] > 0 and not s["error"] for s in steps), \
        [s for s in steps if s["error"] or not s["seconds"]]
    # controls were found by their labels (loadtest/learner.py's PLAN), not only by the fallback
    assert any(s["control"] == "selectbox: Sample" for s in steps)
    assert any(s["control"].startswith("slider: Bins (at most)") for s in steps)  # a select slider
    assert level["passes"] is True and len(level["changes"]) == pages
    assert level["server_cpu_seconds"] > 0 and level["rss_peak_mib"] > 50  # read from /proc while it ran
    # the server logged every rerun request (the first run, the opens and their section clicks, the changes), each
    # within the client's time
    assert len(level["server_answers"]) == len(steps) + _section_clicks(steps)
    assert 0 < max(level["server_answers"]) <= max(s["seconds"] for s in steps)
    assert level["load_cpu_seconds"] < level["server_cpu_seconds"]  # the learner costs less than the server


@pytest.mark.e2e
def test_a_mixed_level_presses_train_and_waits_until_the_training_is_over(tmp_path):
    # two learners, one of whom (50 %) presses Train on lesson 6 while the other works through the course
    [level] = _run_levels("2:0:50", tmp_path, "--budget", "60")
    [train] = [s for s in level["steps"] if s["kind"] == "train"]
    assert train["control"] == "Train the network" and not train["error"] and train["heavy"]
    assert train["seconds"] > 2  # a training of the default network, not a run that only draws the page
    others = [s for s in level["steps"] if not s["heavy"]]
    assert others and all(s["seconds"] and not s["error"] for s in others), others
    assert level["press_at"] is not None


@pytest.mark.e2e
def test_protocol_learners_pass_through_every_lesson_behind_nginx_on_both_replicas(tmp_path):
    """`--replicas 2`: the learners go through nginx to two replicas with shared Dask workers (make class)."""
    [level] = _run_levels("2:0", tmp_path, "--replicas", "2", "--budget", "120")
    steps = level["steps"]
    assert {s["user"] for s in steps} == {0, 1}
    assert len([s for s in steps if s["kind"] == "change"]) == 2 * _app_pages()
    assert all(s["seconds"] and not s["error"] for s in steps), [s for s in steps if s["error"]]
    assert level["passes"] is True
    # the timing log is shared by the replicas: every rerun request was answered by a server behind nginx
    assert len(level["server_answers"]) == len(steps) + _section_clicks(steps)
    assert level["server_cpu_seconds"] > 0 and level["rss_peak_mib"] > 100  # both replicas' processes, from /proc


# -- the table's arithmetic, without a server -----------------------------------------------------------------

def _level(steps, press_at=None, **kw):
    from loadtest.report import Level, LevelSpec

    return Level(spec=LevelSpec(len({s.user for s in steps}), 3.0, 50.0 if press_at else 0.0), steps=steps,
                 press_at=press_at, **kw)


def test_level_specs_parse_learners_pace_and_heavy_share():
    from loadtest.report import LevelSpec

    assert LevelSpec.parse("20:3") == LevelSpec(20, 3.0, 0.0)
    assert LevelSpec.parse("100:20:10").heavy_users == 10
    assert LevelSpec.parse("20:3:10").heavy_users == 2
    assert LevelSpec.parse("5:3:1").heavy_users == 1  # at least one when the share is not zero
    assert LevelSpec.parse("5:3").heavy_users == 0
    with pytest.raises(ValueError):
        LevelSpec.parse("20")


def test_a_plain_level_reports_every_change_and_passes_only_under_one_second():
    from loadtest.learner import Step

    steps = [Step(0, "first", "Course map", seconds=1.5)] + [
        Step(u, "change", "p", start=10.0 + u, seconds=0.1 * (u + 1)) for u in range(10)]  # 0.1 ... 1.0 s
    level = _level(steps)
    assert level.changes() == pytest.approx([0.1 * (u + 1) for u in range(10)])
    assert level.passes() is True  # p95 = 0.955 s < 1 s, but ...
    level.steps[-1].seconds = 2.0  # ... one slow change: p95 = 0.1 * 9 + 0.55 * 1.1 = 1.505 s
    assert level.passes() is False
    fast = _level([Step(u, "change", "p", seconds=0.2) for u in range(3)])
    assert fast.passes() is True
    fast.steps.append(Step(9, "open", "p", error="no end of the run after 30 s"))
    assert len(fast.failures()) == 1 and fast.passes() is False


def test_a_mixed_level_counts_the_others_changes_sent_while_the_heavy_work_ran():
    from loadtest.learner import Step

    steps = [Step(0, "train", "6", heavy=True, start=100.0, seconds=10.0),  # 100 -> 110
             Step(1, "register", "5", heavy=True, start=100.5, seconds=12.0),  # 100.5 -> 112.5
             Step(1, "change", "5", heavy=True, start=105.0, seconds=0.4),  # a heavy learner's: not counted
             Step(2, "change", "p", start=99.0, seconds=0.3),  # before the press
             Step(2, "change", "p", start=101.0, seconds=0.7),
             Step(3, "change", "p", start=112.0, seconds=0.9),
             Step(3, "change", "p", start=113.0, seconds=5.0)]  # after the last end
    level = _level(steps, press_at=100.0)
    assert level.heavy_window() == (100.0, 112.5)
    assert level.changes() == [0.7, 0.9]
    assert level.passes() is True
    steps[1].seconds, steps[1].error = None, "no end of the run after 600 s"  # a failed press: window to the end
    assert level.heavy_window() == (100.0, float("inf"))
    assert level.changes() == [0.7, 0.9, 5.0] and level.passes() is False


def test_the_table_has_one_row_per_level_with_its_figures():
    from loadtest.learner import Step
    from loadtest.report import table

    steps = [Step(0, "open", "p", seconds=0.5), Step(0, "change", "p", seconds=0.2),
             Step(1, "change", "p", seconds=0.4), Step(1, "open", "p", error="lost")]
    level = _level(steps, wall_seconds=10.0, server_cpu_seconds=5.0, load_cpu_seconds=0.5, rss_peak_mib=812.4,
                   server_answers=[0.1, 0.2, 0.3, 0.4, 0.5])
    head, rule, row = table([level]).splitlines()
    cells = [c.split() for c in row.split("|")]
    assert cells[0] == ["plain", "2", "3", "0"]
    assert cells[1] == ["4", "1"]  # steps, failed
    assert cells[2] == ["0.30", "0.39", "2"]  # change median, p95 (linear interpolation), n
    assert cells[3] == ["0.50", "0.50"]
    assert cells[5] == ["0.48", "50", "1.25", "812"]  # server's answer p95, its CPU % of one core, CPU s per step, RSS
    assert cells[6] == ["5"] and cells[7] == ["10"] and cells[8] == ["no"]  # a failed step: no
    assert len(head.split("|")) == len(cells)


def test_the_per_page_lines_split_opens_and_changes_and_count_failures():
    from loadtest.learner import Step
    from loadtest.report import per_page

    steps = [Step(0, "open", "Loading", seconds=1.0), Step(1, "open", "Loading", seconds=3.0),
             Step(0, "change", "Loading", seconds=0.2), Step(1, "change", "Loading", error="lost"),
             Step(2, "open", "EDA", error="no end of the run after 30 s")]
    head, loading, eda = per_page(_level(steps)).splitlines()
    assert loading.split() == ["Loading", "open", "2.00", "/", "2.90", "change", "0.20", "/", "0.20", "failed", "1"]
    assert eda.split()[0] == "EDA" and eda.split()[-1] == "1" and "open     - /     -" in eda


def test_a_widget_change_is_the_state_the_browser_sends():
    from streamlit.proto.Button_pb2 import Button
    from streamlit.proto.Checkbox_pb2 import Checkbox
    from streamlit.proto.NumberInput_pb2 import NumberInput
    from streamlit.proto.Selectbox_pb2 import Selectbox
    from streamlit.proto.Slider_pb2 import Slider

    from loadtest.protocol import Widget, change_state

    slider = Slider(id="s", label="Width", min=1, max=10, step=1, default=[10], data_type=Slider.INT)
    assert list(change_state(Widget("slider", "s", "Width", slider)).double_array_value.data) == [9]  # at max: back
    assert list(change_state(Widget("slider", "s", "Width", slider), step=-2).double_array_value.data) == [8]
    select = Slider(id="b", label="Bins", default=[3], options=["32", "64", "128", "256", "512", "1024"],
                    type=Slider.SELECT_SLIDER)
    state = change_state(Widget("slider", "b", "Bins", select))
    assert state.id == "b" and list(state.string_array_value.data) == ["512"]
    box = Selectbox(id="x", label="Sample", options=["a", "b", "c"], default=2)
    assert change_state(Widget("selectbox", "x", "Sample", box)).string_value == "a"  # wraps
    tick = Checkbox(id="c", label="Log scale", default=False)
    assert change_state(Widget("checkbox", "c", "Log scale", tick)).bool_value is True
    number = NumberInput(id="n", label="Seed", default=3, step=1, data_type=NumberInput.INT, has_max=True, max=10)
    assert change_state(Widget("number_input", "n", "Seed", number)).int_value == 4
    button = change_state(Widget("button", "t", "Train the network", Button(id="t", label="Train the network")))
    assert button.WhichOneof("value") == "trigger_value" and button.trigger_value is True
