"""Heavy work on Dask, the Streamlit side: submit, show the queue and the progress, Stop, the result.

A lesson calls `run` inside its `ui.lesson.stoppable` block where it used to
call the work itself, with the same progress callbacks:

>>> with stoppable(STOP):  # doctest: +SKIP
...     result = heavy.run("registration", register, fixed, moving, callbacks={"progress": on_iteration})

The work runs as a task on the Dask workers (`core.heavy.run_task`): an
embedded `LocalCluster` started once per server process the first time it is
needed, or the scheduler named by ``COURSE_DASK_SCHEDULER``. While the task
waits, the page says how many tasks are ahead of it; once it runs, its
progress messages call the lesson's callbacks here, in the session's own
script thread. Stop (or any other control) interrupts this thread as before;
`run` then sets the task's Stop event and cancels it, so a queued task never
starts and a running one ends at its next progress report. The result goes
back only to the session that submitted the task (the future is local to
this run) and the worker keeps nothing of it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from core import heavy

POLL = 0.1
"""Seconds between two looks at a task's progress queue."""
POSITION_EVERY = 1.0
"""Seconds between two looks at the queue position of a waiting task."""
WORKER_LOST = ("The computer running this {kind} stopped before it finished (it may have run out of memory). "
               "Nothing was kept; press the button again to retry.")
TIMED_OUT = "This {kind} took longer than the {seconds:.0f} s a task may run, and was ended. Try smaller settings."
UNREACHABLE = ("The course's workers (Dask scheduler {address}) do not answer, so this {kind} cannot run now. "
               "Try again in a moment; if it persists, tell the lecturer.")
KINDS = {"training": ("training", "trainings"), "registration": ("registration", "registrations"),
         "case-study": ("case-study run", "case-study runs"), "pipeline": ("pipeline run", "pipeline runs")}

_lock = threading.Lock()
_state: dict[str, Any] = {}


class WorkLost(RuntimeError):
    """The task could not finish: its worker died, it ran too long, or the workers cannot be reached.

    The message says so in words a learner understands; lessons show it with `st.error`.
    """


def _spawn_without_the_page() -> None:
    """Start worker processes without re-running the page that started them (once per process).

    Streamlit runs each page as the module ``__main__``; Python's "spawn" start method re-imports
    ``__main__`` in every child, so each embedded worker (and each one the nanny restarts) would run the
    page script, without a session, and fail. The workers need none of it: their code is imported by name.
    """
    import multiprocessing.spawn as spawn

    if getattr(spawn.get_preparation_data, "_course", False):
        return
    original = spawn.get_preparation_data

    def preparation_data(name):
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    preparation_data._course = True
    spawn.get_preparation_data = preparation_data


WORKER_NICENESS = 10
"""Embedded workers run at this lower CPU priority: on a small machine the web server's thread comes first."""


def _low_priority():
    """A worker plugin that lowers the CPU priority of each embedded worker process, restarted ones too.

    TensorFlow trains on every core it is given; at a lower priority it still does, but the server's
    answers to the other learners' sliders come first.
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class LowPriority(WorkerPlugin):
        def setup(self, worker):
            import os

            os.nice(max(0, WORKER_NICENESS - os.nice(0)))

    return LowPriority()


def client():
    """The Dask client of this server process, connected on first use (an embedded cluster if none is set).

    Returns
    -------
    distributed.Client
    """
    settings = heavy.settings()
    config = (settings.mode, settings.address, settings.workers, settings.memory_limit)  # the time limit is per task
    with _lock:
        current = _state.get("client")
        if current is not None and current.status == "running" and _state.get("config") == config:
            return current
        import dask
        from distributed import Client, LocalCluster

        if current is not None:  # closed, or set up for other settings: let it go
            _close_quietly(current)

        dask.config.set({"distributed.scheduler.allowed-failures": 0,  # a dead worker fails its task at once
                         "distributed.admin.large-graph-warning-threshold": "512MB"})
        if settings.mode == "scheduler":
            new = Client(settings.address, set_as_default=False, timeout="10s")
        else:
            cluster = _state.get("cluster")
            if cluster is None or cluster.status.name != "running" or _state.get("config") != config:
                if cluster is not None:
                    _close_quietly(cluster)
                _spawn_without_the_page()
                cluster = LocalCluster(n_workers=settings.workers, threads_per_worker=1, processes=True,
                                       memory_limit=settings.memory_limit, dashboard_address=":0",
                                       host="127.0.0.1", silence_logs=40)
                _state["cluster"] = cluster
            new = Client(cluster, set_as_default=False)
            new.register_plugin(_low_priority(), name="course-low-priority")
        _state.update(client=new, config=config)
        return new


def _close_quietly(item) -> None:
    try:
        item.close()
    except Exception:  # noqa: BLE001 - already gone
        pass


def shutdown() -> None:
    """Close this process's client and embedded cluster (tests; the server closes them when it exits)."""
    with _lock:
        for name in ("client", "cluster"):
            item = _state.pop(name, None)
            if item is not None:
                try:
                    item.close()
                except Exception:  # noqa: BLE001 - already gone
                    pass
        _state.pop("config", None)


def _waiting_keys_on_scheduler() -> Callable:
    """A function for `Client.run_on_scheduler`: keys of the course's tasks that have not started.

    Built here as a closure so that it travels by value: a shared scheduler needs none of this app's code.
    It also forgets the start notes of tasks the scheduler no longer has.
    """
    prefix, started_name, kept = heavy.KEY_PREFIX, heavy.STARTED, heavy.STOP_KEPT_SECONDS

    def waiting_keys(dask_scheduler=None) -> list[str]:
        started = dask_scheduler.task_metadata.get(started_name, {})
        for key in [k for k in started if k not in dask_scheduler.tasks]:
            del started[key]
        events = dask_scheduler.extensions.get("events")
        try:  # a task deletes its Stop event when it ends; one stopped before it ran never does
            for name in [n for n in events._events if isinstance(n, str) and n.startswith(prefix)]:
                if name.endswith("-stop") and time.time_ns() - int(name.split("-")[-3]) > kept * 1e9:
                    events.event_clear(name)
        except Exception:  # noqa: BLE001 - another version of Dask: the few leftover events stay
            pass
        return [key for key, task in dask_scheduler.tasks.items()
                if isinstance(key, str) and key.startswith(prefix) and key not in started
                and task.state in ("released", "waiting", "queued", "no-worker", "processing")]

    return waiting_keys


def position_text(ahead: dict[str, int], kind: str) -> str:
    """What a waiting learner reads: "2 trainings ahead of yours", or that theirs is next.

    Parameters
    ----------
    ahead : dict
        ``{kind: count}`` of the tasks waiting ahead (`core.heavy.waiting_ahead`).
    kind : str
        The learner's own task's kind.
    """
    def name(other: str, count: int) -> str:
        singular, plural = KINDS.get(other, (other, other + "s"))
        return f"{count} {singular if count == 1 else plural}"

    total = sum(ahead.values())
    if total == 0:
        return f"Waiting for a free worker: your {KINDS[kind][0]} is next."
    if len(ahead) == 1:
        other, count = next(iter(ahead.items()))
        return f"Waiting for a free worker: {name(other, count)} ahead of " + (
            "yours." if other == kind else f"your {KINDS[kind][0]}.")
    parts = ", ".join(name(other, count) for other, count in sorted(ahead.items()))
    return f"Waiting for a free worker: {total} tasks ahead of your {KINDS[kind][0]} ({parts})."


def batch_progress(bar, epochs: int) -> Callable[[int, int, int], None]:
    """A training's ``on_batch`` callback: moves `bar` (an ``st.progress``) through the epoch's batches.

    Parameters
    ----------
    bar : streamlit progress element
    epochs : int
        Epochs the training runs; the bar spans all of them.
    """
    def report_batch(epoch: int, done: int, batches: int) -> None:
        bar.progress((epoch - 1 + done / batches) / epochs, text=f"Epoch {epoch}/{epochs} · batch {done} of {batches}")

    return report_batch


def run(kind: str, function: Callable, *args, callbacks: dict[str, Callable] | None = None, **kwargs) -> Any:
    """Run heavy work as a Dask task and wait for it here, showing its queue position and its progress.

    Parameters
    ----------
    kind : str
        One of `KINDS` ("training", "registration", "case-study", "pipeline").
    function : callable
        A pure task function (module-level, importable by the workers).
    *args, **kwargs
        Its arguments: arrays and settings.
    callbacks : dict, optional
        ``{keyword: callable}``: the function's progress callbacks; each is
        called here, in the session's thread, with the arguments the task
        gave it (the latest call every 0.2 s at least, and the last one).

    Returns
    -------
    object
        What `function` returned.

    Raises
    ------
    WorkLost
        When the worker died, the task ran too long or the workers cannot be reached.
    Exception
        Whatever `function` raised (a `ValueError` for bad input, for instance).
    """
    callbacks = callbacks or {}
    config = heavy.settings()
    if config.mode == "inline":
        return function(*args, **kwargs, **callbacks)
    from distributed import Event, Queue
    from distributed.client import FutureCancelledError
    from distributed.comm import CommClosedError
    from distributed.scheduler import KilledWorker

    try:
        dask = client()
    except (OSError, TimeoutError, RuntimeError) as exc:  # no scheduler at the address, or workers that cannot start
        raise WorkLost(UNREACHABLE.format(address=config.address or "embedded in this server",
                                          kind=KINDS[kind][0])) from exc
    key = heavy.task_key(kind, uuid.uuid4().hex)
    future = dask.submit(heavy.run_task, function, key, tuple(callbacks), args, kwargs, config.seconds,
                         key=key, pure=False, retries=0)
    queue = Queue(key, client=dask)
    stop = Event(f"{key}-stop", client=dask)
    status = st.empty()
    started, shown, looked = False, None, 0.0
    grace = float("inf")  # once started, the task ends itself at its time limit; this is the backstop
    finished = False
    try:
        while True:
            st.session_state.get(key)  # a point where Stop (or another control) interrupts this run
            done = future.done()
            try:
                messages = _messages(queue)
            except OSError as exc:  # the scheduler went away
                raise WorkLost(WORKER_LOST.format(kind=KINDS[kind][0])) from exc
            for name, call_args in messages:
                if not started:
                    started = True
                    grace = time.monotonic() + config.seconds + 60
                    status.empty()
                if name != heavy.STARTED:
                    callbacks[name](*call_args)
            if done:
                break
            if not started and time.monotonic() - looked >= POSITION_EVERY:
                looked = time.monotonic()
                waiting = dask.run_on_scheduler(_waiting_keys_on_scheduler())
                text = position_text(heavy.waiting_ahead(waiting, key), kind)
                if text != shown:
                    status.info(text, icon=":material/hourglass_top:")
                    shown = text
            if time.monotonic() > grace:
                raise WorkLost(TIMED_OUT.format(kind=KINDS[kind][0], seconds=config.seconds))
            time.sleep(POLL)
        try:
            result = future.result()
        except (KilledWorker, CommClosedError) as exc:  # the worker died, or the scheduler went away
            raise WorkLost(WORKER_LOST.format(kind=KINDS[kind][0])) from exc
        except FutureCancelledError as exc:  # the scheduler lost it (restarted, or the task's worker left)
            raise WorkLost(WORKER_LOST.format(kind=KINDS[kind][0])) from exc
        except heavy.TaskTimeout as exc:
            raise WorkLost(TIMED_OUT.format(kind=KINDS[kind][0], seconds=config.seconds)) from exc
        finished = True
        status.empty()
        return result
    except Exception:  # an ordinary failure (not Stop): the waiting notice goes
        status.empty()
        raise
    finally:
        if not finished:  # Stop, another control, or a failure: the task must not go on
            try:
                stop.set()
                future.cancel()
            except Exception:  # noqa: BLE001 - the scheduler may be gone; nothing more to cancel
                pass
        _forget(future, queue, stop, finished)


def _messages(queue) -> list:
    """Everything waiting in a task's progress queue, in order (each item is a list of calls)."""
    items = queue.get(batch=True)
    return [call for item in items for call in item]


def _forget(future, queue, stop, finished: bool) -> None:
    """Drop every reference to the task, so the scheduler and workers forget it and its data.

    The Stop event stays set for a stopped task: the task deletes it when it ends (a running task may take a
    few seconds to reach its next progress report).
    """
    try:
        future.release()
        queue.close()
    except Exception:  # noqa: BLE001 - the scheduler may be gone
        pass
