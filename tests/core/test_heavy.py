"""core.heavy without a cluster: the settings read from the environment, task keys and places in the queue."""

from __future__ import annotations

import numpy as np

from core import heavy

GIB = 2**30


def test_embedded_cluster_leaves_the_server_a_core_and_bounds_memory():
    two = heavy.settings({}, cores=2, memory=8 * GIB)
    assert (two.mode, two.address, two.workers) == ("local", "", 1)
    assert two.memory_limit == "4096MiB"  # capped at 4 GiB
    eight = heavy.settings({}, cores=8, memory=8 * GIB)
    assert eight.workers == 7
    assert eight.memory_limit == f"{int(8 * GIB * 0.6 / 7) // 2**20}MiB" == "702MiB"
    assert heavy.settings({}, cores=1, memory=8 * GIB).workers == 1
    assert two.seconds == heavy.DEFAULT_SECONDS


def test_a_configured_scheduler_inline_mode_and_overrides():
    remote = heavy.settings({heavy.SCHEDULER_ENV: " tcp://10.0.0.5:8786 "}, cores=2, memory=8 * GIB)
    assert (remote.mode, remote.address) == ("scheduler", "tcp://10.0.0.5:8786")
    assert heavy.settings({heavy.SCHEDULER_ENV: "inline"}, cores=2, memory=GIB).mode == "inline"
    custom = heavy.settings({heavy.WORKERS_ENV: "3", heavy.MEMORY_ENV: "2GiB", heavy.SECONDS_ENV: "90"},
                            cores=2, memory=8 * GIB)
    assert (custom.workers, custom.memory_limit, custom.seconds) == (3, "2GiB", 90.0)


def test_keys_carry_kind_and_order_and_count_what_waits_ahead():
    first, second, third = (heavy.task_key(kind, f"{n:032x}") for n, kind in
                            enumerate(("training", "registration", "training")))
    assert heavy.key_parts(first)[0] == "training"
    assert heavy.key_parts(first)[1] <= heavy.key_parts(second)[1] <= heavy.key_parts(third)[1]
    waiting = [third, first, second, "some-other-task"]
    assert heavy.waiting_ahead(waiting, third) == {"training": 1, "registration": 1}
    assert heavy.waiting_ahead(waiting, second) == {"training": 1}
    assert heavy.waiting_ahead(waiting, first) == {}


def test_run_task_needs_a_worker_but_train_network_is_a_plain_function():
    """The task function runs anywhere: same seed, same network and history (here in this process)."""
    rng = np.random.default_rng(0)
    x = rng.random((24, 16, 16, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(int)
    from core.cnn import ModelSpec, model_from_bytes

    spec = ModelSpec(input_size=16, channels=1, conv_blocks=1, filters=4, dense_units=8)
    epochs = []
    one = heavy.train_network(spec, x[:16], y[:16], x[16:], y[16:], 2, 8, 1e-2, seed=3,
                              on_epoch=lambda epoch, history: epochs.append(epoch))
    two = heavy.train_network(spec, x[:16], y[:16], x[16:], y[16:], 2, 8, 1e-2, seed=3)
    assert epochs == [1, 2]
    assert one.history.epochs == 2
    assert one.history.loss == two.history.loss
    model = model_from_bytes(one.model_bytes)
    assert tuple(model.inputs[0].shape[1:]) == (16, 16, 1)


def test_the_heavy_modules_import_without_dask():
    """Lessons import ui.heavy at the top: Dask (0.4 s to import) is loaded only when work is submitted."""
    import subprocess
    import sys
    from pathlib import Path

    script = "import sys, core.heavy, ui.heavy\nprint('DASK', sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=300)
    assert "DASK []" in result.stdout, result.stdout + result.stderr[-2000:]
