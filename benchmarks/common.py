"""What every benchmark shares: a table row, the one table they all print, and AppTest helpers.

Each `benchmarks/bench_*.py` exposes ``rows(runs) -> list[Row]`` and stays
runnable alone (``main`` prints its own rows with `print_table`);
`benchmarks/run_all.py` collects them all into one table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT), str(ROOT / "tests" / "app")):
    if _path not in sys.path:
        sys.path.insert(0, _path)


@dataclass
class Row:
    """One measured line of the table.

    `value` and `reference` are medians in `unit`; `ok` is whether the goal
    was met (None when the row has no goal of its own, e.g. a detail).
    """

    name: str
    value: float | None
    unit: str = "ms"
    reference: float | None = None
    reference_name: str = ""
    goal: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.reference:
            return None
        return self.value / self.reference


def median(values) -> float:
    return statistics.median(list(values))


def timed(function, runs: int) -> tuple[list[float], object]:
    """Seconds of `runs` calls of `function`, and its last result."""
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return times, value


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:g} {unit}"


def table(rows: list[Row], runs: int) -> str:
    """The markdown table of `rows`, headed by the core count and the number of runs."""
    lines = [f"cores: {os.cpu_count()} · median of {runs} runs unless a row says otherwise",
             "",
             "| benchmark | median | reference (same run) | ratio | goal | result |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        reference = _number(row.reference, row.unit)
        if reference and row.reference_name:
            reference = f"{reference} ({row.reference_name})"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}×"
        result = {True: "pass", False: "**miss**", None: ""}[row.ok]
        name = row.name + (f" — {row.note}" if row.note else "")
        lines.append(f"| {name} | {_number(row.value, row.unit)} | {reference} | {ratio} | {row.goal} | {result} |")
    return "\n".join(lines)


def print_table(rows: list[Row], runs: int) -> None:
    print(table(rows, runs), flush=True)


def run_alone(rows: Callable[[int], list[Row]], doc: str, runs: int) -> None:
    """A benchmark's own command line: measure its rows ``--runs`` times (default `runs`) and print their table.

    Parameters
    ----------
    rows : callable
        The benchmark's ``rows(runs)``.
    doc : str
        The benchmark's module docstring, whose first line describes the command.
    runs : int
        Runs when ``--runs`` is not given.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args()
    print_table(rows(args.runs), args.runs)


# --- AppTest helpers -------------------------------------------------------------------------------

_FRAGMENT_OF: dict[str, str] = {}


def record_fragments() -> None:
    """From now on, remember which fragment drew each widget (by its element id), as the browser knows it."""
    from streamlit.testing.v1 import element_tree, local_script_runner

    if getattr(element_tree, "_bench_recording", False):
        return
    original = element_tree.parse_tree_from_messages

    def parse(messages):
        for msg in messages:
            if msg.HasField("delta") and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                inner = getattr(element, element.WhichOneof("type") or "", None)
                widget_id = getattr(inner, "id", "")
                if widget_id:
                    _FRAGMENT_OF[widget_id] = msg.delta.fragment_id
        return original(messages)

    element_tree.parse_tree_from_messages = parse
    local_script_runner.parse_tree_from_messages = parse
    element_tree._bench_recording = True


def fragment_of(widget) -> str:
    """The fragment id that drew `widget` ("" when it is outside every fragment); see `record_fragments`."""
    return _FRAGMENT_OF.get(widget.proto.id, "")


@contextmanager
def fragment_reruns(fragment_ids: list[str]):
    """Make AppTest's runs fragment-scoped, as a widget inside a fragment makes the browser's."""
    from streamlit.testing.v1 import local_script_runner

    original = local_script_runner.RerunData

    def scoped(**kwargs):
        return original(fragment_id_queue=list(fragment_ids), is_fragment_scoped_rerun=True, **kwargs)

    local_script_runner.RerunData = scoped
    try:
        yield
    finally:
        local_script_runner.RerunData = original


def timed_rerun(at, fragment: str | None) -> float:
    """Seconds of one AppTest rerun as the browser makes it: of `fragment` alone, or of the whole page without one.

    Parameters
    ----------
    at : streamlit.testing.v1.AppTest
        After a widget's value was set.
    fragment : str or None
        The fragment id that drew the widget (`fragment_of`); "" or None for a widget outside every fragment.
    """
    start = time.perf_counter()
    if fragment:
        with fragment_reruns([fragment]):
            at.run()
    else:
        at.run()
    return time.perf_counter() - start
