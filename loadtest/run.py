"""Load test on loopback: N concurrent real browser sessions working through the lessons.

Starts `streamlit run app.py` on a free 127.0.0.1 port, warms it up with one session, then, for each N
in --users, opens N browser contexts in one headless Debian Chromium at once. Each simulated learner
opens every lesson from the sidebar (one Streamlit session per learner, as in a class) and changes one
control on it: the first slider of the lesson, or else the sidebar's sample. Learners read a few
seconds between steps (--think; 0 makes it a stress test).

Two times are reported. The server's answer: from a rerun request reaching a session on the server to
the end of that run, logged by the server itself (loadtest/timed_server.py), for every request. The
page's time to idle: from the click or key press until the page shows the run as over (Streamlit's own
run state, recorded inside the page), which adds the browser's own work. In a class every learner's
page runs on the learner's computer; here the N browsers share the server's cores (and Chromium, run as
root, raises its own priority), so the server is started at a higher priority when allowed, and the page
figure is pessimistic.

The server's resident memory (VmRSS from /proc), thread count and CPU time are sampled throughout.
Everything is bounded: a time budget per level (no step starts after it) and a timeout per step (a
slower step counts as a failure).

With --reference, the first level is run again against a bare multipage app (loadtest/bare_app.py: the same
sidebar picker and pages, each only its title and the sidebar's image), after the course's levels and with
the same steps: what the browsers spend there is the floor of any Streamlit app with this navigation, and the
course's figure is read against it.

    make loadtest-browser                           # N = 1, 5 and the reference
    .venv/bin/python loadtest/run.py --users 1 --pages 1 --json   # the smoke test's quick run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loadtest/, run as a script or imported
from timed_server import server_answers  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for deploy/
from deploy.local_server import APP, CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402

# In a class every learner's page runs on the learner's own computer. Here the N browsers share the server's
# cores, and Chromium run as root raises its own processes' priority (nice -8): the server is started at the
# highest priority when the system allows it (root), so the browsers take what it leaves, as on a server of
# its own.
SERVER_NICE = -20
VIEWPORT = {"width": 1400, "height": 1000}  # wide enough for the sidebar to be open
TARGET_S = 1.0  # the median and the 95th percentile must stay under this
STEP_TIMEOUT_MS = 30_000  # one open or one control change; slower counts as a failure
SETTLE_MS = 250  # the run state must stay "notRunning" this long to count as idle

# Records every change of Streamlit's run state with its time, in every document of a context, and when the
# last websocket message from the server arrived: a run of a few milliseconds can start and end within one
# render, so its "running" state never reaches the page, but its messages do.
STATE_RECORDER = """
window.__runs = [];
window.__lastMessage = 0;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  const last = window.__runs[window.__runs.length - 1];
  if (state && (!last || last[0] !== state)) window.__runs.push([state, performance.now()]);
}).observe(document, {subtree: true, attributes: true, childList: true,
                      attributeFilter: ['data-test-script-state']});
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => { window.__lastMessage = performance.now(); });
  }
};
"""

# True once a run started after `mark` (its "running" state was seen, or the server sent a message) has finished,
# and neither the run state nor the server's messages have changed for `settle` ms. The browser's own drawing
# (plotly's lazy chart placeholders) is not waited for: in a class each learner's computer draws, while here N
# browsers share the server's cores, which would charge their drawing to the server.
IDLE_SINCE = """([mark, settle]) => {
  const runs = window.__runs || [];
  const heard = window.__lastMessage || 0;
  const started = heard >= mark || runs.some(([s, t]) => s === 'running' && t >= mark);
  const last = runs[runs.length - 1];
  const app = document.querySelector('[data-testid="stApp"]');
  return started && last && last[0] === 'notRunning' && performance.now() - Math.max(last[1], heard) >= settle
    && app && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


@dataclass
class Step:
    """One timed step of one learner."""
    user: int
    kind: str  # "first" (the course's URL), "open" (a lesson from the sidebar) or "change" (one control on it)
    lesson: str
    control: str = ""
    seconds: float | None = None  # None when the step failed
    error: str = ""
    exceptions: int = 0  # Streamlit exception boxes on the page after the step


@dataclass
class Level:
    """What one level of concurrency measured."""
    users: int
    app: str = "course"  # or "bare reference" (loadtest/bare_app.py)
    steps: list[Step] = field(default_factory=list)
    wall_seconds: float = 0.0
    rss_before_mib: float = 0.0
    rss_peak_mib: float = 0.0
    rss_after_mib: float = 0.0
    threads_peak: int = 0
    server_cpu_seconds: float = 0.0  # user + system time the server process used during the level
    browsers_cpu_seconds: float = 0.0  # the same for the load's side: Chromium's processes and Playwright's driver
    out_of_time: bool = False
    server_answers: list[float] = field(default_factory=list)  # every rerun request of the level, seconds

    def seconds(self, kind: str) -> list[float]:
        return [s.seconds for s in self.steps if s.kind == kind and s.seconds is not None]

    def failures(self) -> int:
        return sum(1 for s in self.steps if s.seconds is None or s.exceptions)

    def passes(self) -> bool:
        """No failed step, and the server's answers under `TARGET_S` (median and p95)."""
        answers = self.server_answers
        return (bool(answers) and not self.failures()
                and percentile(answers, 50) < TARGET_S and percentile(answers, 95) < TARGET_S)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by linear interpolation (numpy's default), without numpy.

    Example: percentile([1, 2, 3, 4], 50) == 2.5
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def proc_status(pid: int, key: str) -> int:
    """A number from /proc/<pid>/status (VmRSS and VmHWM in KiB, Threads), 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):
        return 0.0


def _children() -> dict[int, list[int]]:
    """Every running process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    return children


def load_side_pids(server_pid: int) -> list[int]:
    """This process's descendants except the server and its children: Playwright's driver, Chromium and its
    renderers, which a class would run on the learners' own computers."""
    children = _children()
    found, todo = [], list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        if pid == server_pid:
            continue
        found.append(pid)
        todo += children.get(pid, [])
    return found


class CpuMeter:
    """CPU seconds used by a changing set of processes (renderers come and go with the learners' contexts).

    Each `sample` reads every process's CPU time so far; `seconds` adds, per process, what it used since it was
    first seen (its whole life when it started after the meter). A process that ends is counted up to its last
    sample, so the figure is a lower bound.
    """

    def __init__(self, pids: list[int]) -> None:
        self.first = {pid: cpu_seconds(pid) for pid in pids}
        self.last = dict(self.first)

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            used = cpu_seconds(pid)
            if used:
                self.first.setdefault(pid, 0.0)
                self.last[pid] = used

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _server_priority() -> None:
    """In the server's process before it starts: `SERVER_NICE` if allowed, else the default priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, SERVER_NICE)
    except PermissionError:
        pass


@contextmanager
def streamlit_server(log_path: Path, timing_path: Path, script: Path = APP, env: dict | None = None):
    """Start `streamlit run script` (the course) on a free loopback port, timing its runs into `timing_path` (see
    loadtest/timed_server.py); yield (url, pid); stop it."""
    timing_path.write_text("")
    with serving(script, log_path, timeout=90, launcher=(str(Path(__file__).resolve().parent / "timed_server.py"),
                                                         str(timing_path)), env=env,
                 preexec_fn=_server_priority) as (url, proc):
        yield url, proc.pid


def bare_pages(steps: list[Step]) -> list[tuple[str, bool]]:
    """The pages the learners of `steps` visited, in order, each with whether a slider was moved there: the
    reference app's navigation (loadtest/bare_app.py), so its learners take the same kinds of step.

    Example: a home page whose sample changed, then a lesson whose slider moved ->
    [("Course map", False), ("4 · Preparing data", True)]
    """
    pages: dict[str, bool] = {}
    for step in steps:
        pages[step.lesson] = pages.get(step.lesson, False) or step.control.startswith("slider")
    return list(pages.items())


async def _wait_idle(page, mark: float) -> float:
    """Wait until a run started after `mark` is over; return its duration in seconds from `mark`."""
    await page.wait_for_function(IDLE_SINCE, arg=[mark, SETTLE_MS], timeout=STEP_TIMEOUT_MS, polling=50)
    ended = await page.evaluate("Math.max(window.__runs[window.__runs.length - 1][1], window.__lastMessage)")
    return (ended - mark) / 1000


async def _where(page) -> str:
    """Why a page is not idle: its run and connection states and how many placeholders still load."""
    try:
        return await page.evaluate("""() => {
          const app = document.querySelector('[data-testid="stApp"]');
          return `run state ${app && app.getAttribute('data-test-script-state')}, `
            + `connection ${app && app.getAttribute('data-test-connection-state')}, `
            + `${document.querySelectorAll('[data-testid="stSkeleton"]').length} skeleton(s), `
            + `state changes ${JSON.stringify((window.__runs || []).slice(-4).map(([s, t]) => [s, Math.round(t)]))} `
            + `last message ${Math.round(window.__lastMessage || 0)} now ${Math.round(performance.now())}`;
        }""")
    except Exception as exc:
        return f"page not readable ({type(exc).__name__})"


async def _now(page) -> float:
    return await page.evaluate("performance.now()")


async def _lessons(page) -> list[tuple[str, str]]:
    """(title, href) of every page in the sidebar navigation, home first."""
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if await more.count() and "more" in (await more.inner_text()):
        await more.click()
    links = page.locator('[data-testid="stSidebarNav"] a')
    found = []
    for i in range(await links.count()):
        link = links.nth(i)
        text = [line.strip() for line in (await link.inner_text()).splitlines() if line.strip()]
        found.append((text[-1] if text else "?", await link.get_attribute("href")))  # without the icon's name
    return found


async def _change_control(page, user: int, step: int) -> str:
    """Change one control and return what it was: the lesson's first slider, else the sidebar sample."""
    sliders = page.locator('[data-testid="stMain"] [data-testid="stSlider"]')
    for i in range(await sliders.count()):
        slider = sliders.nth(i)
        if not await slider.is_visible():
            continue
        thumb = slider.locator('input[type="range"]').first
        value, top = await thumb.get_attribute("value"), await thumb.get_attribute("max")
        await thumb.focus()
        await thumb.press("ArrowLeft" if value == top else "ArrowRight")
        return "slider: " + ((await slider.inner_text()).splitlines() or ["?"])[0][:40]
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first
    await box.click()
    # The list is virtualised (not every option is in the page): pick among the rendered ones that are not
    # the current sample, so the choice always changes something. Entered in one go (as pasted) and confirmed
    # with Enter: a click on a list that a slow browser has already closed would land on the page below, and
    # typing the label key by key filters the list 40 times, which cost the renderer 1.04 s per change against
    # 0.33 s for a learner's click and 0.42 s for this (medians of 3 on lesson 6, quiet machine, 2026-12-07).
    options = page.locator('[role="option"]:not([aria-selected="true"])')
    await options.first.wait_for(timeout=STEP_TIMEOUT_MS)
    count = await options.count()
    text = (await options.nth((user + step) % count).inner_text()).strip()
    await box.fill(text)
    await page.locator('[role="option"]').filter(has_text=text).first.wait_for(timeout=STEP_TIMEOUT_MS)
    await box.press("Enter")
    return "sample: " + text[:40]


async def learner(browser, url: str, user: int, max_lessons: int, deadline: float, think_s: float) -> list[Step]:
    """One learner: open the course, then each lesson from the sidebar and change one control on it.

    Between steps the learner reads for `think_s` seconds on average (uniformly 0.5 to 1.5 times it,
    seeded by the learner's number, so learners drift apart as in a class).
    """
    pause = random.Random(user)
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(STATE_RECORDER)
    page = await context.new_page()
    steps: list[Step] = []
    try:
        first = Step(user=user, kind="first", lesson="Course map")
        steps.append(first)
        try:
            await page.goto(url + "/", timeout=STEP_TIMEOUT_MS)
            first.seconds = await _wait_idle(page, 0.0)  # from navigation start
            # a one-page app (the reference of a one-page run) shows no navigation: its page is the only lesson
            lessons = (await _lessons(page))[:max_lessons] or [(first.lesson, "")]
        except Exception as exc:
            first.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            return steps
        for n, (title, href) in enumerate(lessons):
            for kind in ("open", "change") if n else ("change",):  # the first page is already open
                await asyncio.sleep(think_s * pause.uniform(0.5, 1.5))
                if time.monotonic() > deadline:
                    return steps
                step = Step(user=user, kind=kind, lesson=title)
                steps.append(step)
                try:
                    mark = await _now(page)
                    step.error = f"mark {mark:.0f}"
                    if kind == "open":
                        await page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').click()
                    else:
                        step.control = await _change_control(page, user, n)
                    step.seconds = await _wait_idle(page, mark)
                    step.error = ""
                except Exception as exc:  # a step that never settles is a failure, not a crash
                    step.error = f"{step.error} {type(exc).__name__}: {str(exc).splitlines()[0][:60]}; {await _where(page)}"
                step.exceptions = await page.locator('[data-testid="stException"]').count()
    finally:
        await context.close()
    return steps


async def _sample_processes(pid: int, level: Level, browsers: CpuMeter, stop: asyncio.Event) -> None:
    """The server's memory and threads, and the load side's CPU, four times a second until `stop`."""
    while not stop.is_set():
        level.rss_peak_mib = max(level.rss_peak_mib, proc_status(pid, "VmRSS") / 1024)
        level.threads_peak = max(level.threads_peak, proc_status(pid, "Threads"))
        browsers.sample(load_side_pids(pid))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


async def run_level(browser, url: str, pid: int, timing: Path, users: int, max_lessons: int, budget_s: float,
                    think_s: float) -> Level:
    """N learners at once, each working through the lessons; memory sampled all along."""
    level = Level(users=users, rss_before_mib=proc_status(pid, "VmRSS") / 1024)
    stop = asyncio.Event()
    browsers = CpuMeter(load_side_pids(pid))
    sampler = asyncio.create_task(_sample_processes(pid, level, browsers, stop))
    start, cpu_start = time.monotonic(), cpu_seconds(pid)
    deadline = start + budget_s
    results = await asyncio.gather(*(learner(browser, url, u, max_lessons, deadline, think_s) for u in range(users)))
    level.wall_seconds = time.monotonic() - start
    level.server_cpu_seconds = cpu_seconds(pid) - cpu_start
    browsers.sample(load_side_pids(pid))
    level.browsers_cpu_seconds = browsers.seconds()
    level.out_of_time = time.monotonic() > deadline
    stop.set()
    await sampler
    level.steps = [s for steps in results for s in steps]
    level.server_answers = server_answers(timing.read_text().splitlines(), since=start)
    await asyncio.sleep(3)  # let the server drop the closed sessions
    level.rss_after_mib = proc_status(pid, "VmRSS") / 1024
    return level


def _fmt(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.2f}" if values else "-"


def table(levels: list[Level]) -> str:
    """The results as a plain-text table."""
    head = (f"{'N':>3} {'steps':>5} {'fail':>4} | {'server answer med':>17} {'p95':>5} {'reruns':>6} | "
            f"{'page idle: change':>17} {'p95':>5} {'open':>5} {'p95':>5} | {'RSS before':>10} {'peak':>5} "
            f"{'after':>5} MiB | {'CPU % server':>12} {'browsers':>8} | {'CPU s/step server':>17} {'browsers':>8} | "
            f"{'wall s':>6} | <1 s")
    lines = [head, "-" * len(head)]
    for lv in levels:
        answers, changes, opens = lv.server_answers, lv.seconds("change"), lv.seconds("open")
        lines.append(
            f"{lv.users:>3} {len(lv.steps):>5} {lv.failures():>4} | {_fmt(answers, 50):>17} {_fmt(answers, 95):>5} "
            f"{len(answers):>6} | {_fmt(changes, 50):>17} {_fmt(changes, 95):>5} {_fmt(opens, 50):>5} "
            f"{_fmt(opens, 95):>5} | {lv.rss_before_mib:>10.0f} {lv.rss_peak_mib:>5.0f} {lv.rss_after_mib:>5.0f}     | "
            f"{100 * lv.server_cpu_seconds / max(lv.wall_seconds, 1e-9):>12.0f} "
            f"{100 * lv.browsers_cpu_seconds / max(lv.wall_seconds, 1e-9):>8.0f} | "
            f"{lv.server_cpu_seconds / max(len(lv.steps), 1):>17.2f} {lv.browsers_cpu_seconds / max(len(lv.steps), 1):>8.2f} | "
            f"{lv.wall_seconds:>6.0f} | "
            f"{'yes' if lv.passes() else 'no'}{' (budget cut)' if lv.out_of_time else ''}")
    return "\n".join(lines)


TABLE_NOTES = """server answer: seconds from a rerun request (a control changed, a lesson opened) reaching the
server to the end of that session's run, logged by the server itself (loadtest/timed_server.py), for
every request of the level. page idle: seconds from the click or key press until the page shows the run
as over (change: the lesson's first slider, else the sidebar's sample; open: a lesson from the sidebar),
which adds the N browsers' own work on these shared cores (in a class, each learner's computer). fail:
steps over {timeout} s or with an exception box; CPU %: CPU time over the level's wall time (100 = one
core) of the server process, and of the browsers (Chromium's processes and Playwright's driver, a lower
bound: a renderer's last quarter second before its learner leaves is not seen); CPU s/step: the same CPU
times per learner step; budget cut: learners stopped before the last lesson when the level's time
ran out. <1 s: no failure, and the server's answers under 1 s at the median and the 95th percentile."""


def cores_needed(level: Level, users: int, think_s: float) -> float:
    """Cores that `users` learners keep busy at the pace and CPU cost per step of `level` (server and browsers).

    Each learner takes one step every `think_s` plus the level's mean step time (an uncontended level gives
    the learners' real pace), and each step costs the level's CPU seconds per step.

    Example: 2 s of CPU per step, a step every 3 + 1 s: 20 learners keep 20 * 2 / 4 = 10 cores busy.
    """
    steps = [s.seconds for s in level.steps if s.seconds is not None]
    if not steps:
        return float("nan")
    per_step = (level.server_cpu_seconds + level.browsers_cpu_seconds) / len(level.steps)
    return users * per_step / (think_s + statistics.mean(steps))


def capacity(calm: Level, users: int, think_s: float) -> str:
    """What a learner step costs at the calmest level, and how many cores `users` learners need at that pace."""
    server, browsers = (seconds / len(calm.steps) for seconds in (calm.server_cpu_seconds, calm.browsers_cpu_seconds))
    cores = cores_needed(calm, users, think_s)
    return (f"At N = {calm.users}, a learner step cost the server {server:.2f} s and the browsers {browsers:.2f} s of "
            f"CPU: at that pace, N = {users} learners keep {cores:.1f} cores busy, "
            f"{cores * server / max(server + browsers, 1e-9):.1f} of them the server's.")


def per_lesson(levels: list[Level]) -> str:
    """Median change and open time per lesson at the largest level: where the time goes."""
    top = levels[-1]
    lines = [f"Per lesson at N = {top.users} (page idle, median seconds; control changed):"]
    for lesson in dict.fromkeys(s.lesson for s in top.steps):
        row = {k: [s.seconds for s in top.steps if s.lesson == lesson and s.kind == k and s.seconds is not None]
               for k in ("open", "change")}
        controls = sorted({s.control for s in top.steps if s.lesson == lesson and s.control})
        lines.append(f"  {lesson[:34]:<34} open {_fmt(row['open'], 50):>5}  change {_fmt(row['change'], 50):>5}  "
                     f"{'; '.join(controls)[:70]}")
    errors = [s for lv in levels for s in lv.steps if s.error or s.exceptions]
    for s in errors[:10]:
        lines.append(f"  FAILED N={next(lv.users for lv in levels if s in lv.steps)} user {s.user} {s.kind} "
                     f"{s.lesson}: {s.error or f'{s.exceptions} exception box(es)'}")
    return "\n".join(lines)


async def measure_app(args, script: Path, users: list[int], log_path: Path, env: dict | None = None,
                      app: str = "course") -> tuple[list[Level], list[Step]]:
    """Serve `script` (its log in `log_path`), warm it up with one learner, then run a level for each N in `users`;
    return the levels and the warm-up's steps."""
    from playwright.async_api import async_playwright

    levels: list[Level] = []
    timing = log_path.with_suffix(".timing")
    with streamlit_server(log_path, timing, script, env) as (url, pid):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                start = time.monotonic()
                warm = await learner(browser, url, 0, args.pages, time.monotonic() + args.level_budget, 0)
                print(f"{app}: warm-up (one learner, imports and caches): {time.monotonic() - start:.0f} s, "
                      f"{sum(1 for s in warm if s.seconds is None)} failed step(s), "
                      f"server RSS {proc_status(pid, 'VmRSS') / 1024:.0f} MiB", file=sys.stderr, flush=True)
                for n in users:
                    level = await run_level(browser, url, pid, timing, n, args.pages, args.level_budget, args.think)
                    level.app = app
                    levels.append(level)
                    print(table([level]).splitlines()[-1], file=sys.stderr, flush=True)
            finally:
                await browser.close()
    return levels, warm


async def main_async(args) -> tuple[list[Level], list[Level]]:
    """The course's levels, then (with `args.reference`) the bare reference app's level at the first level's N."""
    levels, warm = await measure_app(args, APP, args.users, Path(args.log))
    if not args.reference:
        return levels, []
    env = dict(os.environ, BARE_PAGES=json.dumps(bare_pages(warm)), PYTHONPATH=str(APP.parent))
    reference, _ = await measure_app(args, APP.parent / "loadtest" / "bare_app.py", args.users[:1],
                                     Path(args.log).with_suffix(".reference.log"), env, app="bare reference")
    return levels, reference


def against_reference(course: Level, reference: Level) -> str:
    """The browsers' and the server's CPU per learner step, the course's against the bare reference app's."""
    per_step = [(lv.browsers_cpu_seconds / max(len(lv.steps), 1), lv.server_cpu_seconds / max(len(lv.steps), 1))
                for lv in (course, reference)]
    (browsers, server), (bare_browsers, bare_server) = per_step
    return (f"Against the bare reference app (loadtest/bare_app.py) in the same run, N = {course.users}: a learner "
            f"step cost the browsers {browsers:.2f} s of CPU against {bare_browsers:.2f} s "
            f"({browsers / max(bare_browsers, 1e-9):.2f}×), and the server {server:.2f} s against {bare_server:.2f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,5,10,20", help="comma-separated numbers of concurrent learners")
    parser.add_argument("--pages", type=int, default=99, help="at most this many pages per learner (home first)")
    parser.add_argument("--level-budget", type=float, default=100,
                        help="seconds per level; a learner starts no step after it")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean reading time between a learner's steps, seconds (0: a stress test)")
    parser.add_argument("--log", default="/tmp/loadtest-streamlit.log", help="the server's log file")
    parser.add_argument("--json", action="store_true", help="print the levels as JSON instead of a table")
    parser.add_argument("--reference", action="store_true",
                        help="then run the first level against the bare reference app (loadtest/bare_app.py)")
    args = parser.parse_args(argv)
    args.users = [int(n) for n in args.users.split(",")]
    if not os.access(CHROMIUM, os.X_OK):
        print(f"{CHROMIUM} not found: run `make chromium`", file=sys.stderr)
        return 2
    levels, reference = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps([{**asdict(lv), "passes": lv.passes()} for lv in levels + reference]))
        return 0
    print(f"\nLoad test on loopback, on a {os.cpu_count()}-core machine (the N browsers and the server on the same "
          f"cores, the server at a higher priority when allowed; load average {os.getloadavg()[0]:.1f} at the end). "
          f"Learners read {args.think:g} s on average between steps.")
    print(table(levels))
    print(TABLE_NOTES.format(timeout=STEP_TIMEOUT_MS // 1000))
    print(per_lesson(levels) if levels else "")
    good = [lv.users for lv in levels if lv.passes()]
    print(f"\nLargest N with the server's answers under {TARGET_S:.0f} s (median and p95) and "
          f"no failure: "
          f"{max(good) if good else 'none'} (of N tried: {', '.join(str(lv.users) for lv in levels)}). "
          f"Server peak RSS {max(lv.rss_peak_mib for lv in levels):.0f} MiB." if levels else "no level ran")
    if levels and levels[0].steps:
        print(capacity(levels[0], max(args.users), args.think))
    if reference and levels:
        print(f"\nThe bare reference app, N = {reference[0].users}:")
        print(table(reference))
        print(against_reference(levels[0], reference[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
