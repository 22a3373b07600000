"""Load test of the server with protocol-level learners (Locust), on loopback: `make loadtest`.

Starts `streamlit run app.py` on a free 127.0.0.1 port, warms it up with one learner (and one Train and
one Register when a level is mixed), then runs each level with Locust as a library: N learners
(loadtest/locustfile.py) that speak Streamlit's own websocket protocol, arriving over one reading time,
each making one pass through every lesson (open it, change one control found by its label, read
`pace` seconds on average between steps). In a mixed level a share of them open lesson 6 or 5 instead
and press Train or Register at one shared moment; the level ends once that work is over. Then prints,
per level: the time from a control change to the end of its run as the client sees it (median, 95th
percentile), failed steps, the server's CPU and peak memory (from /proc), and whether the goal is met.

A simulated learner draws nothing, so the figures are the server's (the learners' process is in the
table's "load CPU %" column). Everything is bounded: a budget per level (no step starts after it) and a
timeout per step.

    make loadtest                                                    # the default levels
    .venv/bin/python loadtest/locust_run.py --levels 20:3,40:3:10    # N:pace[:heavy%], comma-separated
    .venv/bin/python loadtest/locust_run.py --levels 1:0 --json      # the end-to-end test's quick run
"""

from __future__ import annotations

import locust  # noqa: F401,I001 - first: Locust monkey-patches the standard library for gevent on import

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import gevent
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner import HEAVY, Step  # noqa: E402
from locustfile import CourseLearner, LevelPlan  # noqa: E402
from report import TABLE_NOTES, Level, LevelSpec, failures_text, per_page, table  # noqa: E402
from run import cpu_seconds, proc_status, streamlit_server  # noqa: E402
from timed_server import server_answers  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deploy.classroom import Classroom  # noqa: E402
from deploy.local_server import free_ports  # noqa: E402

DEFAULT_LEVELS = "20:3,100:20,20:3:10,100:20:10"
PRESS_AFTER_S = 10.0  # the heavy learners press this long after the level's start (the others are at work)
AFTER_HEAVY_S = 5.0  # a mixed level ends this long after the last training or registration ended


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def servers_cpu(pids: list[int]) -> float:
    """CPU seconds of the server processes (every replica behind the balancer) so far."""
    return sum(cpu_seconds(pid) for pid in pids)


def servers_rss_mib(pids: list[int]) -> float:
    """Resident memory of the server processes together, MiB."""
    return sum(proc_status(pid, "VmRSS") for pid in pids) / 1024


def run_level(url: str, pids: list[int], timing: Path, spec: LevelSpec, budget_s: float,
              step_timeout: float) -> Level:
    """One level with Locust as a library: N users at once, until they are done or the budget is spent."""
    level = Level(spec=spec, rss_before_mib=servers_rss_mib(pids))
    start = time.monotonic()
    plan = LevelPlan(pace=spec.pace, heavy_users=spec.heavy_users, step_timeout=step_timeout,
                     deadline=start + budget_s)
    if spec.heavy_users:
        plan.press_at = level.press_at = start + max(PRESS_AFTER_S, 1.5 * spec.pace)

        def heavy_over() -> bool:
            presses = [s for s in plan.steps if s.kind in HEAVY]
            return (len(presses) == spec.heavy_users
                    and time.monotonic() > max(s.start + (s.seconds or 0) for s in presses) + AFTER_HEAVY_S)
        plan.stop = heavy_over
    CourseLearner.plan = plan
    CourseLearner.host = url
    env = Environment(user_classes=[CourseLearner])
    runner = env.create_local_runner()
    cpu_server, cpu_load = servers_cpu(pids), _own_cpu()
    runner.start(spec.users, spawn_rate=min(max(spec.users, 1), 100))  # all within a second; they then arrive
    # over one reading time (loadtest/locustfile.py)
    # the learners' last steps end within a step's timeout of the budget; a press may take up to its own timeout
    wait_until = max(start + budget_s + step_timeout, plan.press_at + plan.heavy_timeout if spec.heavy_users else 0)
    while plan.done < spec.users and time.monotonic() < wait_until:
        level.rss_peak_mib = max(level.rss_peak_mib, servers_rss_mib(pids))
        gevent.sleep(0.25)
    level.wall_seconds = time.monotonic() - start
    level.server_cpu_seconds = servers_cpu(pids) - cpu_server
    level.load_cpu_seconds = _own_cpu() - cpu_load
    level.out_of_time = plan.done < spec.users or time.monotonic() > plan.deadline
    runner.quit()
    level.steps = list(plan.steps)
    pressed = {s.user for s in level.steps if s.kind in HEAVY}
    for number in range(spec.heavy_users):  # a press still running when the level ended failed
        if number not in pressed:
            level.steps.append(Step(number, "train" if number % 2 == 0 else "register", HEAVY["train"][0]
                                    if number % 2 == 0 else HEAVY["register"][0], heavy=True, start=plan.press_at,
                                    error="the work was not over when the level ended"))
    level.server_answers = server_answers(timing.read_text().splitlines(), since=start)
    gevent.sleep(2)  # let the server drop the closed sessions
    return level


@contextmanager
def course_servers(replicas: int, log_path: Path, timing: Path):
    """Yield (url, server pids): one server as `make run` starts it, or `replicas` behind nginx (`make class`),
    each timed into `timing`."""
    if replicas == 0:
        with streamlit_server(log_path, timing) as (url, pid):
            yield url, [pid]
        return
    timing.write_text("")
    launcher = [str(Path(__file__).resolve().parent / "timed_server.py"), str(timing)]
    with Classroom(replicas, port=free_ports(), first_replica_port=free_ports(replicas), launcher=launcher,
                   dask_workers=max(1, (os.cpu_count() or 2) - 1)) as room:
        print(f"{replicas} replicas behind nginx at {room.url}; logs in {room.run_dir}", file=sys.stderr, flush=True)
        yield room.url, [replica.process.pid for replica in room.members]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default=DEFAULT_LEVELS,
                        help="comma-separated N:pace[:heavy%%] (learners, mean seconds of reading between steps, "
                             "share pressing Train or Register at once)")
    parser.add_argument("--budget", type=float, default=480, help="seconds per level; no step starts after it")
    parser.add_argument("--step-timeout", type=float, default=30, help="a slower step counts as failed")
    parser.add_argument("--no-warm-up", action="store_true", help="measure the first runs of a fresh server too")
    parser.add_argument("--log", default="/tmp/loadtest-locust-streamlit.log", help="the server's log file")
    parser.add_argument("--json", action="store_true", help="print the levels as JSON instead of a table")
    parser.add_argument("--replicas", type=int, default=0,
                        help="0: one server; N: N replicas behind nginx with shared Dask workers (make class), "
                             "the learners going through the balancer")
    args = parser.parse_args(argv)
    specs = [LevelSpec.parse(text) for text in args.levels.split(",")]
    log_path = Path(args.log)
    levels: list[Level] = []
    timing = log_path.with_suffix(".timing")
    with course_servers(args.replicas, log_path, timing) as (url, pids):
        if not args.no_warm_up:
            started = time.monotonic()
            heavy = 2 if any(s.heavy_users for s in specs) else 0  # one Train, one Register: TensorFlow loaded
            learners = max(1, args.replicas)  # one per replica: the balancer sends each to the least busy
            warm = run_level(url, pids, timing, LevelSpec(learners + heavy, 0,
                                                          100 * heavy / (learners + heavy) if heavy else 0),
                             args.budget, 120)
            print(f"warm-up ({learners} learner(s){', one Train, one Register' if heavy else ''}; imports and "
                  f"caches): {time.monotonic() - started:.0f} s, {len(warm.failures())} failed step(s), "
                  f"server RSS {servers_rss_mib(pids):.0f} MiB", file=sys.stderr, flush=True)
        for spec in specs:
            levels.append(run_level(url, pids, timing, spec, args.budget, args.step_timeout))
            print(table(levels[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps([{**asdict(lv), "passes": lv.passes(), "changes": lv.changes()} for lv in levels]))
        return 0
    print(f"\nLoad test on loopback with protocol-level learners (Locust {locust.__version__}), "
          + (f"{args.replicas} replicas behind nginx, " if args.replicas else "")
          + f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.")
    print(table(levels))
    print(TABLE_NOTES)
    for level in levels:
        print(per_page(level))
    failed = failures_text(levels)
    if failed:
        print(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
