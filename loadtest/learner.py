"""What a simulated learner does, step by step, over `protocol.StreamlitClient`.

A learner opens the course, then every lesson from the navigation, and on each changes one control
found by its label (`PLAN`), reading between steps. A heavy learner opens lesson 6 or 5 and, at a moment
shared by all heavy learners of the level, presses Train or Register (`HEAVY`) and waits until the work
is over, however long. Every step is timed as the client sees it, from sending the request to receiving
the end of its run, and handed to `record`.

The Locust user class (loadtest/locustfile.py) runs these under gevent; the end-to-end test runs one
through Locust as `make loadtest` does.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loadtest/, run as a script or imported
from protocol import Page, ProtocolError, Run, StreamlitClient  # noqa: E402

# The control a learner changes on each page, by the page's URL name: the lesson's section that holds it (the
# lessons show one section at a time: the learner clicks it after opening the lesson) and the widget's label
# (its start). A page that has none of them: its first slider, else the sidebar's sample.
PLAN = {
    "": ("", "Sample"),  # the course map: the sidebar's sample (the whole page reruns)
    "pixels": ("Bit depth", "Bits per value, n"),
    "loading": ("Look at it", "Width"),
    "exploring": ("Histogram", "Bins (at most)"),
    "preparing": ("Filters", "Gaussian sigma (pixels)"),
    "unsupervised": ("Problem", "Shift right (mm)"),
    "supervised": ("Convolution", "Row of the output pixel"),
    "case_study": ("Subjects", "Atrophy (mm)"),
}
# What a heavy learner presses: the page's URL name, the section and the button's label (the lesson's defaults).
HEAVY = {"train": ("supervised", "Training", "Train the network"), "register": ("unsupervised", "Register", "Register")}


@dataclass
class Step:
    """One timed step of one learner."""

    user: int
    kind: str  # "first" (the course's URL), "open" (a lesson), "change" (one control), "train", "register"
    page: str
    control: str = ""
    heavy: bool = False  # a step of a learner who presses Train or Register in this level
    start: float = 0.0  # time.monotonic() when the request was sent
    seconds: float | None = None  # None when the step failed
    error: str = ""


class Learner:
    """One simulated learner.

    Parameters
    ----------
    url
        The app's address.
    user
        The learner's number (seeds the reading times and picks Train or Register).
    think_s
        Mean reading time between steps (uniformly 0.5 to 1.5 times it).
    record
        Called with every step once it ended.
    timeout
        Seconds a step may take before it fails (a heavy press: `heavy_timeout`).
    should_stop
        Checked before each step: the level's time is over.
    """

    def __init__(self, url: str, user: int, think_s: float, record: Callable[[Step], None],
                 timeout: float = 30.0, heavy_timeout: float = 600.0,
                 should_stop: Callable[[], bool] = lambda: False) -> None:
        self.url, self.user, self.think_s, self.record = url, user, think_s, record
        self.timeout, self.heavy_timeout, self.should_stop = timeout, heavy_timeout, should_stop
        self.random = random.Random(user)
        self.client = StreamlitClient(url, timeout=timeout)
        self.heavy = False

    def think(self, page: str = "") -> bool:
        """Read the page for a while, the tab open (the client keeps reading the websocket); False when the
        connection was lost meanwhile (a failed step of kind "read")."""
        if self.think_s > 0:
            try:
                self.client.idle(self.think_s * self.random.uniform(0.5, 1.5))
            except (ProtocolError, OSError) as exc:
                self.record(Step(self.user, "read", page, heavy=self.heavy, start=time.monotonic(),
                                 error=f"{type(exc).__name__}: {exc}"[:200]))
                return False
        return True

    def _step(self, kind: str, page: str, action: Callable[[], object], control: str = "") -> bool:
        step = Step(self.user, kind, page, control, heavy=self.heavy, start=time.monotonic())
        try:
            run = action()
            if run.exceptions:
                step.error = f"exception on the page: {run.exceptions[0]}"
            else:
                step.seconds = run.seconds
        except Exception as exc:  # noqa: BLE001 - a failed step (refused connection, bad status...), not a crash
            step.error = f"{type(exc).__name__}: {exc}"[:200]
        self.record(step)
        return not step.error

    def open(self, page: Page, section: str = "") -> Run:
        """Open a lesson from the navigation, then click its `section` (one run each, timed together)."""
        run = self.client.open_page(page)
        control = self.client.widget("Section", "button_group") if section else None
        if control is None or run.exceptions:
            return run
        chosen = self.client.choose(control, section)
        chosen.seconds += run.seconds
        chosen.exceptions = run.exceptions + chosen.exceptions
        return chosen

    def _change(self, page: Page) -> bool:
        label = PLAN.get(page.url_pathname, ("", ""))[1]
        widget = (self.client.widget(label) if label else None) or next(
            iter(self.client.widgets("slider", sidebar=False)), None) or self.client.widget("Sample")
        if widget is None:
            self.record(Step(self.user, "change", page.name, error="no control to change", heavy=self.heavy))
            return False
        return self._step("change", page.name, lambda: self.client.change(widget, step=1 + self.user % 2),
                   control=f"{widget.kind}: {widget.label}"[:60])

    def course(self, start_delay: float = 0.0) -> None:
        """Open the course, then every lesson in the navigation's order, changing one control on each.

        A failed step ends the pass (the learner's page is no longer known, as after a reload)."""
        time.sleep(start_delay)
        try:
            if self.should_stop() or not self._step("first", "Course map", self.client.connect):
                return
            pages = list(self.client.pages)
            for n, page in enumerate(pages):
                if n:
                    if not self.think(pages[n - 1].name):
                        return
                    section = PLAN.get(page.url_pathname, ("", ""))[0]
                    if self.should_stop() or not self._step("open", page.name,
                                                            lambda p=page, s=section: self.open(p, s)):
                        return
                if not self.think(page.name) or self.should_stop() or not self._change(page):
                    return  # a failed step ends the pass: the page is no longer known
        finally:
            self.client.close()

    def press(self, what: str, at: float) -> None:
        """Open the lesson of `what` ("train" or "register"), wait until time.monotonic() == `at`, press."""
        self.heavy = True
        url_name, section, label = HEAVY[what]
        self.client.timeout = self.heavy_timeout  # its lesson's first open on a fresh server is slow too
        try:
            if not self._step("first", "Course map", self.client.connect):
                return
            page = next((p for p in self.client.pages if p.url_pathname == url_name), None)
            if page is None or not self._step("open", page.name, lambda: self.open(page, section)):
                return
            try:
                self.client.idle(at - time.monotonic())
            except (ProtocolError, OSError) as exc:  # the connection was lost while waiting for the moment
                self.record(Step(self.user, what, page.name, heavy=True, start=time.monotonic(),
                                 error=f"{type(exc).__name__}: {exc}"[:200]))
                return
            button = self.client.widget(label, "button")
            if button is None:
                self.record(Step(self.user, what, page.name, error=f"no button {label!r}", heavy=True))
                return
            self._step(what, page.name, lambda: self.client.change(button, follow=True), control=label)
        finally:
            self.client.close()
