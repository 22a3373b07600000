"""A course server on loopback, started and stopped as a whole: one way for the classroom, the browser tests,
the load tests and the benchmarks.

Each server runs in a process group of its own (so Streamlit's children go with it), on a port that is free
now, with the same flags everywhere (headless, loopback only, no file watcher, no usage statistics, plain
tracebacks in its log). Also the headless Chromium that the tests and measurements drive.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
STREAMLIT_FLAGS = ("--server.headless", "true", "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
                   "--browser.gatherUsageStats", "false", "--logger.enableRich", "false")
CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by `make chromium`
CHROMIUM_ARGS = ["--no-sandbox",  # run as root
                 "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_ports(count: int = 1) -> int:
    """The first of `count` consecutive ports that are free on loopback now."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} free neighbouring ports on loopback")


def healthy(url: str) -> bool:
    """True when a course server (or the balancer) answers its health check at `url`."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `predicate` until it is true; raise TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.25)


def streamlit_command(script: Path | str, port: int, launcher: Sequence[str] = ("-m", "streamlit")) -> list[str]:
    """``python <launcher> run <script>`` on `port` with the course's flags (`launcher` may be a wrapper script
    that takes Streamlit's arguments, as loadtest/timed_server.py does)."""
    return [sys.executable, *launcher, "run", str(script), "--server.port", str(port), *STREAMLIT_FLAGS]


def stop_group(process: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM to the process's group, SIGKILL after `grace` seconds; nothing if it has already gone."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(path: Path | None, lines: int = 40) -> str:
    """The last `lines` lines of a server's log (empty when there is none)."""
    text = path.read_text(errors="replace") if path is not None and path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def serving(script: Path | str = APP, log_path: Path | None = None, timeout: float = 60,
            launcher: Sequence[str] = ("-m", "streamlit"), env: dict | None = None,
            preexec_fn: Callable[[], None] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `script` on a free loopback port, wait for its health check, yield (URL, process); stop its group.

    Parameters
    ----------
    script : path
        The Streamlit script, run from the repository's root (default: the course, app.py).
    log_path : Path, optional
        Where the server's output goes (discarded when not given).
    timeout : float
        Seconds allowed to answer; a server that exits or stays silent raises RuntimeError with its log's tail.
    launcher, env, preexec_fn
        See `streamlit_command`; the environment (default: this process's); run in the child before it starts.
    """
    port = free_ports()
    log = log_path.open("w") if log_path is not None else subprocess.DEVNULL
    process = subprocess.Popen(streamlit_command(script, port, launcher), cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, env=env, preexec_fn=preexec_fn, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                what = f"exited with code {process.returncode}" if process.poll() is not None \
                    else f"did not answer within {timeout:.0f} s"
                raise RuntimeError(f"streamlit {what} on {url}:\n{log_tail(log_path)}")
            time.sleep(0.3)
        yield url, process
    finally:
        stop_group(process)
        if log_path is not None:
            log.close()
