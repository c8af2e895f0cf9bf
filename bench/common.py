"""Shared pieces of the benchmarks: the load generator, app servers, tables and results."""

import http.client
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results"


# --- scenarios and measurements --------------------------------------------------------------
@dataclass
class Scenario:
    """Requests sent round-robin over `paths` (one path: the same request every time)."""

    name: str
    method: str
    paths: list[str]
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def row(self) -> dict[str, float | int | str]:
        ordered = sorted(self.latencies_ms) or [0.0]

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 2)

        return {
            "scenario": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.requests / self.seconds, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered), 2),
        }


def load(port: int, scenario: Scenario, concurrency: int, duration: float) -> Result:
    """`concurrency` keep-alive connections, each sending its next request as soon as the
    previous answer is read (a closed loop), for `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = itertools.count()  # next() is atomic under the GIL
    stop_at = time.monotonic() + duration
    headers = {"Content-Type": "application/json", **scenario.headers}

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            path = scenario.paths[next(counter) % len(scenario.paths)]
            started = time.perf_counter()
            try:
                conn.request(scenario.method, path, body=scenario.body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
                    if failed == 1:
                        print(
                            f"{scenario.name}: HTTP {response.status} for {path}", file=sys.stderr
                        )
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(scenario.name, len(latencies), errors, time.monotonic() - began, latencies)


def request_json(port: int, method: str, path: str, body: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = json.dumps(body) if body is not None else None
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read() or b"{}")
    if response.status >= 400:
        raise SystemExit(f"{method} {path} -> {response.status}: {answer}")
    return answer


# --- servers ---------------------------------------------------------------------------------
BACKPRESSURE = 4096  # connections a granian worker holds open (README, web processes)
# How the README runs the web processes on this machine's two cores: granian WSGI, a worker a
# core, two threads each. Eight threads a worker answered fewer requests, with longer tails
# (bench/README.md, "Threads a worker").
PRODUCTION_SERVER = "granian-wsgi:2x2"


@dataclass(frozen=True)
class ServerSpec:
    """`uvicorn[:workers]`, `gunicorn-sync[:workers]`, `gunicorn-gthread[:workersxthreads]`,
    `granian-wsgi[:workersxthreads]` or `granian-asgi[:workers]`."""

    kind: str
    workers: int
    threads: int = 1

    DEFAULTS = {
        "uvicorn": (2, 1),
        "gunicorn-sync": (5, 1),
        "gunicorn-gthread": (2, 8),
        "granian-wsgi": (2, 2),
        "granian-asgi": (2, 1),
    }

    @classmethod
    def parse(cls, text: str) -> "ServerSpec":
        kind, _, size = text.strip().partition(":")
        if kind not in cls.DEFAULTS:
            raise SystemExit(f"unknown server {kind!r}; use one of {', '.join(cls.DEFAULTS)}")
        workers, threads = cls.DEFAULTS[kind]
        if size:
            first, _, second = size.partition("x")
            workers = int(first)
            threads = int(second) if second else threads
        return cls(kind, workers, threads)

    @property
    def label(self) -> str:
        if self.kind in ("gunicorn-gthread", "granian-wsgi"):
            return f"{self.kind} {self.workers}x{self.threads}"
        return f"{self.kind} {self.workers}w"

    def command(self, port: int) -> list[str]:
        if self.kind == "uvicorn":
            return [
                PYTHON, "-m", "uvicorn", "agora.asgi:application",
                "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(self.workers),
                "--no-access-log", "--lifespan", "off",
            ]  # fmt: skip
        if self.kind.startswith("granian"):
            interface = self.kind.removeprefix("granian-")
            module = "agora.wsgi:application" if interface == "wsgi" else "agora.asgi:application"
            return [
                PYTHON, "-m", "granian", "--interface", interface, module,
                "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(self.workers),
                *(["--blocking-threads", str(self.threads)] if interface == "wsgi" else []),
                "--backlog", "512",
                # Counts open connections, idle keep-alive ones too (granian's default is
                # backlog / workers): at 256 a worker, people past the 512th waited forever.
                "--backpressure", str(BACKPRESSURE),
                "--log-level", "warning",
                "--no-ws",
            ]  # fmt: skip
        worker_class = "sync" if self.kind == "gunicorn-sync" else "gthread"
        return [
            PYTHON, "-m", "gunicorn", "agora.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(self.workers),
            "--worker-class", worker_class,
            "--threads", str(self.threads),
            "--keep-alive", "5",
            "--backlog", "512",
            "--log-level", "warning",
        ]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


class Server:
    """An app server process on a free loopback port, stopped on exit from the block."""

    def __init__(self, spec: ServerSpec, env: dict[str, str]) -> None:
        self.spec = spec
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(self.spec.command(self.port), cwd=ROOT, env=self.env)  # noqa: S603
        wait_until_up(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- output ----------------------------------------------------------------------------------
def print_table(title: str, rows: list[dict]) -> None:
    header = f"{'scenario':<44}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(f"\n{title}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['scenario']:<44}{row['rps']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['errors']:>8}"
        )


def print_comparison(results: dict[str, list[dict]]) -> None:
    """One line per scenario, one column per server: req/s and p95."""
    servers = list(results)
    if len(servers) < 2:
        return
    width = 22
    print("\nServers compared (req/s | p95 ms)")
    header = f"{'scenario':<44}" + "".join(f"{name:>{width}}" for name in servers)
    print(header)
    print("-" * len(header))
    names = [row["scenario"] for row in results[servers[0]]]
    for name in names:
        cells = []
        for server in servers:
            row = next((r for r in results[server] if r["scenario"] == name), None)
            cells.append(f"{row['rps']:>9} | {row['p95_ms']:>8}" if row else "-")
        print(f"{name:<44}" + "".join(f"{cell:>{width}}" for cell in cells))


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}.json"
    out.write_text(json.dumps(payload, indent=2, default=str))
    return out


def setup_django(database: str, **env: str) -> None:
    """For the in-process benchmarks: Django on `database` (created when missing, then
    migrated), with a cache that keeps nothing and no rate limits; `env` sets more
    variables first."""
    from bench.catalog import ensure_postgres_database

    os.environ["DATABASE_URL"] = database
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
    os.environ["CACHE_DISABLED"] = "true"
    os.environ["RATELIMIT_ENABLE"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ensure_postgres_database(database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
