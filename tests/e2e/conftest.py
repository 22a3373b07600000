"""Browser-test fixtures: a live `streamlit run` server and headless Debian Chromium.

The app under test is app.py at the repo root; set COURSE_APP to another file to
point the fixtures elsewhere. Screenshots go to tests/e2e/screenshots/ (gitignored).
"""

from __future__ import annotations

import base64
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from deploy.local_server import CHROMIUM, CHROMIUM_ARGS, log_tail, serving

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = Path(os.environ.get("COURSE_APP", REPO_ROOT / "app.py")).resolve()
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PAGE_TIMEOUT_MS = 120_000  # allowed per page, first loads of Keras pages included
VIEWPORT = {"width": 1400, "height": 1000}  # wide enough for the sidebar to be open


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("streamlit") / "server.log"


@contextmanager
def streamlit_server(log_path: Path):
    """Start `streamlit run APP` on a free loopback port; yield its URL; stop it (a server that does not start
    fails with its log's tail)."""
    if not APP.exists():
        pytest.fail(f"app not found: {APP}")
    with serving(APP, log_path) as (url, _):
        yield url


@pytest.fixture(scope="session")
def base_url(server_log: Path):
    """One server shared by the crawl of every page."""
    with streamlit_server(server_log) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium. Missing Chromium is a failure: `make test` installs it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install it with `make chromium` "
                    "(apt-get install chromium, as root). Browser tests never download a browser.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def record_server_messages(context, page) -> list[dict]:
    """The server's websocket frames to `page`, recorded from now on (DevTools protocol); read with `forward_messages`."""
    frames: list[dict] = []
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda event: frames.append(event["response"]))
    return frames


def forward_messages(frames: list[dict]) -> list[ForwardMsg]:
    """Streamlit's messages (ForwardMsg) among recorded websocket frames: the binary ones, decoded."""
    messages = []
    for frame in frames:
        if frame.get("opcode") == 2:
            messages.append(ForwardMsg())
            messages[-1].ParseFromString(base64.b64decode(frame["payloadData"]))
    return messages


def wait_idle(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until Streamlit is connected and has finished running the page script."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', state="attached", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]',
                           timeout=timeout_ms)
    page.wait_for_timeout(300)  # let the rerun start before we look for "notRunning"
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=timeout_ms)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
        timeout=timeout_ms)
    page.wait_for_timeout(300)


SAVED_PROGRESS = {"course": "Medical Image Analysis in Python", "version": 1,
                  "progress": {"loading": {"answered": 3, "correct": 2, "total": 4}}}
"""A progress file as the course map's download writes it: lesson 2, two of four right."""


def restore_progress_file(page) -> None:
    """On the course map: give its "Restore progress from a file" uploader `SAVED_PROGRESS`, and wait."""
    import json

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(
        files=[{"name": "course-progress.json", "mimeType": "application/json",
                "buffer": json.dumps(SAVED_PROGRESS).encode()}])
    page.wait_for_timeout(1500)
    wait_idle(page)


def progress_cell(page, lesson_start: str) -> str:
    """The course map's progress row (its HTML table) of the lesson whose title starts with `lesson_start`."""
    table = page.locator('[data-testid="stTable"]').filter(has_text="self-check").first
    table.wait_for(timeout=30_000)
    for line in table.inner_text().splitlines():
        if line.startswith(lesson_start):
            return line
    return table.inner_text()


def discover_pages(page, base_url: str) -> list[str]:
    """Absolute URLs of every page linked from the sidebar navigation (home first)."""
    page.goto(base_url + "/")
    wait_idle(page)
    # With many pages the sidebar shows the first ten and a "View N more" button.
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.inner_text():
        more.click()
        page.wait_for_timeout(300)
    links = page.locator('[data-testid="stSidebarNav"] a, [data-testid="stSidebarNavLink"]')
    urls: list[str] = []
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        url = href if href.startswith("http") else base_url + "/" + href.lstrip("/")
        if href and url not in urls:
            urls.append(url)
    return urls or [base_url + "/"]


def _exception_text(text: str) -> str:
    """An exception box's text without its buttons."""
    buttons = {"Copy", "Ask Google", "Ask ChatGPT"}
    return "\n".join(line for line in text.strip().splitlines() if line.strip() not in buttons)


@dataclass
class Visit:
    """What one page showed in the browser."""
    name: str
    url: str
    seconds: float = 0.0
    load_error: str = ""  # set when the page never finished running
    exceptions: list[str] = field(default_factory=list)  # text of each stException box
    markdown_or_headings: int = 0  # rendered text blocks in the main area
    page_errors: list[str] = field(default_factory=list)  # uncaught JavaScript errors
    screenshot: Path | None = None


@pytest.fixture(scope="session")
def visits(browser, base_url: str, server_log: Path) -> list[Visit]:
    """Open every page once, screenshot it and record what it showed; the tests judge."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []  # uncaught JavaScript errors, in order
    page.on("pageerror", lambda err: errors.append(str(err)))
    seen = 0

    try:
        urls = discover_pages(page, base_url)
    except Exception as exc:
        pytest.fail(f"the home page did not finish loading: {exc}\n{log_tail(server_log)}")

    results: list[Visit] = []
    for n, url in enumerate(urls):
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", url.removeprefix(base_url).strip("/")) or "home"
        visit = Visit(name=name, url=url)
        results.append(visit)
        t0 = time.monotonic()
        try:
            page.goto(url)
            wait_idle(page)
        except Exception as exc:  # one page that never settles must not hide the others
            visit.load_error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        visit.seconds = time.monotonic() - t0
        visit.page_errors, seen = errors[seen:], len(errors)  # the first page also gets discovery's
        visit.exceptions = [_exception_text(t) for t in
                            page.locator('[data-testid="stException"]').all_inner_texts()]
        visit.markdown_or_headings = page.locator('[data-testid="stMain"]').locator(
            '[data-testid="stMarkdown"], [data-testid="stHeading"], h1, h2, h3').count()
        visit.screenshot = SCREENSHOTS / f"{n:02d}_{name}.png"
        page.screenshot(path=str(visit.screenshot), full_page=True)
        print(f"{name}: {visit.seconds:.1f} s, {len(visit.exceptions)} exception(s) -> {visit.screenshot}")
    context.close()
    return results
