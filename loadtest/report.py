"""The protocol load test's levels and its table: what each level measured, and whether it met the goal.

No Locust and no gevent here, so the table's arithmetic is unit-tested in the ordinary test process
(tests/e2e/test_protocol_learner.py).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loadtest/, run as a script or imported
from learner import Step  # noqa: E402
from run import percentile  # noqa: E402

TARGET_S = 1.0  # a control change's run must end within this at the 95th percentile


@dataclass
class LevelSpec:
    """One level: N learners reading `pace` seconds between steps, a share of them pressing Train/Register.

    Written ``N:pace`` or ``N:pace:heavy%`` on the command line.

    Examples
    --------
    >>> LevelSpec.parse("100:20:10")
    LevelSpec(users=100, pace=20.0, heavy_percent=10.0)
    >>> LevelSpec.parse("100:20:10").heavy_users
    10
    """

    users: int
    pace: float
    heavy_percent: float = 0.0

    @classmethod
    def parse(cls, text: str) -> LevelSpec:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"a level is N:pace or N:pace:heavy%, not {text!r}")
        return cls(int(parts[0]), float(parts[1]), float(parts[2]) if len(parts) == 3 else 0.0)

    @property
    def heavy_users(self) -> int:
        """Learners who press Train or Register (at least one when the share is not zero)."""
        return max(1, round(self.users * self.heavy_percent / 100)) if self.heavy_percent > 0 else 0

    @property
    def label(self) -> str:
        return f"mixed {self.heavy_percent:g} %" if self.heavy_users else "plain"


@dataclass
class Level:
    """What one level measured."""

    spec: LevelSpec
    steps: list[Step] = field(default_factory=list)
    wall_seconds: float = 0.0
    server_cpu_seconds: float = 0.0  # user + system time of the server process during the level (/proc)
    load_cpu_seconds: float = 0.0  # the same for the process that simulates the learners
    rss_before_mib: float = 0.0
    rss_peak_mib: float = 0.0  # the server's VmRSS, sampled four times a second
    out_of_time: bool = False  # some learners did not reach the last lesson within the level's budget
    press_at: float | None = None  # time.monotonic() of the heavy learners' shared press
    server_answers: list[float] = field(default_factory=list)  # the server's own log (loadtest/timed_server.py)

    def heavy_window(self) -> tuple[float, float] | None:
        """From the heavy learners' press to the end of the last of their work (or of the level if one failed)."""
        presses = [s for s in self.steps if s.kind in ("train", "register")]
        if self.press_at is None or not presses:
            return None
        ends = [s.start + s.seconds for s in presses if s.seconds is not None]
        end = max(ends) if len(ends) == len(presses) else float("inf")
        return self.press_at, end

    def changes(self) -> list[float]:
        """Control-change times of the learners who do not press Train/Register; in a mixed level, only the
        changes sent while the heavy work ran."""
        window = self.heavy_window()
        return [s.seconds for s in self.steps if s.kind == "change" and not s.heavy and s.seconds is not None
                and (window is None or window[0] <= s.start <= window[1])]

    def seconds(self, kind: str) -> list[float]:
        return [s.seconds for s in self.steps if s.kind == kind and s.seconds is not None]

    def failures(self) -> list[Step]:
        return [s for s in self.steps if s.seconds is None]

    def passes(self) -> bool:
        """No failed step, and the (other) learners' control changes under `TARGET_S` at the 95th percentile."""
        changes = self.changes()
        return bool(changes) and not self.failures() and percentile(changes, 95) < TARGET_S


def _fmt(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.2f}" if values else "-"


def table(levels: list[Level]) -> str:
    """The levels as a plain-text table, one row each.

    Examples
    --------
    >>> print(table([]).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    level  N pace s heavy | steps failed | change med p95 n | open med p95 | heavy s med max | server answer p95 CPU % s/step RSS peak MiB | load CPU % | wall s | p95 < 1 s
    """
    head = (f"{'level':<12} {'N':>3} {'pace s':>6} {'heavy':>5} | {'steps':>5} {'failed':>6} | "
            f"{'change med':>10} {'p95':>5} {'n':>4} | {'open med':>8} {'p95':>5} | {'heavy s med':>11} {'max':>5} | "
            f"{'server answer p95':>17} {'CPU %':>5} {'s/step':>6} {'RSS peak MiB':>12} | {'load CPU %':>10} | {'wall s':>6} | p95 < 1 s")
    lines = [head, "-" * len(head)]
    for lv in levels:
        changes, opens = lv.changes(), lv.seconds("open")
        heavy = lv.seconds("train") + lv.seconds("register")
        wall = max(lv.wall_seconds, 1e-9)
        lines.append(
            f"{lv.spec.label:<12} {lv.spec.users:>3} {lv.spec.pace:>6g} {lv.spec.heavy_users:>5} | "
            f"{len(lv.steps):>5} {len(lv.failures()):>6} | {_fmt(changes, 50):>10} {_fmt(changes, 95):>5} "
            f"{len(changes):>4} | {_fmt(opens, 50):>8} {_fmt(opens, 95):>5} | {_fmt(heavy, 50):>11} "
            f"{(f'{max(heavy):.1f}' if heavy else '-'):>5} | {_fmt(lv.server_answers, 95):>17} "
            f"{100 * lv.server_cpu_seconds / wall:>5.0f} {lv.server_cpu_seconds / max(len(lv.steps), 1):>6.2f} "
            f"{lv.rss_peak_mib:>12.0f} | {100 * lv.load_cpu_seconds / wall:>10.0f} | {lv.wall_seconds:>6.0f} | "
            f"{'yes' if lv.passes() else 'no'}{' (budget cut)' if lv.out_of_time else ''}")
    return "\n".join(lines)


TABLE_NOTES = """change: seconds from sending a control change (the widget's new state, as the browser sends it) to
receiving the end of its run (script_finished), as the simulated learner sees it; n: how many. In a mixed
level, only the changes of the learners who do not press, sent while the pressed work ran (from the press
to the end of the last training or registration). open: the same for opening a lesson. heavy s: from the
press of Train (lesson 6, default network) or Register (lesson 5, defaults) to the end of that work.
failed: steps with no end of the run within the step's timeout, a lost connection or an exception on the
page. server answer p95: every rerun request of the level (opens and changes of all learners, presses
included) from reaching its session on the server to the end of that run, from the server's own log
(loadtest/timed_server.py), which leaves out the learners' side. CPU %: the server process's CPU time
over the level's wall time (100 = one core), from /proc; s/step: the same CPU time per learner step;
RSS peak: its VmRSS, sampled four times a second. load CPU %: the process that simulates all the learners.
p95 < 1 s: no failed step and the (other) learners' changes under 1 s at the 95th percentile."""


def per_page(level: Level) -> str:
    """Median and 95th-percentile open and change times per page in one level: where the time goes."""
    lines = [f"Per page at N = {level.spec.users}, {level.spec.label} (seconds, median / p95; failed steps):"]
    for page in dict.fromkeys(s.page for s in level.steps if s.kind in ("open", "change")):
        row = {kind: [s.seconds for s in level.steps if s.page == page and s.kind == kind and s.seconds is not None
                      and not s.heavy] for kind in ("open", "change")}
        failed = sum(1 for s in level.steps if s.page == page and s.seconds is None)
        lines.append(f"  {page[:40]:<40} open {_fmt(row['open'], 50):>5} / {_fmt(row['open'], 95):>5}   change "
                     f"{_fmt(row['change'], 50):>5} / {_fmt(row['change'], 95):>5}   failed {failed}")
    return "\n".join(lines)


def failures_text(levels: list[Level], limit: int = 10) -> str:
    """The first failed steps, one line each."""
    lines = []
    for lv in levels:
        for s in lv.failures()[:limit]:
            lines.append(f"  FAILED N={lv.spec.users} {lv.spec.label}: learner {s.user} {s.kind} {s.page} "
                         f"{s.control}: {s.error}")
    return "\n".join(lines[:limit])
