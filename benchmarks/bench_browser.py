"""The learner's browser: renderer CPU and time to idle of every page, against a bare page (issue 19).

Starts `streamlit run app.py` and, as the reference, `streamlit run benchmarks/bare_page.py` (the default
sample's image and one slider, nothing else), each on a free loopback port, and drives headless Debian
Chromium (Playwright). After a warm-up (every page opened once and its slider stepped once, so the server's
caches are warm), for each of `runs` rounds the bare page and then every page of the sidebar navigation are
opened, each in a fresh tab of one browser context (the HTTP cache is warm, as for a learner opening a
lesson in a new tab), and measured:

- **open**: wall time from navigation start until the page is idle, and the renderer's main-thread CPU
  over that time (``Performance.getMetrics``, ``TaskDuration``, through the DevTools protocol, issue 19's
  measure; ``ThreadTime``, the thread's CPU time proper, is shown beside it: on a busy machine TaskDuration
  also counts the time the thread waited for a core);
- **one slider step**: the page's first visible ``st.slider`` in the main area (whatever the lesson or
  section shows first, found by its test id, so the benchmark follows the lessons as they change) moved
  one step with the keyboard: wall time from the key press until idle, and renderer CPU; and where that
  time went (a second table): until the page sent its request on Streamlit's websocket, until the server's
  first message, until its last, and after it until idle.

Idle means: a script run that started after the mark has ended (Streamlit's own run state, recorded in the
page), no skeleton placeholder is left, and neither the run state, the server's messages nor the page's DOM
have changed for `SETTLE_MS`; so the browser's drawing (plotly, images) is counted, and the idle time itself
is not (the wall time ends at the last change). Medians of `runs` rounds; the bare page is measured in every
round, before the others. Goals (issue 19): a page opens with at most 2.5× the bare page's renderer CPU;
a control change costs at most 0.15 s of renderer CPU and reaches idle within 1.3× the bare page's time.

Needs playwright (pip) and Debian's chromium (/usr/bin/chromium). Everything runs on loopback.

Usage: .venv/bin/python benchmarks/bench_browser.py [--runs 3] [--width 1280 --height 720]
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common` and `bench_memory`
from bench_memory import NAV_LINK  # noqa: E402
from common import ROOT, Row, median, print_table  # noqa: E402

sys.path.insert(0, str(ROOT))  # the repository, for deploy/
from deploy.local_server import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402

sys.path.insert(0, str(ROOT / "loadtest"))
from run import STATE_RECORDER  # noqa: E402  (Streamlit's run state and the server's messages, in the page)

BARE = "bare page"
OPEN_GOAL = 2.5  # × the bare page's renderer CPU
STEP_CPU_GOAL = 0.15  # s of renderer CPU per control change
STEP_WALL_GOAL = 1.3  # × the bare page's time to idle
SETTLE_MS = 400
TIMEOUT_MS = 120_000  # per open; the first open of a Keras page included
STEP_TIMEOUT_MS = 30_000

# The time of the page's last DOM change, next to STATE_RECORDER's run states and last server message; and the
# times of the messages the page sent and received on Streamlit's websocket (the latest 500 of each).
DOM_RECORDER = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
window.__sent = []; window.__heard = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => { window.__heard.push(performance.now()); window.__heard.splice(0, window.__heard.length - 500); });
  }
  send(data) { window.__sent.push(performance.now()); window.__sent.splice(0, window.__sent.length - 500); return super.send(data); }
};
"""
# Where a step's time went, in ms from `mark`: the first request sent, the first and last server message, their count.
STEP_PARTS = """(mark) => {
  const sent = window.__sent.filter((t) => t >= mark), heard = window.__heard.filter((t) => t >= mark);
  return sent.length && heard.length ? [sent[0] - mark, heard[0] - mark, heard[heard.length - 1] - mark, heard.length]
                                     : null;
}"""

# True once a run started after `mark` has ended and nothing (run state, server message, DOM) changed for `settle` ms.
IDLE_SINCE = """([mark, settle]) => {
  const runs = window.__runs || [];
  const heard = window.__lastMessage || 0;
  const started = heard >= mark || runs.some(([s, t]) => s === 'running' && t >= mark);
  const last = runs[runs.length - 1];
  const app = document.querySelector('[data-testid="stApp"]');
  if (!started || !last || last[0] !== 'notRunning' || !app
      || app.getAttribute('data-test-connection-state') !== 'CONNECTED'
      || document.querySelector('[data-testid="stSkeleton"]')) return false;
  return performance.now() - Math.max(last[1], heard, window.__lastChange || 0) >= settle;
}"""
LAST_CHANGE = ("() => Math.max(window.__runs[window.__runs.length - 1][1], window.__lastMessage || 0, "
               "window.__lastChange || 0)")
FIRST_SLIDER = '[data-testid="stMain"] [data-testid="stSlider"]'


@dataclass
class Sample:
    """One page's measurements over the rounds (seconds)."""

    name: str
    url: str
    open_wall: list[float] = field(default_factory=list)
    open_cpu: list[float] = field(default_factory=list)
    step_wall: list[float] = field(default_factory=list)
    step_cpu: list[float] = field(default_factory=list)
    open_thread: list[float] = field(default_factory=list)  # the main thread's CPU time (ThreadTime), beside
    step_thread: list[float] = field(default_factory=list)  # TaskDuration, which also counts time descheduled
    step_parts: list[tuple[float, float, float, float]] = field(default_factory=list)  # see STEP_PARTS (seconds)
    charts: int = 0
    slider: str = ""  # the stepped slider's label; "" when the page has none
    error: str = ""  # the page did not open: left out of the next rounds
    step_error: str = ""  # its slider step did not settle: the open is still measured


@contextmanager
def serve(script: str):
    """`streamlit run script` from the repository (its `core` and `ui` first on the path); yield its URL."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    with serving(ROOT / script, env=env) as (url, _):
        yield url + "/"


def renderer_cpu(cdp) -> tuple[float, float]:
    """Seconds of the tab renderer's main-thread tasks so far (DevTools `Performance.getMetrics`): their
    duration (``TaskDuration``, issue 19's measure, which grows when a busy machine deschedules the thread) and
    the thread's CPU time (``ThreadTime``, which does not)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"], metrics["ThreadTime"]


def spent(before: tuple[float, float], after: tuple[float, float]) -> tuple[float, float]:
    """`after` - `before`, per metric; a renderer swapped at navigation starts from zero."""
    return tuple(a - b if a >= b else a for b, a in zip(before, after))


def wait_idle_since(page, mark: float, timeout_ms: int = TIMEOUT_MS) -> float:
    """Wait until a run started after `mark` (page ms) is over and the page is still; seconds from `mark`."""
    page.wait_for_function(IDLE_SINCE, arg=[mark, SETTLE_MS], timeout=timeout_ms, polling=100)
    return (page.evaluate(LAST_CHANGE) - mark) / 1000


def first_slider(page):
    """The first visible, enabled slider of the main area (its range input) and its label, or (None, "")."""
    sliders = page.locator(FIRST_SLIDER)
    for i in range(sliders.count()):
        if sliders.nth(i).is_visible() and sliders.nth(i).locator('input[type="range"]:not([disabled])').count():
            label = (sliders.nth(i).inner_text().splitlines() or ["?"])[0].strip()
            return sliders.nth(i).locator('input[type="range"]').first, label
    return None, ""


def measure_page(context, sample: Sample, record: bool = True) -> None:
    """Open `sample.url` in a fresh tab, then step its first slider; append the measurements when `record`."""
    page = context.new_page()
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        before = renderer_cpu(cdp)
        page.goto(sample.url, timeout=TIMEOUT_MS)
        wall = wait_idle_since(page, 0.0)  # from navigation start
        cpu, thread = spent(before, renderer_cpu(cdp))
        sample.charts = page.locator('[data-testid="stPlotlyChart"]').count()
        thumb, sample.slider = first_slider(page)
        step = None
        if thumb is not None:
            try:
                thumb.focus()  # scrolls it into view: let what that draws settle before the mark
                page.wait_for_function(f"() => performance.now() - (window.__lastChange || 0) >= {SETTLE_MS}",
                                       timeout=STEP_TIMEOUT_MS, polling=100)
                key = "ArrowLeft" if thumb.get_attribute("value") == thumb.get_attribute("max") else "ArrowRight"
                mark, before = page.evaluate("performance.now()"), renderer_cpu(cdp)
                thumb.press(key)
                step = (wait_idle_since(page, mark, STEP_TIMEOUT_MS), *spent(before, renderer_cpu(cdp)),
                        page.evaluate(STEP_PARTS, mark))
            except Exception as exc:  # a step that never settles: said in the table, the open still counts
                sample.step_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
        if record:
            sample.open_wall.append(wall)
            sample.open_cpu.append(cpu)
            sample.open_thread.append(thread)
            if step:
                sample.step_wall.append(step[0])
                sample.step_cpu.append(step[1])
                sample.step_thread.append(step[2])
                if step[3]:
                    sample.step_parts.append((*(t / 1000 for t in step[3][:3]), step[3][3]))
    finally:
        page.close()


def navigation(context, url: str) -> list[tuple[str, str]]:
    """(title, absolute URL) of every page in the app's sidebar navigation, home first."""
    page = context.new_page()
    try:
        page.goto(url, timeout=TIMEOUT_MS)
        wait_idle_since(page, 0.0)
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count() and "more" in more.inner_text():
            more.click()
        links = page.locator(NAV_LINK)
        found = []
        for i in range(links.count()):
            text = [line.strip() for line in links.nth(i).inner_text().splitlines() if line.strip()]
            href = links.nth(i).get_attribute("href") or ""
            found.append((text[-1] if text else href, href if href.startswith("http") else url + href.lstrip("/")))
        return found
    finally:
        page.close()


def measure(runs: int, viewport: dict, pages: list[str] | None = None) -> list[Sample]:
    """Every page (or those whose title holds one of `pages`) and the bare page, `runs` rounds after a warm-up
    (see the module's docstring)."""
    from playwright.sync_api import sync_playwright

    with serve("app.py") as app_url, serve("benchmarks/bare_page.py") as bare_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=viewport)
            context.add_init_script(STATE_RECORDER + DOM_RECORDER)
            samples = [Sample(BARE, bare_url)] + [Sample(name, url) for name, url in navigation(context, app_url)
                                                  if not pages or any(p.lower() in name.lower() for p in pages)]
            for sample in samples:  # warm-up: the server's caches, the browser's HTTP cache
                try:
                    measure_page(context, sample, record=False)
                except Exception as exc:  # one page that never settles must not hide the others
                    sample.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
            for n in range(runs):
                for sample in samples:
                    if not sample.error:
                        try:
                            measure_page(context, sample)
                        except Exception as exc:
                            sample.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
                print(f"[browser: round {n + 1} of {runs} done]", flush=True)
        finally:
            browser.close()
    return samples


def _median(values: list[float]) -> float | None:
    return median(values) if values else None


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def verdicts(sample: Sample, bare: Sample) -> tuple[bool | None, bool | None]:
    """(open within the goal, step within the goal); None where the page has no such measurement."""
    cpu, bare_cpu = _median(sample.open_cpu), _median(bare.open_cpu)
    opened = None if cpu is None or not bare_cpu else cpu <= OPEN_GOAL * bare_cpu
    wall, step_cpu, bare_wall = _median(sample.step_wall), _median(sample.step_cpu), _median(bare.step_wall)
    stepped = None
    if wall is not None and bare_wall:
        stepped = step_cpu <= STEP_CPU_GOAL and wall <= STEP_WALL_GOAL * bare_wall
    return opened, stepped


def issue_table(samples: list[Sample], runs: int, viewport: dict) -> str:
    """The markdown table of issue 19: each page's open and slider step, ratios to the bare page, pass/miss."""
    bare = samples[0]
    bare_cpu, bare_wall = _median(bare.open_cpu), _median(bare.step_wall)
    lines = [f"cores: {os.cpu_count()} · headless Chromium {viewport['width']} × {viewport['height']} · median of "
             f"{runs} fresh tabs · goals: open ≤ {OPEN_GOAL}× the bare page's renderer CPU; one slider step ≤ "
             f"{STEP_CPU_GOAL} s renderer CPU and idle within {STEP_WALL_GOAL}× the bare page",
             "",
             "| page | open: wall / renderer CPU (× bare) | open: main-thread CPU time | plotly charts "
             "| one slider step: wall (× bare) / renderer CPU | step: main-thread CPU time | slider | open | step |",
             "|---|---|---|---|---|---|---|---|---|"]
    result = {True: "pass", False: "**miss**", None: "—"}
    for sample in samples:
        if sample.error and not sample.open_cpu:
            lines.append(f"| {sample.name} | FAILED: {sample.error} | | | | | | | |")
            continue
        cpu, wall = _median(sample.open_cpu), _median(sample.step_wall)
        ratio = f" ({cpu / bare_cpu:.1f}×)" if sample is not bare and cpu is not None and bare_cpu else ""
        step_ratio = f" ({wall / bare_wall:.2f}×)" if sample is not bare and wall is not None and bare_wall else ""
        step = "—" if wall is None else f"{_s(wall)}{step_ratio} / {_s(_median(sample.step_cpu))}"
        if sample.step_error:
            step += f" (a step failed: {sample.step_error})"
        opened, stepped = (None, None) if sample is bare else verdicts(sample, bare)
        lines.append(f"| {sample.name} | {_s(_median(sample.open_wall))} / {_s(cpu)}{ratio} "
                     f"| {_s(_median(sample.open_thread))} | {sample.charts} | {step} "
                     f"| {_s(_median(sample.step_thread))} "
                     f"| {sample.slider or '—'} | {result[opened]} | {result[stepped]} |")
    return "\n".join(lines)


def step_table(samples: list[Sample]) -> str:
    """Where a slider step's time to idle goes (medians): in the browser before the request leaves, on the server
    until its first message, while its messages come, and in the browser after the last one."""
    lines = ["| page | key → request sent | → first server message | → last server message (messages) "
             "| → idle | time to idle |", "|---|---|---|---|---|---|"]
    for sample in samples:
        if sample.step_parts:
            sent, first, last, count = (median([p[i] for p in sample.step_parts]) for i in range(4))
            idle = _median(sample.step_wall)
            lines.append(f"| {sample.name} | {1000 * sent:.0f} ms | +{1000 * (first - sent):.0f} ms "
                         f"| +{1000 * (last - first):.0f} ms ({count:.0f}) | +{1000 * (idle - last):.0f} ms "
                         f"| {1000 * idle:.0f} ms |")
    return "\n".join(lines)


def to_rows(samples: list[Sample]) -> list[Row]:
    """The same measurements as rows of `make bench`'s one table."""
    bare = samples[0]
    rows = [Row(f"browser: bare page open, renderer CPU (reference) — wall {_s(_median(bare.open_wall))}",
                _median(bare.open_cpu), unit="s"),
            Row("browser: bare page slider step, time to idle (reference) — renderer CPU "
                f"{_s(_median(bare.step_cpu))}", _median(bare.step_wall), unit="s")]
    for sample in samples[1:]:
        if sample.error and not sample.open_cpu:
            rows.append(Row(f"browser: {sample.name}: FAILED ({sample.error})", None, ok=False))
            continue
        opened, stepped = verdicts(sample, bare)
        rows.append(Row(f"browser: {sample.name} open, renderer CPU", _median(sample.open_cpu), unit="s",
                        reference=_median(bare.open_cpu), reference_name="bare page", goal=f"≤ {OPEN_GOAL}× bare",
                        ok=opened, note=f"wall {_s(_median(sample.open_wall))}, main-thread CPU time "
                        f"{_s(_median(sample.open_thread))}, {sample.charts} plotly charts"))
        if sample.step_wall:
            rows.append(Row(f"browser: {sample.name} slider step ({sample.slider}), time to idle",
                            _median(sample.step_wall), unit="s", reference=_median(bare.step_wall),
                            reference_name="bare page",
                            goal=f"≤ {STEP_CPU_GOAL} s CPU and ≤ {STEP_WALL_GOAL}× bare",
                            ok=stepped, note=f"renderer CPU {_s(_median(sample.step_cpu))}"))
    return rows


def rows(runs: int = 3, viewport: dict | None = None, pages: list[str] | None = None) -> list[Row]:
    """Measure, print issue 19's table, and return the rows for run_all's table."""
    viewport = viewport or {"width": 1280, "height": 720}
    samples = measure(runs, viewport, pages)
    print(issue_table(samples, runs, viewport), flush=True)
    print("\nWhere a slider step's time goes (medians):\n\n" + step_table(samples), flush=True)
    return to_rows(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--pages", nargs="+", metavar="WORD",
                        help="only the pages whose title holds one of these words (the bare page is always measured)")
    args = parser.parse_args()
    found = rows(args.runs, {"width": args.width, "height": args.height}, args.pages)
    print()
    print_table(found, args.runs)


if __name__ == "__main__":
    main()
