"""The load test's machinery still works: one learner, one page, through `loadtest/run.py` itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_load_test_runs_one_learner_over_the_home_page_then_over_the_bare_reference(tmp_path):
    # A subprocess: the load test drives Playwright's async API, the other browser tests its sync API.
    run = subprocess.run(
        [sys.executable, str(ROOT / "loadtest" / "run.py"), "--users", "1", "--pages", "1", "--think", "0",
         "--reference", "--json", "--log", str(tmp_path / "server.log")],
        cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stderr[-3000:]
    [level, reference] = json.loads(run.stdout.splitlines()[-1])
    assert (level["app"], reference["app"]) == ("course", "bare reference")
    # the reference's learner took the same steps on its own page of the same name: its image's sample changed
    assert [(s["kind"], s["lesson"]) for s in reference["steps"]] == [("first", "Course map"), ("change", "Course map")]
    assert reference["steps"][1]["control"].startswith("sample: ") and reference["steps"][1]["seconds"] > 0
    assert reference["browsers_cpu_seconds"] > 0 and reference["server_answers"]
    kinds = [(s["kind"], s["lesson"]) for s in level["steps"]]
    assert kinds == [("first", "Course map"), ("change", "Course map")], level["steps"]
    assert all(s["seconds"] is not None and s["seconds"] > 0 and not s["exceptions"] for s in level["steps"]), \
        level["steps"]
    # the server logged its answer to every rerun, each part of the page's time to idle: the first run of the page
    # and the sample change (a browser with no self-check answers stored sends no copy back: no run of its own)
    assert len(level["server_answers"]) == 2 and 0 < max(level["server_answers"]) < level["steps"][0]["seconds"]
    assert level["steps"][1]["control"].startswith("sample: ")  # the home page has no slider: the sidebar's sample
    assert level["rss_peak_mib"] > 50 and level["threads_peak"] > 0  # read from /proc while it ran
    assert level["server_cpu_seconds"] > 0
    assert level["browsers_cpu_seconds"] > level["server_cpu_seconds"]  # Chromium drew two pages; Python ran two reruns


def test_the_reference_app_has_the_pages_the_learners_visited_with_a_slider_where_they_moved_one():
    from loadtest.run import Step, bare_pages

    steps = [Step(0, "first", "Course map"), Step(0, "change", "Course map", control="sample: MR"),
             Step(0, "open", "4 · Preparing data"), Step(0, "change", "4 · Preparing data", control="slider: Noise"),
             Step(1, "first", "Course map"), Step(1, "change", "Course map", control="sample: CT"),
             Step(1, "open", "6 · Supervised learning"), Step(1, "change", "6 · Supervised learning", control="")]
    assert bare_pages(steps) == [("Course map", False), ("4 · Preparing data", True), ("6 · Supervised learning", False)]


def test_the_reference_app_draws_each_page_as_its_title_and_the_sidebar_image(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BARE_PAGES", json.dumps([["4 · Preparing data", True], ["Course map", False]]))
    at = AppTest.from_file(str(ROOT / "loadtest" / "bare_app.py"), default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["4 · Preparing data"]  # the first page named opens
    assert len(at.get("image")) == 1 and at.sidebar.selectbox  # the image, and the sample picker to change it
    [slider] = at.slider
    slider.set_value(10).run()
    assert not at.exception and len(at.get("image")) == 1
    monkeypatch.setenv("BARE_PAGES", json.dumps([["Course map", False]]))
    at = AppTest.from_file(str(ROOT / "loadtest" / "bare_app.py"), default_timeout=60).run()
    assert [t.value for t in at.title] == ["Course map"] and not at.slider and len(at.get("image")) == 1


def test_percentiles_interpolate_like_numpy():
    from loadtest.run import percentile

    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([0.2, 0.4, 0.6, 0.8, 3.0], 95) == pytest.approx(2.56)
    assert percentile([0.7], 95) == 0.7


def test_the_server_answer_runs_from_each_request_to_the_last_end_of_a_run_before_the_next():
    from loadtest.timed_server import server_answers

    log = ["1.0 a request", "1.5 a finished",  # an earlier level
           "10.0 a request", "10.1 b request", "10.4 a finished", "10.5 a request",  # b runs while a runs twice
           "10.6 b finished", "10.9 a finished", "11.0 a finished",  # then a fragment of a's page
           "12.0 b request"]  # not answered yet
    assert server_answers(log, since=10.0) == pytest.approx([0.4, 0.5, 0.5])


def test_cores_needed_follows_the_learners_pace_and_the_cpu_per_step():
    from loadtest.run import Level, Step, cores_needed

    calm = Level(users=1, steps=[Step(0, "open", "x", seconds=0.5), Step(0, "change", "x", seconds=1.5)],
                 server_cpu_seconds=1.0, browsers_cpu_seconds=3.0)
    # 2 s of CPU per step, one step every 3 s of reading + 1 s of waiting: 20 learners keep 10 cores busy
    assert cores_needed(calm, 20, think_s=3.0) == pytest.approx(10.0)
    assert cores_needed(calm, 1, think_s=0.0) == pytest.approx(2.0)


def test_the_cpu_meter_counts_what_processes_used_since_it_started(tmp_path):
    import os
    import time

    from loadtest.run import CpuMeter

    meter = CpuMeter([os.getpid()])
    busy = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                             "while time.process_time() - t < 0.5: pass\ntime.sleep(5)"])
    try:
        for _ in range(100):  # until the child has burnt its half second
            meter.sample([os.getpid(), busy.pid])
            if meter.seconds() >= 0.5:
                break
            time.sleep(0.05)
        assert 0.5 <= meter.seconds() < 2.0  # the child's whole life (it started after the meter) and ours since
    finally:
        busy.kill()


@pytest.mark.e2e
def test_a_run_too_short_to_show_running_counts_once_its_messages_are_quiet(browser):
    """A run of a few milliseconds can start and end within one render: the page never shows "running", but the
    server's messages arrive. The load test's idle check counts such a run, and waits for its messages to stop."""
    from loadtest.run import IDLE_SINCE

    page = browser.new_page()
    page.set_content('<div data-testid="stApp" data-test-connection-state="CONNECTED" '
                     'data-test-script-state="notRunning"></div>')

    def idle(runs, last_message, mark) -> bool:
        page.evaluate("([runs, heard]) => { window.__runs = runs; window.__lastMessage = heard; }",
                      [runs, last_message])
        return page.evaluate(f"([mark, settle]) => ({IDLE_SINCE})([mark, settle])", [mark, 250])

    page.wait_for_timeout(1500)  # the page's clock past every time below
    now = page.evaluate("performance.now()")
    before = [["running", 1.0], ["notRunning", 2.0]]  # an earlier run only
    assert idle(before, 0, mark=now - 1000) is False  # nothing since the mark: no run yet
    assert idle(before, now - 900, mark=now - 1000) is True  # messages after the mark, quiet since
    assert idle(before, now - 100, mark=now - 1000) is False  # messages still arriving 100 ms ago
    assert idle(before + [["running", now - 900], ["notRunning", now - 800]], 0, mark=now - 1000) is True
    page.close()
