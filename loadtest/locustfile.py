"""Locust user class: a learner that speaks Streamlit's websocket protocol (loadtest/protocol.py).

Each user makes one pass through the course (loadtest/learner.py) and stops: it opens the course, then
every lesson, changing one control on each and reading between steps; in a mixed level the first
learners press Train or Register at one shared moment instead. Every step is reported to Locust as a
request (type: first, open, change, train or register; name: the page), so Locust's own statistics and
web UI work too:

    .venv/bin/locust -f loadtest/locustfile.py --host http://127.0.0.1:8501 -u 20 -r 20 --headless -t 120s

(the environment variables LOADTEST_PACE and LOADTEST_HEAVY_PERCENT set the reading time and the share
that presses Train or Register). `make loadtest` (loadtest/locust_run.py) runs it as a library instead,
starting and stopping the server, level by level, and prints its own table.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from locust import User, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner import Learner, Step  # noqa: E402


@dataclass
class LevelPlan:
    """What the users of one level share: pace, who presses what and when, where steps go, when to stop."""

    pace: float = 3.0
    heavy_users: int = 0
    press_at: float = 0.0  # time.monotonic() of the heavy learners' press
    step_timeout: float = 30.0
    heavy_timeout: float = 600.0
    deadline: float = float("inf")  # time.monotonic() after which no learner starts a step
    steps: list[Step] = field(default_factory=list)
    numbers: itertools.count = field(default_factory=itertools.count)
    done: int = 0
    stop: Callable[[], bool] | None = None

    def should_stop(self) -> bool:
        return time.monotonic() > self.deadline or bool(self.stop and self.stop())


def _plan_from_environment() -> LevelPlan:
    """For `locust -f loadtest/locustfile.py`: the pace and heavy share from environment variables."""
    plan = LevelPlan(pace=float(os.environ.get("LOADTEST_PACE", "3")))
    share = float(os.environ.get("LOADTEST_HEAVY_PERCENT", "0"))
    users = int(os.environ.get("LOADTEST_USERS", "20"))
    plan.heavy_users = max(1, round(users * share / 100)) if share else 0
    plan.press_at = time.monotonic() + 2 * plan.pace + 5
    return plan


class CourseLearner(User):
    """One learner's pass through the course over Streamlit's websocket (no browser)."""

    plan: LevelPlan | None = None  # set by loadtest/locust_run.py before each level

    @task
    def one_pass(self) -> None:
        if CourseLearner.plan is None:
            CourseLearner.plan = _plan_from_environment()
        plan = CourseLearner.plan
        number = next(plan.numbers)
        request = self.environment.events.request

        def record(step: Step) -> None:
            plan.steps.append(step)
            request.fire(request_type=step.kind, name=step.page, response_time=1000 * (step.seconds or 0),
                         response_length=0, exception=RuntimeError(step.error) if step.error else None,
                         context={"user": step.user, "control": step.control})

        learner = Learner(self.host, number, plan.pace, record, timeout=plan.step_timeout,
                          heavy_timeout=plan.heavy_timeout, should_stop=plan.should_stop)
        try:
            if number < plan.heavy_users:
                learner.press("train" if number % 2 == 0 else "register", plan.press_at)
            else:
                # learners arrive over one reading time, as a class does, not all in the same millisecond
                learner.course(start_delay=random.Random(number).uniform(0, plan.pace))
        finally:
            plan.done += 1
        raise StopUser()
