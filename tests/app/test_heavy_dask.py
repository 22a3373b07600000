"""Heavy work on Dask (ui.heavy + core.heavy): an embedded LocalCluster and a separate scheduler and worker.

The Streamlit side of `ui.heavy.run` is replaced here by a small stand-in that records what the page would
show and can "press Stop" (raise Streamlit's StopException at the next point where a run can be
interrupted, as Streamlit does), so several sessions can be played from threads of one test. The lesson
itself is driven once through AppTest with the embedded cluster. Clusters are small (one worker with one
thread, as on a 2-core machine) and stopped at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from core import heavy as core_heavy
from core.registration import register
from deploy.local_server import free_ports
from harness import page_test, problems
from ui import heavy

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def count(steps: int, pause: float, marker: str | None = None, progress=None) -> int:
    """A slow task: `steps` pauses with a progress report after each; writes `marker` when it starts and ends."""
    if marker:
        Path(marker + ".started").write_text("started")
    for step in range(1, steps + 1):
        time.sleep(pause)
        progress(step, steps)
    if marker:
        Path(marker + ".finished").write_text("finished")
    return steps


class Page:
    """What `ui.heavy` needs of Streamlit, per thread: placeholders that record notices, and Stop."""

    def __init__(self):
        self.shown: dict[str, list[str]] = {}
        self.stop_when: dict[str, object] = {}
        self.session_state = self

    def empty(self):
        page, name = self, threading.current_thread().name

        class Slot:
            def info(self, text, icon=None):
                page.shown.setdefault(name, []).append(text)

            def empty(self):
                pass

        return Slot()

    def get(self, key, default=None):  # st.session_state.get: where a Streamlit run is interrupted
        stop = self.stop_when.get(threading.current_thread().name)
        if stop is not None and stop():
            raise StopException()
        return default


@pytest.fixture
def page(monkeypatch):
    fake = Page()
    monkeypatch.setattr(heavy, "st", fake)
    return fake


@pytest.fixture(scope="module")
def local_cluster():
    """The embedded cluster as the app starts it (one worker here, as `cores - 1` on this machine)."""
    saved = {name: os.environ.pop(name, None) for name in (core_heavy.SCHEDULER_ENV, core_heavy.WORKERS_ENV)}
    os.environ[core_heavy.WORKERS_ENV] = "1"
    heavy.shutdown()
    yield
    heavy.shutdown()
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


@pytest.fixture
def on_dask(local_cluster, monkeypatch):
    monkeypatch.delenv(core_heavy.SCHEDULER_ENV, raising=False)  # tests/app/conftest.py sets inline
    monkeypatch.setenv(core_heavy.WORKERS_ENV, "1")


def square_problem():
    fixed = np.zeros((64, 64))
    fixed[20:40, 18:46] = 1.0
    return fixed, np.roll(fixed, 3, axis=0)


def in_thread(target, *args, **kwargs) -> dict:
    """Run `target` in a named thread; the dict gets its 'result' or 'error' and the thread."""
    out: dict = {}

    def work():
        try:
            out["result"] = target(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - StopException too: reported to the test
            out["error"] = exc

    out["thread"] = threading.Thread(target=work, name=f"session-{id(out)}", daemon=True)
    out["thread"].start()
    return out


def wait_for(condition, timeout: float = 60) -> bool:
    """Wait until `condition()` is true (True) or `timeout` passes (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def idle(timeout: float = 60) -> bool:
    """Wait until no course task is left on the scheduler (True) or `timeout` passes (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not heavy.client().run_on_scheduler(_course_tasks):
            return True
        time.sleep(0.2)
    return False


def stopped_after_reports(page, reports: int, steps: int, pause: float, marker: str) -> str:
    """Run `count` as a training task and press Stop once it has reported `reports` steps; the stop is expected.

    Returns this thread's name, the key of its Stop condition in ``page.stop_when``.
    """
    seen = []
    me = threading.current_thread().name
    page.stop_when[me] = lambda: len(seen) >= reports
    with pytest.raises(StopException):
        heavy.run("training", count, steps, pause, marker, callbacks={"progress": lambda step, total: seen.append(step)})
    return me


def _course_tasks(dask_scheduler=None) -> list:
    return [k for k in dask_scheduler.tasks if isinstance(k, str) and k.startswith("course-")]


def _worker_data(dask_worker=None) -> int:
    return len(dask_worker.data) + len(dask_worker.state.tasks)


def test_a_registration_runs_on_the_cluster_reports_progress_and_leaves_nothing_on_the_worker(on_dask, page):
    fixed, moving = square_problem()
    seen = []
    result = heavy.run("registration", register, fixed, moving, "rigid", "ssd",
                       callbacks={"progress": lambda p: seen.append(p.fraction)})
    expected = register(fixed, moving, "rigid", "ssd")  # the same call in this process
    assert seen and seen[-1] > 0
    assert result.parameters["translation_mm"] == pytest.approx(expected.parameters["translation_mm"])
    assert np.allclose(result.registered, expected.registered)
    assert os.getpid() not in heavy.client().run(os.getpid).values()  # it ran in another process
    assert idle()
    assert set(heavy.client().run(_worker_data).values()) == {0}  # no input, no result kept on the worker


def test_errors_come_back_as_they_were_raised(on_dask, page):
    with pytest.raises(ValueError):
        heavy.run("registration", register, np.zeros((64, 64)), np.zeros((64, 64)), "no such transform", "ssd")


def test_two_sessions_at_once_get_their_own_results_and_the_second_sees_its_place(on_dask, page, tmp_path):
    fixed, moving = square_problem()
    going = threading.Event()
    first = in_thread(heavy.run, "training", count, 12, 0.2, callbacks={"progress": lambda *a: going.set()})
    assert going.wait(60)
    second = in_thread(heavy.run, "registration", register, fixed, np.roll(fixed, -4, axis=1), "translation",
                       "ssd", callbacks={"progress": lambda p: None})
    assert wait_for(lambda: page.shown.get(second["thread"].name))  # the registration waits in the queue
    third = heavy.run("training", count, 3, 0.1, callbacks={"progress": lambda *a: None})
    for session in (first, second):
        session["thread"].join(120)
    assert first["result"] == 12 and third == 3
    shift = second["result"].parameters["translation_mm"]
    assert shift == pytest.approx((0.0, -4.0), abs=0.2)
    mine = page.shown[threading.current_thread().name]
    assert "Waiting for a free worker: 1 registration ahead of your training." in mine


def test_stop_while_queued_means_it_never_starts(on_dask, page, tmp_path):
    going = threading.Event()
    running = in_thread(heavy.run, "training", count, 15, 0.2, callbacks={"progress": lambda *a: going.set()})
    assert going.wait(60)
    queued = str(tmp_path / "queued")
    me = threading.current_thread().name
    page.stop_when[me] = lambda: any("ahead" in t or "is next" in t for t in page.shown.get(me, []))
    with pytest.raises(StopException):
        heavy.run("training", count, 2, 0.1, queued, callbacks={"progress": lambda *a: None})
    assert page.shown[me] == ["Waiting for a free worker: your training is next."]
    page.stop_when[running["thread"].name] = lambda: True  # Stop in the first session too: it ends early
    running["thread"].join(60)
    assert isinstance(running["error"], StopException)
    assert idle()
    time.sleep(1.0)
    assert not Path(queued + ".started").exists()


def test_stop_while_running_ends_the_task_on_the_worker(on_dask, page, tmp_path):
    marker = str(tmp_path / "long")
    me = stopped_after_reports(page, 2, 300, 0.1, marker)
    assert Path(marker + ".started").exists()
    assert idle(30)  # the worker let go of it long before its 30 s
    assert not Path(marker + ".finished").exists()
    page.stop_when.pop(me)
    assert heavy.run("training", count, 1, 0.0, callbacks={"progress": lambda *a: None}) == 1  # the worker is free


def test_a_worker_killed_mid_task_gives_a_clear_message_and_a_retry_works(on_dask, page):
    pids = list(heavy.client().run(os.getpid).values())
    started = threading.Event()

    def kill_when_started():
        started.wait(60)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_started, daemon=True)
    killer.start()
    with pytest.raises(heavy.WorkLost) as lost:
        heavy.run("training", count, 300, 0.1, callbacks={"progress": lambda *a: started.set()})
    assert str(lost.value) == heavy.WORKER_LOST.format(kind="training")
    fixed, moving = square_problem()
    heavy.client().wait_for_workers(1, timeout=60)
    again = heavy.run("registration", register, fixed, moving, "rigid", "ssd", callbacks={"progress": lambda p: None})
    assert again.parameters["translation_mm"][0] == pytest.approx(3.0, abs=0.2)


def test_the_supervised_lesson_trains_on_the_cluster(on_dask):
    """Through the real page (AppTest): Train submits to the embedded cluster; the network comes back to it."""
    at = page_test("lessons/supervised.py", timeout=300)
    for key, value in {"sup-n-dermoscopy": 60, "sup-size": 32, "sup-blocks": 2, "sup-epochs-dermoscopy": 2,
                       "section": "Training"}.items():
        at.session_state[key] = value
    at.run()
    at.button(key="sup-train").click()
    at.run()
    assert not problems(at), problems(at)
    trained = at.session_state["sup_trained"]
    assert trained.history.epochs == 2
    assert trained.model_bytes[:4] == b"PK\x03\x04"
    assert tuple(trained.model.inputs[0].shape[1:]) == (32, 32, 3)
    assert os.getpid() not in heavy.client().run(os.getpid).values()


@pytest.fixture
def separate_scheduler(monkeypatch, tmp_path):
    """`dask scheduler` and one `dask worker` on loopback, as a lecturer starts them; killed at the end."""
    port = free_ports()
    address = f"tcp://127.0.0.1:{port}"
    # The scheduler and the workers import the app's code (and here this module's slow task) like the server.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(ROOT), str(Path(__file__).parent))),
               DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0")
    commands = [[str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1", "--memory-limit",
                 "2GiB", "--no-dashboard", "--host", "127.0.0.1"]]
    processes = []
    try:
        for command in commands:
            log = (tmp_path / f"{command[1]}.log").open("w")
            processes.append(subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                                              start_new_session=True))
            time.sleep(1.0)
        heavy.shutdown()
        monkeypatch.setenv(core_heavy.SCHEDULER_ENV, address)
        heavy.client().wait_for_workers(1, timeout=60)
        yield address
    finally:
        heavy.shutdown()
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(30)


def test_a_separate_scheduler_and_worker_run_the_work(separate_scheduler, page):
    fixed, moving = square_problem()
    seen = []
    result = heavy.run("registration", register, fixed, moving, "rigid", "ssd",
                       callbacks={"progress": lambda p: seen.append(p.fraction)})
    assert seen
    assert result.parameters["translation_mm"][0] == pytest.approx(3.0, abs=0.2)
    assert heavy.client().scheduler.address == separate_scheduler
    me = threading.current_thread().name
    page.shown.pop(me, None)
    page.stop_when[me] = lambda: bool(page.shown.get(me))
    going = threading.Event()
    first = in_thread(heavy.run, "training", count, 10, 0.2, callbacks={"progress": lambda *a: going.set()})
    assert going.wait(60), first
    with pytest.raises(StopException):  # queued behind it on the one worker, then stopped
        heavy.run("training", count, 2, 0.1, callbacks={"progress": lambda *a: None})
    assert page.shown[me] == ["Waiting for a free worker: your training is next."]
    first["thread"].join(60)
    assert first["result"] == 10


def test_an_unreachable_scheduler_is_a_clear_message(monkeypatch, page):
    heavy.shutdown()
    monkeypatch.setenv(core_heavy.SCHEDULER_ENV, f"tcp://127.0.0.1:{free_ports()}")
    try:
        with pytest.raises(heavy.WorkLost, match="do not answer"):
            heavy.run("training", count, 1, 0.0, callbacks={"progress": lambda *a: None})
    finally:
        heavy.shutdown()


def test_queue_position_texts():
    assert heavy.position_text({}, "training") == "Waiting for a free worker: your training is next."
    assert heavy.position_text({"training": 2}, "training") == "Waiting for a free worker: 2 trainings ahead of yours."
    assert heavy.position_text({"training": 1}, "registration") == \
        "Waiting for a free worker: 1 training ahead of your registration."
    assert heavy.position_text({"training": 2, "case-study": 1}, "pipeline") == \
        "Waiting for a free worker: 3 tasks ahead of your pipeline run (1 case-study run, 2 trainings)."


def test_embedded_workers_do_not_run_the_page_that_started_them(monkeypatch, tmp_path, page):
    """Streamlit runs a page as `__main__`; the embedded workers (spawned) must not import it again."""
    import types

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a worker ran the page')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    fake_main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    monkeypatch.delenv(core_heavy.SCHEDULER_ENV, raising=False)
    monkeypatch.setenv(core_heavy.WORKERS_ENV, "1")
    heavy.shutdown()
    try:
        assert heavy.run("training", count, 1, 0.0, callbacks={"progress": lambda *a: None}) == 1
    finally:
        heavy.shutdown()


def test_stop_reaches_a_task_whose_next_report_is_seconds_away(on_dask, page, tmp_path):
    """A big network's batch can take seconds: the Stop must still be there when the task next reports."""
    marker = str(tmp_path / "slow")
    stopped_after_reports(page, 1, 4, 6.0, marker)
    assert wait_for(lambda: heavy.client().run_on_scheduler(_stop_events) == [], 60)  # it ended, deleting its Stop
    assert wait_for(lambda: set(heavy.client().run(_executing).values()) == {0}, 30)  # the worker is free
    assert not Path(marker + ".finished").exists()  # it ended at its second report, not after its fourth


def _stop_events(dask_scheduler=None) -> list:
    return [n for n in dask_scheduler.extensions["events"]._events if str(n).endswith("-stop")]


def _executing(dask_worker=None) -> int:
    return len(dask_worker.state.executing)


def test_embedded_workers_run_at_a_lower_priority_than_the_server(on_dask):
    assert set(heavy.client().run(os.nice, 0).values()) == {max(os.nice(0), heavy.WORKER_NICENESS)}


def test_the_whole_volume_pipeline_runs_on_the_cluster_with_the_same_result(on_dask, page):
    from core import pipeline

    volume = np.random.default_rng(0).random((6, 32, 32)) * 100
    steps = [pipeline.Step("gaussian", value=1.0), pipeline.Step("threshold", "otsu")]
    reports = []
    result = heavy.run("pipeline", pipeline.run_volume, volume, steps, (0.0, 100.0),
                       callbacks={"progress": lambda done, total: reports.append((done, total))})
    assert reports and reports[-1] == (12, 12)  # the last report always arrives
    assert np.array_equal(result, pipeline.run_volume(volume, steps, (0.0, 100.0)))


def test_a_training_s_seed_gives_the_same_network_whatever_ran_before_on_the_worker(on_dask, page):
    from core.cnn import ModelSpec
    from core.heavy import train_network

    rng = np.random.default_rng(1)
    x = rng.random((24, 16, 16, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(int)
    spec = ModelSpec(input_size=16, channels=1, conv_blocks=1, filters=4, dense_units=8)
    args = (spec, x[:16], y[:16], x[16:], y[16:], 2, 8, 1e-2)
    first = heavy.run("training", train_network, *args, seed=5)
    other = heavy.run("training", train_network, *args, seed=6)  # another learner's training in between
    again = heavy.run("training", train_network, *args, seed=5)
    assert first.history.epochs == 2
    assert again.history.loss == first.history.loss
    assert other.history.loss != first.history.loss


def test_a_task_longer_than_its_time_limit_is_ended_with_a_message(on_dask, page, monkeypatch, tmp_path):
    monkeypatch.setenv(core_heavy.SECONDS_ENV, "1")
    marker = str(tmp_path / "long")
    with pytest.raises(heavy.WorkLost) as lost:
        heavy.run("training", count, 20, 0.3, marker, callbacks={"progress": lambda *a: None})
    assert str(lost.value) == heavy.TIMED_OUT.format(kind="training", seconds=1)
    assert not Path(marker + ".finished").exists()
    monkeypatch.setenv(core_heavy.SECONDS_ENV, "600")
    assert heavy.run("training", count, 1, 0.0, callbacks={"progress": lambda *a: None}) == 1  # same cluster, free
