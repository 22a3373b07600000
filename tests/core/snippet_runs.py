"""How the snippet tests run a "Show the code" snippet as a learner would, and read the numbers it prints.

Two ways: `run_here` executes it in a fresh namespace of this process (a
plain Python session: quick, for numpy and scikit-image snippets);
`run_script` runs it in a new interpreter from a chosen folder, with only
the repository on ``PYTHONPATH`` (for snippets that must not see this
process's imports, files or working folder).
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
"""A number as the snippets print it (``12``, ``-0.5``, ``3.2e-05``)."""


def run_here(code: str) -> str:
    """Execute a snippet in a fresh namespace, as a plain Python session would, and return what it prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def run_script(code: str, cwd: Path = ROOT, timeout: float = 600, **env: str) -> str:
    """Run a snippet as a script in a new interpreter from `cwd` and return what it printed.

    The interpreter sees the repository (``PYTHONPATH``), the system's
    programs and the variables `env`, nothing else of this process.
    """
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def numbers_after(text: str, label: str) -> list[float]:
    """The numbers printed on the first line that starts with `label`, after it."""
    line = next(line for line in text.splitlines() if line.startswith(label))
    return [float(v) for v in re.findall(NUMBER, line[len(label):])]
