"""AppTest set-up: lessons run their heavy work inline (in the test's own process) unless a test asks for Dask.

The page tests check what a lesson does with its results, and several replace a core function with
monkeypatch, which only a task run in this process sees. The Dask path itself (embedded cluster, a separate
scheduler and workers, Stop, queue positions, a killed worker) is tested in tests/app/test_heavy_dask.py.
"""

from __future__ import annotations

import pytest

from core.heavy import SCHEDULER_ENV


@pytest.fixture(autouse=True)
def _heavy_work_inline(monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "inline")
