"""Two learners press Train on a server whose embedded Dask cluster has one worker (2 cores: cores - 1):
the second sees its place in the queue and can Stop while queued; the first keeps training and can Stop."""

from __future__ import annotations

import os
import re

import pytest

from conftest import VIEWPORT, wait_idle
from test_stop import press_key_on_slider, stop_once_under_way, unfold


@pytest.mark.e2e
def test_a_second_training_waits_in_the_queue_and_stops_while_queued(browser, base_url, server_log):
    if os.environ.get("COURSE_DASK_WORKERS", str(max(1, (os.cpu_count() or 1) - 1))) != "1":
        pytest.skip("the embedded cluster has more than one worker here: a second training would not wait")
    log_start = len(server_log.read_text(errors="replace"))
    first = browser.new_page(viewport=VIEWPORT)
    first.goto(base_url + "/supervised?section=Training")  # lesson 6 shows one section at a time
    wait_idle(first)
    unfold(first, "The data")
    for label in ("Image size = network input (pixels)", "Filters in the first block", "Kernel size"):
        press_key_on_slider(first, label, "End")  # epochs of many seconds
    first.get_by_role("button", name="Train the network").click()
    first.get_by_text(re.compile(r"Epoch 1/\d+ · batch \d+ of \d+")).first.wait_for(timeout=180_000)

    second = browser.new_page(viewport=VIEWPORT)
    second.goto(base_url + "/supervised?section=Training")
    wait_idle(second)
    second.get_by_role("button", name="Train the network").click()
    stop_once_under_way(second, "Waiting for a free worker: your training is next.", "Training stopped before the end")
    assert second.get_by_text("to fill this section").count() == 1  # nothing kept

    assert first.get_by_text(re.compile(r"Epoch \d+/\d+ · ")).count() >= 1  # the first one is still training
    stop_once_under_way(first, re.compile(r"Epoch \d+/\d+ · "), "Training stopped before the end")
    assert "Traceback" not in server_log.read_text(errors="replace")[log_start:]
    first.close()
    second.close()
