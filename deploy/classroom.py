"""Host a class on one machine: N course replicas on loopback behind nginx, kept alive until Ctrl-C.

Usage (``make class`` runs it with the defaults)::

    .venv/bin/python deploy/classroom.py [--replicas 2] [--port 8500] [--first-replica-port 8601]
                                         [--address 127.0.0.1] [--dask-workers 1]

Each replica is a ``streamlit run app.py`` process of its own; nginx (Debian's package) listens on one port
and keeps every learner on one replica by the ``course_replica`` cookie (deploy/nginx.conf.template says
how). All replicas send their heavy work (training, registration, the case study) to one Dask scheduler on
loopback with its own workers (``--dask-workers``; 0 leaves each replica its embedded cluster). A replica
that dies is started again and rejoins; its learners' pages reconnect to a live replica meanwhile. SIGHUP writes the nginx configuration again and reloads nginx without dropping a learner.
Everything started here stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository, whether this file runs as a script or is imported
from deploy.local_server import free_ports, healthy, streamlit_command, wait_until  # noqa: E402

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MULTIPART_ENVELOPE_MB = 1  # Streamlit accepts maxUploadSize plus 1 MiB of multipart envelope per upload
START_TIMEOUT = 90.0
SCHEDULER_ENV = "COURSE_DASK_SCHEDULER"  # core.heavy reads it: where a replica sends its heavy work


def max_upload_mb(config_file: Path = ROOT / ".streamlit" / "config.toml") -> int:
    """Streamlit's upload limit in MB, as the app's own configuration sets it (Streamlit's default 200)."""
    with config_file.open("rb") as handle:
        return int(tomllib.load(handle).get("server", {}).get("maxUploadSize", 200))


def replica_name(index: int) -> str:
    """The cookie value that names replica `index` (0-based): ``r1``, ``r2``, ..."""
    return f"r{index + 1}"


def nginx_config(replica_ports: list[int], listen: str, run_dir: Path, upload_mb: int,
                 template: Path = TEMPLATE) -> str:
    """The nginx configuration for `replica_ports` on loopback, listening on `listen` (``host:port``).

    Parameters
    ----------
    replica_ports : list of int
        One loopback port per replica, in replica order.
    listen : str
        What nginx listens on, for example ``"127.0.0.1:8500"``.
    run_dir : Path
        Where nginx keeps its pid file, logs and temporary files.
    upload_mb : int
        Streamlit's ``server.maxUploadSize``; nginx takes that plus the multipart envelope.

    Returns
    -------
    str
        The whole configuration file.
    """
    if not replica_ports:
        raise ValueError("a class needs at least one replica")
    server = "127.0.0.1:{} max_fails=1 fail_timeout=3s"
    groups = []
    for index, port in enumerate(replica_ports):
        lines = [f"        server {server.format(port)};"]
        lines += [f"        server 127.0.0.1:{other} backup;" for other in replica_ports if other != port]
        groups.append(f"    upstream course_{replica_name(index)} {{\n" + "\n".join(lines) + "\n    }")
    fields = {
        "run_dir": str(run_dir),
        "max_body_mb": str(upload_mb + MULTIPART_ENVELOPE_MB),
        "listen": listen,
        "any_servers": "\n".join(f"        server {server.format(port)};" for port in replica_ports),
        "replica_groups": "\n".join(groups),
        "cookie_map": "\n".join(f"        {replica_name(i)} course_{replica_name(i)};"
                                for i in range(len(replica_ports))),
        # $upstream_addr lists every server tried ("a:1, b:2"): the last one answered.
        "served_map": "\n".join(f'        "~127\\.0\\.0\\.1:{port}$" {replica_name(i)};'
                                for i, port in enumerate(replica_ports)),
    }
    text = template.read_text()
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    return text


@dataclass
class Replica:
    """One ``streamlit run app.py`` process on a loopback port."""

    index: int
    port: int
    log: Path
    process: subprocess.Popen | None = None
    restarts: int = 0

    @property
    def name(self) -> str:
        return replica_name(self.index)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Classroom:
    """N replicas behind nginx on loopback: start, watch (a dead replica is started again), stop.

    Use it as a context manager; ``classroom.url`` is the one address learners open.
    """

    replicas: int = 2
    port: int = 8500
    first_replica_port: int = 8601
    address: str = "127.0.0.1"
    dask_workers: int = 1
    env: dict = field(default_factory=dict)
    # what runs a replica after the interpreter, before `run app.py ...`: Streamlit itself, or a wrapper of it
    # such as the load test's timed server
    launcher: list = field(default_factory=lambda: ["-m", "streamlit"])
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="course-class-")))
    watch: bool = True

    def __post_init__(self) -> None:
        self.run_dir.chmod(0o755)  # nginx's workers (not root) keep their temporary files here
        self.cookie_secret = secrets.token_hex(32)  # one secret for all replicas: cookies stay valid on failover
        self.members = [Replica(i, self.first_replica_port + i, self.run_dir / f"replica-{i + 1}.log")
                        for i in range(self.replicas)]
        self.nginx: subprocess.Popen | None = None
        self.scheduler: subprocess.Popen | None = None
        self.workers: subprocess.Popen | None = None
        self.scheduler_address = ""
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in ("0.0.0.0", "") else self.address
        return f"http://{host}:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.run_dir / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "access.log"

    def _start_dask(self) -> None:
        """One Dask scheduler on loopback and its workers (a nanny each, which restarts a worker that dies)."""
        port = free_ports()
        self.scheduler_address = f"tcp://127.0.0.1:{port}"
        dask = str(Path(sys.executable).with_name("dask"))
        # The scheduler and the workers import the app's code (the tasks are its functions).
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
        with (self.run_dir / "dask-scheduler.log").open("w") as log:
            self.scheduler = subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        with (self.run_dir / "dask-workers.log").open("w") as log:
            self.workers = subprocess.Popen(
                [dask, "worker", self.scheduler_address, "--nthreads", "1", "--nworkers", str(self.dask_workers),
                 "--memory-limit", "3GiB", "--no-dashboard", "--host", "127.0.0.1"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.env = {**self.env, SCHEDULER_ENV: self.scheduler_address}

    def _start_replica(self, replica: Replica) -> None:
        with replica.log.open("a") as log:
            replica.process = subprocess.Popen(streamlit_command(ROOT / "app.py", replica.port, self.launcher), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                               env={**os.environ, **self.env,
                                                    "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret},
                                               start_new_session=True)

    def write_config(self) -> None:
        """Write nginx.conf for the current replicas (also what a reload picks up)."""
        self.config_file.write_text(nginx_config([r.port for r in self.members], f"{self.address}:{self.port}",
                                                 self.run_dir, max_upload_mb()))

    def _nginx(self, *arguments: str) -> list[str]:
        return [NGINX, "-p", str(self.run_dir), "-c", str(self.config_file), *arguments]

    def start(self) -> "Classroom":
        """Start every replica and nginx, and wait until each answers its health check."""
        if not Path(NGINX).exists():
            raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx; `make class` does it)")
        if self.dask_workers > 0:
            self._start_dask()
        for replica in self.members:
            self._start_replica(replica)
        self.write_config()
        subprocess.run(self._nginx("-t", "-q"), check=True, capture_output=True)
        self.nginx = subprocess.Popen(self._nginx("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                      stderr=(self.run_dir / "nginx.stderr").open("w"), start_new_session=True)
        for replica in self.members:
            wait_until(lambda r=replica: healthy(r.url) or not r.alive(), START_TIMEOUT, f"replica {replica.name}")
            if not replica.alive():
                raise RuntimeError(f"replica {replica.name} exited:\n{replica.log.read_text()[-2000:]}")
        wait_until(lambda: healthy(self.url), 30, "nginx")
        if self.watch:
            self._watcher = threading.Thread(target=self._watch, name="classroom-watch", daemon=True)
            self._watcher.start()
        return self

    def _watch(self) -> None:
        """Start again any replica that died, so that it rejoins the class."""
        while not self._stop.wait(0.5):
            for replica in self.members:
                if not replica.alive():
                    replica.restarts += 1
                    self._start_replica(replica)

    def kill_replica(self, index: int) -> None:
        """Kill replica `index` at once (SIGKILL), as a crash would; the watcher starts it again."""
        process = self.members[index].process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def worker_pids(self) -> list[int]:
        """The Dask worker processes (the children of the workers' nannies; a nanny restarts one that dies)."""
        if self.workers is None:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        pids = []
        for pid in children.get(self.workers.pid, []):
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes() if (Path("/proc") / str(pid)).exists() else b""
            if b"resource_tracker" not in command:
                pids.append(pid)
        return pids

    def reload(self, write: bool = True) -> None:
        """Reload nginx (writing its configuration again first unless `write` is false, as after a hand edit):
        new workers take new connections while the old ones keep serving the open websockets."""
        if write:
            self.write_config()
        subprocess.run(self._nginx("-t", "-q"), check=True, capture_output=True)
        subprocess.run(self._nginx("-s", "reload"), check=True, capture_output=True)

    def stop(self) -> None:
        """Stop the watcher, nginx and every replica."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        processes = [self.nginx] + [r.process for r in self.members] + [self.workers, self.scheduler]
        for process in processes:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in processes:
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def __enter__(self) -> "Classroom":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8500, help="the one port learners open")
    parser.add_argument("--first-replica-port", type=int, default=8601)
    parser.add_argument("--address", default="127.0.0.1",
                        help="where nginx listens (0.0.0.0 for a class on the local network)")
    parser.add_argument("--dask-workers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                        help="Dask worker processes shared by every replica (0: each replica its own cluster)")
    args = parser.parse_args(argv)
    classroom = Classroom(args.replicas, args.port, args.first_replica_port, args.address, args.dask_workers)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: classroom.reload())
    with classroom:
        print(f"Class ready: {classroom.url} ({args.replicas} replicas on ports "
              f"{args.first_replica_port}-{args.first_replica_port + args.replicas - 1}, "
              f"{args.dask_workers} Dask worker(s) at {classroom.scheduler_address or 'each replica'}; "
              f"logs in {classroom.run_dir}). Ctrl-C stops everything.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("Stopping the class...", flush=True)


if __name__ == "__main__":
    main()
