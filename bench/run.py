"""Agora benchmarks: start the production server on loopback, load it, print a table.

    make bench                          # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/agora_bench make bench

Each scenario is a list of requests sent by CONCURRENCY keep-alive connections for DURATION
seconds; the table shows requests/s and latency percentiles. Results are also written to
bench/results/<timestamp>.json. Nothing here runs in CI.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_EMAIL = "bench.user@agora.test"
BENCH_PASSWORD = "Bench-password-2026"  # noqa: S105


@dataclass
class Scenario:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(port: int, scenario: Scenario, concurrency: int, duration: float) -> Result:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request(
                    scenario.method,
                    scenario.path,
                    body=scenario.body,
                    headers={"Content-Type": "application/json", **scenario.headers},
                )
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
                    if failed == 1:
                        print(f"{scenario.name}: HTTP {response.status}", file=sys.stderr)
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def request_json(port: int, method: str, path: str, body: dict) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    if response.status >= 400:
        raise SystemExit(f"{method} {path} -> {response.status}: {payload}")
    return payload


def scenarios_for(port: int) -> list[Scenario]:
    tokens = request_json(
        port, "POST", "/api/v1/auth/login", {"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
    )
    auth = {"Authorization": f"Bearer {tokens['access']}"}
    login = json.dumps({"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).encode()
    return [
        Scenario("GET /healthz", "GET", "/healthz"),
        Scenario("GET /api/v1/me (JWT)", "GET", "/api/v1/me", headers=auth),
        Scenario("GET / (home page)", "GET", "/"),
        Scenario("POST /api/v1/auth/login (Argon2)", "POST", "/api/v1/auth/login", body=login),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="web server processes")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="agora-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "AGORA_ENV": "production",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "RATELIMIT_ENABLE": "false",
        "AGORA_VAR_DIR": str(var_dir),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var_dir}/bench.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run
    manage = [PYTHON, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    run(
        [
            *manage,
            "shell",
            "-c",
            "from agora.accounts.models import User;"
            f"User.objects.filter(email='{BENCH_EMAIL}').exists() or "
            f"User.objects.create_user('{BENCH_EMAIL}', '{BENCH_PASSWORD}', name='Bench')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "-m",
            "uvicorn",
            "agora.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--lifespan",
            "off",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port)
        rows = []
        for scenario in scenarios_for(port):
            load(port, scenario, args.concurrency, 1.0)  # warm-up
            rows.append(load(port, scenario, args.concurrency, args.duration).row())
    finally:
        server.terminate()
        server.wait(timeout=30)

    header = f"{'scenario':<36}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(
        f"\n{args.concurrency} connections, {args.duration:.0f}s each, "
        f"{args.workers} uvicorn workers, {env['DATABASE_URL'].split(':')[0]}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['scenario']:<36}{row['rps']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['errors']:>8}"
        )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"settings": vars(args), "results": rows}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
