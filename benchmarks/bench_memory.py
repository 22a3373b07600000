"""Server memory: a real `streamlit run` of app.py driven by real browser sessions (headless Chromium).

The resident set size (VmRSS in /proc) of the server process is read:

1. after one session opened the home page and sat idle;
2. after that session opened every page of the course through the sidebar
   navigation (this pays the one-off costs every server pays once: the
   shared samples, the generated image sets, the caches; TensorFlow is not
   imported by opening a page);
3. after nine more sessions (ten in all, each its own browser tab, all kept
   open) each opened every page the same way;
4. after the first session trained the Supervised page's default network
   (TensorFlow and Keras imported, once per server).

Per extra session = (3 - 2) / 9: the memory one more learner costs once the
server is warm, without TensorFlow.
Goal (issue 10): under 150 MB per extra session. Bounded: each page gets at
most `--timeout` seconds to finish its run.

Needs playwright (pip) and Debian's chromium (/usr/bin/chromium).

Usage: .venv/bin/python benchmarks/bench_memory.py [--sessions 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import ROOT, Row, print_table  # noqa: E402

sys.path.insert(0, str(ROOT))  # the repository, for deploy/
from deploy.local_server import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402

NAV_LINK = '[data-testid="stSidebarNavLink"]'


def rss_mib(pid: int) -> float:
    """Resident set size of process `pid` in MiB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_idle(page, timeout_ms: int) -> None:
    """Until the session is connected and its script has finished running."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)


def open_every_page(page, timeout_ms: int) -> int:
    """Click through every page of the sidebar navigation in this session; the number of pages opened."""
    links = page.locator(NAV_LINK)
    n = links.count()
    for i in range(n):
        links.nth(i).click()
        wait_idle(page, timeout_ms)
    return n


def measure(sessions: int, timeout: float) -> dict:
    from playwright.sync_api import sync_playwright

    result = {}
    with serving(env=dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")) as (url, server):
        result["bare server"] = rss_mib(server.pid)
        url += "/"
        timeout_ms = int(timeout * 1000)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tabs = [browser.new_page(viewport={"width": 1400, "height": 1000})]
            tabs[0].goto(url)
            wait_idle(tabs[0], timeout_ms)
            time.sleep(2)
            result["one idle session"] = rss_mib(server.pid)
            result["pages"] = open_every_page(tabs[0], timeout_ms)
            time.sleep(2)
            result["one session, every page"] = rss_mib(server.pid)
            start = time.perf_counter()
            for _ in range(sessions - 1):
                tab = browser.new_page(viewport={"width": 1400, "height": 1000})
                tab.goto(url)
                wait_idle(tab, timeout_ms)
                open_every_page(tab, timeout_ms)
                tabs.append(tab)
            result["seconds per extra session"] = (time.perf_counter() - start) / max(sessions - 1, 1)
            time.sleep(2)
            result[f"{sessions} sessions, every page"] = rss_mib(server.pid)
            tabs[0].goto(url + "supervised?section=Training")  # one section at a time; this one has Train
            wait_idle(tabs[0], timeout_ms)
            tabs[0].get_by_role("button", name="Train the network").click()
            wait_idle(tabs[0], 10 * timeout_ms)
            time.sleep(2)
            result["after one training"] = rss_mib(server.pid)
            browser.close()
    return result


def rows(sessions: int = 10, timeout: float = 120.0) -> list[Row]:
    m = measure(sessions, timeout)
    warm, full = m["one session, every page"], m[f"{sessions} sessions, every page"]
    per_session = (full - warm) / max(sessions - 1, 1)
    return [
        Row("server RSS, one idle session on the home page (streamlit run + Chromium)", m["one idle session"],
            unit="MiB", reference=m["bare server"], reference_name="server before any session"),
        Row(f"server RSS, that session after opening all {m['pages']} pages (no TensorFlow)", warm, unit="MiB"),
        Row(f"server RSS, {sessions} sessions that each opened every page", full, unit="MiB", note="one run"),
        Row("memory per extra session, once the server is warm", per_session, unit="MiB",
            goal="< 150 MB per extra session", ok=per_session * 2**20 < 150e6,
            note=f"{m['seconds per extra session']:.0f} s to click through every page"),
        Row("server RSS, then one session trains the default network (TensorFlow and Keras loaded once)",
            m["after one training"], unit="MiB", reference=full, reference_name="before the training",
            note="one run"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per page")
    args = parser.parse_args()
    print_table(rows(args.sessions, args.timeout), 1)


if __name__ == "__main__":
    main()
