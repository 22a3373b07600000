"""Heavy work as Dask tasks: the pure task functions and what wraps them on a worker.

Training, registration, the case study and whole-volume pipelines take
seconds; a class pressing *Train* at once would otherwise run them all inside
the web server's own process. They run instead as tasks on Dask workers
(`distributed`), and this module is the worker's side of that:

- `train_network` and `train_registration` are pure task functions: arrays
  and settings in, a result out, progress through callbacks. (Registration,
  the case study and the pipeline already are: `core.registration.register`,
  `core.learned_registration.register_pairs`, `core.case_study.run`,
  `core.pipeline.run_volume`.)
- `run_task` runs any such function on a worker. It replaces each named
  progress callback by one that sends the call's arguments to the session
  that asked, through a Dask queue named after the task, at most every
  `SEND_EVERY` seconds (the latest call of each callback; the callbacks of
  the course carry their history, so nothing shown is lost); checks a Dask
  event, the session's Stop; and ends the work after a time limit.
- `settings` reads how the app finds its workers from the environment.

Nothing here imports Streamlit; ``distributed`` is imported only by the
functions that need it, so the course map starts without it.

>>> def double(values, progress=None):  # doctest: +SKIP
...     progress(1, 1)
...     return values * 2
>>> client.submit(run_task, double, "course-demo-1", ("progress",), (np.ones(3),), {}, 60)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SCHEDULER_ENV = "COURSE_DASK_SCHEDULER"
"""Environment variable: a scheduler's address (``tcp://host:8786``), ``inline`` (no Dask: the work runs in
the caller's thread, for tests and notebooks), or unset for an embedded `LocalCluster`."""
WORKERS_ENV = "COURSE_DASK_WORKERS"
"""Environment variable: worker processes of the embedded cluster (default: cores - 1, at least 1)."""
MEMORY_ENV = "COURSE_DASK_MEMORY"
"""Environment variable: memory limit of each embedded worker, as Dask reads it (``"3GiB"``)."""
SECONDS_ENV = "COURSE_TASK_SECONDS"
"""Environment variable: the longest a task may run, in seconds."""
DEFAULT_SECONDS = 600.0
"""A task running longer is ended: the course's longest work takes under a minute on 2 cores."""
KEY_PREFIX = "course-"
"""Every task's key starts with it, then its kind and its submission time: ``course-training-<ns>-<hex>``."""
STARTED = "course-started"
"""Scheduler metadata under which each task notes that it has started (for the queue positions)."""
STOP_KEPT_SECONDS = 7200
"""The Stop event of a task that never ran (stopped while queued) is forgotten after this long."""
SEND_EVERY = 0.2
"""Seconds between two progress messages of a task at least (and between two checks of its Stop)."""


class TaskStopped(Exception):
    """Raised inside a task when its session pressed Stop (or moved on)."""


class TaskTimeout(RuntimeError):
    """Raised inside a task that ran longer than its time limit."""


@dataclass(frozen=True)
class Settings:
    """Where heavy work runs.

    Attributes
    ----------
    mode : str
        ``"local"`` (an embedded LocalCluster), ``"scheduler"`` (an existing
        scheduler at `address`) or ``"inline"`` (no Dask).
    address : str
        The scheduler's address, when `mode` is ``"scheduler"``.
    workers : int
        Worker processes of the embedded cluster.
    memory_limit : str
        Memory limit per embedded worker (Dask's notation).
    seconds : float
        Time limit of a task.
    """

    mode: str
    address: str
    workers: int
    memory_limit: str
    seconds: float


def settings(environ: dict | None = None, cores: int | None = None, memory: int | None = None) -> Settings:
    """How the app runs heavy work, from the environment.

    Parameters
    ----------
    environ : dict, optional
        Defaults to ``os.environ``.
    cores : int, optional
        CPU cores of the machine (default: ``os.cpu_count()``).
    memory : int, optional
        Bytes of memory of the machine (default: from psutil).

    Returns
    -------
    Settings
        The embedded cluster gets ``cores - 1`` workers (at least 1), so the
        web server keeps a core, and each worker at most 4 GiB and 60 % of the
        memory shared among the workers.
    """
    environ = os.environ if environ is None else environ
    cores = cores or os.cpu_count() or 1
    if memory is None:
        import psutil

        memory = psutil.virtual_memory().total
    address = environ.get(SCHEDULER_ENV, "").strip()
    mode = "inline" if address.lower() == "inline" else "scheduler" if address else "local"
    workers = int(environ.get(WORKERS_ENV) or max(1, cores - 1))
    per_worker = min(4 * 2**30, int(memory * 0.6 / workers))
    memory_limit = environ.get(MEMORY_ENV) or f"{per_worker // 2**20}MiB"
    seconds = float(environ.get(SECONDS_ENV) or DEFAULT_SECONDS)
    return Settings(mode, address if mode == "scheduler" else "", workers, memory_limit, seconds)


def task_key(kind: str, token: str) -> str:
    """The key of a new task: its kind and the submission time, so queue positions can be worked out."""
    return f"{KEY_PREFIX}{kind}-{time.time_ns()}-{token}"


def key_parts(key: str) -> tuple[str, int]:
    """The kind and the submission time (ns) in a key made by `task_key`."""
    kind, submitted, _ = key[len(KEY_PREFIX):].rsplit("-", 2)
    return kind, int(submitted)


def waiting_ahead(waiting: list[str], key: str) -> dict[str, int]:
    """The tasks submitted before `key` that have not started yet, counted per kind.

    Parameters
    ----------
    waiting : list of str
        Keys of the tasks on the scheduler that have not started.
    key : str
        The task whose place in the queue is asked for.

    Returns
    -------
    dict
        ``{kind: count}``, e.g. ``{"training": 2}``.
    """
    mine = key_parts(key)[1]
    ahead: dict[str, int] = {}
    for other in waiting:
        if other == key or not other.startswith(KEY_PREFIX):
            continue
        kind, submitted = key_parts(other)
        if submitted < mine:
            ahead[kind] = ahead.get(kind, 0) + 1
    return ahead


class _Sender:
    """The worker's end of a task's progress: coalesced messages to a queue, and the Stop check."""

    def __init__(self, key: str, seconds: float):
        from distributed import Event, Queue

        self.queue = Queue(key)
        self.stop = Event(f"{key}-stop")
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.pending: dict[str, tuple] = {}
        self.sent = time.monotonic()

    def call(self, name: str, args: tuple) -> None:
        """Keep the latest call of a callback; send and check Stop when `SEND_EVERY` has passed."""
        self.pending.pop(name, None)  # re-inserted last: messages go out in the order of their latest call
        self.pending[name] = args
        if time.monotonic() - self.sent >= SEND_EVERY:
            self.flush()

    def flush(self) -> None:
        """Send what is pending; raise if the session stopped the task or its time is up."""
        self.sent = time.monotonic()
        if self.pending:
            self.queue.put(list(self.pending.items()))
            self.pending = {}
        if self.stop.is_set():
            raise TaskStopped("stopped by its session")
        if time.monotonic() > self.deadline:
            raise TaskTimeout(f"the work took longer than the {self.seconds:.0f} s a task may run")

    def close(self) -> None:
        """Forget the queue's reference from this side, and the Stop event (clearing deletes it)."""
        try:
            self.queue.close()
            self.stop.clear()
        except Exception:  # noqa: BLE001 - the scheduler may be gone; nothing to keep then
            pass


def run_task(function: Callable, key: str, callbacks: tuple[str, ...], args: tuple, kwargs: dict,
             seconds: float = DEFAULT_SECONDS) -> Any:
    """Run a task function on a Dask worker, its progress sent to the session that submitted it.

    Parameters
    ----------
    function : callable
        A pure task function: arrays and settings in, a result out.
    key : str
        The task's key (from `task_key`): names its progress queue and its Stop event.
    callbacks : tuple of str
        Keyword arguments of `function` that take a progress callback.
    args, kwargs
        The function's other arguments.
    seconds : float
        The time limit, checked at every progress call.

    Returns
    -------
    object
        What `function` returns.

    Raises
    ------
    TaskStopped
        When the session pressed Stop.
    TaskTimeout
        When the time limit passed.
    """
    from distributed import get_client

    client = get_client()
    client.set_metadata([STARTED, key], time.time())
    sender = _Sender(key, seconds)
    try:
        sender.call(STARTED, ())  # the session stops showing the queue
        sender.flush()  # stopped while queued: end before starting
        forward = {name: (lambda *a, _name=name: sender.call(_name, a)) for name in callbacks}
        result = function(*args, **kwargs, **forward)
        sender.flush()
        return result
    finally:
        sender.close()


@dataclass
class TrainedNetwork:
    """What `train_network` returns: the model as a ``.keras`` file and its history."""

    model_bytes: bytes
    history: Any


def train_network(spec, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, epochs: int,
                  batch_size: int, learning_rate: float, seed: int = 0,
                  on_epoch: Callable | None = None, on_batch: Callable | None = None) -> TrainedNetwork:
    """Build the course's CNN and train it: `core.cnn.build_model` then `core.cnn.train`, as a task.

    The seed is set in the process that trains (a Dask worker runs one task
    at a time), so the same seed gives the same network whatever else runs.

    Parameters
    ----------
    spec : core.cnn.ModelSpec
    x, y, x_val, y_val : numpy.ndarray
        Training and validation images and labels.
    epochs, batch_size : int
    learning_rate : float
    seed : int
        Seed of the weights, shuffling and dropout.
    on_epoch, on_batch : callable, optional
        As in `core.cnn.train`.

    Returns
    -------
    TrainedNetwork
        The model saved as bytes (`core.cnn.model_from_bytes` loads it back) and its `core.cnn.History`.
    """
    from core import cnn

    cnn.keras_module().backend.clear_session()  # start from Keras' fresh state, whatever ran before here
    model = cnn.build_model(spec, seed=seed)
    history = cnn.train(model, x, y, x_val, y_val, epochs, batch_size, learning_rate, seed=seed,
                        on_epoch=on_epoch, on_batch=on_batch)
    trained = TrainedNetwork(cnn.model_to_bytes(model), history)
    del model
    cnn.keras_module().backend.clear_session()  # a worker keeps nothing of this network for the next task
    return trained


def train_registration(config, on_epoch: Callable | None = None, on_batch: Callable | None = None):
    """Train lesson 5's registration network (`core.learned_registration.train`) as a task: its weights come back.

    Parameters
    ----------
    config : core.learned_registration.Config
        What to train (seeded: the same config gives the same network on any worker).
    on_epoch, on_batch : callable, optional
        As in `core.learned_registration.train`.

    Returns
    -------
    core.learned_registration.Trained
        Without its Keras model: the weights, settings, history and slices, which pickle; the model is rebuilt
        from them where it is used (`Trained.model`).
    """
    from dataclasses import replace

    from core import cnn
    from core import learned_registration as lr

    cnn.keras_module().backend.clear_session()  # start from Keras' fresh state, whatever ran before here
    trained = lr.train(config, on_epoch=on_epoch, on_batch=on_batch)
    weights_only = replace(trained)  # a new Trained holds no model: the worker keeps nothing for the next task
    del trained
    cnn.keras_module().backend.clear_session()
    return weights_only


def register_and_transfer(template: np.ndarray, subject: np.ndarray, maps, *, transform: str, iterations: int,
                          spacing, subject_spacing, origin, subject_origin, progress: Callable | None = None):
    """Register a subject to a template in 3D (mutual information), then carry the template's maps onto it.

    `core.registration.register` then `core.atlas.transfer_labels`, as one task.

    Returns
    -------
    (RegistrationResult, dict)
    """
    from core.atlas import transfer_labels
    from core.registration import register

    result = register(template, subject, transform, "mattes_mi", spacing=spacing, moving_spacing=subject_spacing,
                      fixed_origin=origin, moving_origin=subject_origin, initial="identity", levels=3,
                      iterations=iterations, sampling=0.1, progress=progress)
    maps = transfer_labels(result, maps, spacing, origin, subject.shape, subject_spacing, subject_origin)
    return result, maps
