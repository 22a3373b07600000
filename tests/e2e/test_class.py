"""Hosting a class: two replicas behind nginx (deploy/classroom.py), driven by real browsers.

A learner's session stays on one replica through every lesson and 50 interactions; a replica killed mid-lesson
costs only its own learners a reconnect (to the live replica, their progress back from their browser) and comes
back; an nginx reload drops nobody; an upload near the limit gets through nginx to the same message as without it.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from conftest import VIEWPORT, discover_pages, progress_cell, restore_progress_file, wait_idle
from deploy.classroom import Classroom, max_upload_mb
from deploy.local_server import free_ports, healthy, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

# Every change of the app's connection state, in order, kept by the page itself (a reconnect shows here).
RECORD_CONNECTION = """
window.__states = [];
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-connection-state');
  if (state && window.__states[window.__states.length - 1] !== state) window.__states.push(state);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-connection-state']});
"""


@pytest.fixture(scope="module")
def classroom():
    with Classroom(replicas=2, port=free_ports(), first_replica_port=free_ports(2)) as room:
        yield room


def learner(browser, agent: str, replica: str | None = None, url: str | None = None):
    """A browser context known to nginx's log by its user agent, optionally pinned to a replica's cookie."""
    context = browser.new_context(viewport=VIEWPORT, user_agent=agent)
    if replica:
        context.add_cookies([{"name": "course_replica", "value": replica, "url": url}])
    context.add_init_script(RECORD_CONNECTION)
    return context


def replicas_seen(room: Classroom, agent: str) -> list[str]:
    """The replicas that answered the requests of the browser with user agent `agent`, in order."""
    lines = [line for line in room.access_log.read_text().splitlines() if f'agent="{agent}"' in line]
    return [m.group(1) for line in lines if (m := re.search(r"replica=(r\d+)", line))]


def step_slider(page, times: int, label: str = "Window's top row") -> None:
    """Move the Pixels lesson's slider `label` one step right and back, `times` interactions, each waited for."""
    slider = page.get_by_role("slider", name=label).first
    for n in range(times):
        slider.focus()
        page.keyboard.press("ArrowRight" if n % 2 == 0 else "ArrowLeft")
        wait_idle(page)


def connection_changes(page, since: int = 0) -> list[str]:
    """The connection states the page went through since it had recorded `since` of them."""
    return page.evaluate("window.__states")[since:]


def settled(page) -> int:
    """How many connection states the page has recorded once it is connected and idle (a baseline)."""
    wait_idle(page)
    states = page.evaluate("window.__states")
    assert states[-1] == "CONNECTED", states
    return len(states)


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').all_inner_texts()


def test_a_learner_works_through_every_lesson_and_50_interactions_on_one_replica(browser, classroom):
    context = learner(browser, "learner-through")
    page = context.new_page()
    urls = discover_pages(page, classroom.url)
    assert len(urls) >= 8, urls  # the course map, six lessons and the case study
    for url in urls:
        page.goto(url)
        wait_idle(page)
        no_exception(page)
    page.goto(classroom.url + "/pixels?section=Zoom")
    baseline = settled(page)
    step_slider(page, 50)
    no_exception(page)
    changes = connection_changes(page, baseline)
    context.close()
    time.sleep(1)  # nginx logs a websocket when it closes
    seen = replicas_seen(classroom, "learner-through")
    assert len(seen) > 20
    assert set(seen) == {seen[0]}, f"requests went to several replicas: {sorted(set(seen))}"
    assert changes == [], f"the session was interrupted: {changes}"


def test_an_upload_at_the_limit_passes_nginx_and_gets_streamlit_s_own_message(browser, classroom, tmp_path):
    """A file just under Streamlit's limit is not cut off by nginx: the page shows what it shows without nginx."""
    big = tmp_path / "scan.dat"
    with big.open("wb") as handle:  # sparse: zeros, no image format the course knows
        handle.truncate(max_upload_mb() * 1000 * 1000 - 4096)  # the browser's limit counts 10**6 bytes a MB
    messages = {}
    for route, url in (("direct", classroom.members[0].url), ("nginx", classroom.url)):
        context = learner(browser, f"learner-upload-{route}", replica="r1", url=classroom.url)
        page = context.new_page()
        page.goto(url + "/loading")
        wait_idle(page)
        page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(big))
        alert = page.locator('[data-testid="stSidebar"] [role="alert"]').first
        alert.wait_for(timeout=180_000)
        wait_idle(page)
        messages[route] = alert.inner_text().strip()
        no_exception(page)
        context.close()
    assert messages["direct"], "no message for a file that is not an image"
    assert messages["nginx"] == messages["direct"]


def test_an_nginx_reload_with_a_new_configuration_drops_no_learner(browser, classroom):
    context = learner(browser, "learner-reload")
    page = context.new_page()
    page.goto(classroom.url + "/pixels?section=Zoom")
    baseline = settled(page)
    config = classroom.config_file.read_text()
    assert "proxy_read_timeout 3600s;" in config
    classroom.config_file.write_text(config.replace("proxy_read_timeout 3600s;", "proxy_read_timeout 7200s;"))
    classroom.reload(write=False)
    step_slider(page, 4)  # the open websocket is still served (by nginx's old worker) and answers
    no_exception(page)
    assert connection_changes(page, baseline) == []
    second = context.new_page()  # a new page load is served under the new configuration
    second.goto(classroom.url + "/pixels?section=Zoom")
    wait_idle(second)
    no_exception(second)
    context.close()


def test_a_killed_replica_costs_its_learners_a_reconnect_only_and_rejoins(browser, classroom):
    on_r1 = learner(browser, "learner-on-r1", replica="r1", url=classroom.url)
    on_r2 = learner(browser, "learner-on-r2", replica="r2", url=classroom.url)
    page1, page2 = on_r1.new_page(), on_r2.new_page()
    page1.goto(classroom.url + "/")  # the learner on r1 has progress, kept in their browser by this very session
    wait_idle(page1)
    restore_progress_file(page1)
    assert "2 of 4 right" in progress_cell(page1, "2. Loading data")
    page1.get_by_role("link", name=re.compile("How a computer sees an image")).click()  # the same session
    wait_idle(page1)
    page1.get_by_role("radio", name="Zoom").click()
    page2.goto(classroom.url + "/pixels?section=Zoom")
    baselines = [settled(page) for page in (page1, page2)]
    assert replicas_seen(classroom, "learner-on-r1")[-1] == "r1"
    assert replicas_seen(classroom, "learner-on-r2")[-1] == "r2"
    restarts = classroom.members[0].restarts

    classroom.kill_replica(0)
    step_slider(page2, 4)  # the other replica's learner sees nothing
    no_exception(page2)
    assert connection_changes(page2, baselines[1]) == []

    # The affected learner's page notices, reconnects through nginx to a live replica, and runs its lesson again.
    page1.wait_for_function(f"window.__states.length > {baselines[0]} + 1 && window.__states.at(-1) === 'CONNECTED'",
                            timeout=30_000)
    wait_idle(page1)
    assert page1.get_by_role("heading", name=re.compile("How a computer sees an image")).count() >= 1
    step_slider(page1, 2)
    no_exception(page1)
    page1.get_by_role("link", name="Course map").click()  # within the new session on the live replica
    wait_idle(page1)
    assert replicas_seen(classroom, "learner-on-r1")[-1] == "r2"
    assert "2 of 4 right" in progress_cell(page1, "2. Loading data")  # the progress came back from the browser

    # The dead replica is started again and rejoins: a learner sent to it is served by it.
    wait_until(lambda: classroom.members[0].restarts > restarts and healthy(classroom.members[0].url), 90,
               "the restarted replica")
    rejoined = learner(browser, "learner-after-restart", replica="r1", url=classroom.url)
    page3 = rejoined.new_page()
    page3.goto(classroom.url + "/pixels?section=Zoom")
    wait_idle(page3)
    no_exception(page3)
    assert replicas_seen(classroom, "learner-after-restart")[0] == "r1"
    for context in (on_r1, on_r2, rejoined):
        context.close()


def test_a_dask_worker_killed_during_a_training_gives_a_clear_message_and_train_works_again(browser, classroom):
    """Heavy work goes to the class's shared Dask workers; one dying mid-training costs that training only."""
    context = learner(browser, "learner-training")
    page = context.new_page()
    page.goto(classroom.url + "/supervised?section=Training")  # lesson 6 shows one section at a time
    wait_idle(page)
    workers = classroom.worker_pids()
    assert workers, "the class has no Dask worker"
    page.get_by_role("button", name="Train the network").click()
    page.get_by_text(re.compile(r"Epoch \d+/\d+")).first.wait_for(timeout=180_000)  # running on the worker
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    page.get_by_text(re.compile("stopped before it finished")).first.wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)
    assert page.get_by_role("button", name="Download the trained model (.keras)").count() == 0  # nothing kept

    wait_until(lambda: classroom.worker_pids() and set(classroom.worker_pids()) != set(workers), 60,
               "the restarted Dask worker")
    page.get_by_role("button", name="Train the network").click()
    page.get_by_role("button", name="Download the trained model (.keras)").wait_for(timeout=300_000)
    wait_idle(page)
    no_exception(page)
    context.close()
