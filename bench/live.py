"""Live delivery at scale: 1,000 open sockets on one web process, and messages to a course
chat of 500 members delivered to all of them.

    .venv/bin/python bench/live.py                      # embedded default: SQLite, no Redis
    .venv/bin/python bench/live.py --redis redis://127.0.0.1:6379/9 \\
        --database postgres://postgres@127.0.0.1:5432/agora_bench_live

It migrates a fresh database in a temporary folder, creates a published course with an
instructor, 500 enrolled learners and 500 other users, starts one web process the way
`make run` does (uvicorn, `agora.asgi`), and opens one socket per user (signed in with an
access token in the first frame). Then the instructor posts messages to the course chat
through the API (`POST /api/v1/conversations/{id}/messages`), one at a time; for each, the
time from sending the request to each member's socket receiving the `message` frame is
recorded. The 500 non-members must hear nothing. Reported: delivery p50/p95/p99/max over
all deliveries, the web process's memory per open socket (resident set size before and
after the sockets opened, divided by their number), and the time to open them.
Results go to bench/results/<timestamp>-live-<engine>.json.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.drill_services import free_port, wait_for_port  # noqa: E402


def _env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        "AGORA_VAR_DIR": str(var_dir),
        "DATABASE_URL": args.database or f"sqlite:///{var_dir / 'bench-live.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_ENABLE": "false",  # one machine plays a thousand people
        "MESSAGE_RATE_LIMIT": "100000/m",
    }
    for name in ("EMAIL_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    if args.redis:
        env["REDIS_URL"] = args.redis
    return env


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _setup_people(members: int, others: int) -> dict[str, Any]:
    """The course, its instructor, enrolled learners and outsiders, with access tokens."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from agora.accounts.models import User
    from agora.accounts.tokens import issue_access_token
    from agora.catalog.models import Category, Course, CourseStatus
    from agora.learning.models import Enrollment

    password = make_password("bench-password-2026")
    people = User.objects.bulk_create(
        User(email=f"live{n}@bench.test", name=f"Learner {n}", password=password)
        for n in range(members + others + 1)
    )
    instructor = people[0]
    instructor.is_instructor = True
    instructor.save(update_fields=["is_instructor"])
    category = Category.objects.create(name="Bench", slug="bench")
    course = Course.objects.create(
        owner=instructor,
        title="Live bench",
        slug="live-bench",
        category=category,
        status=CourseStatus.PUBLISHED,
        price=0,
    )
    Enrollment.objects.bulk_create(
        Enrollment(learner=user, course=course) for user in people[1 : members + 1]
    )
    return {
        "course_id": course.pk,
        "instructor": issue_access_token(instructor),
        "members": [(u.pk, issue_access_token(u)) for u in people[1 : members + 1]],
        "others": [(u.pk, issue_access_token(u)) for u in people[members + 1 :]],
    }


def _api(port: int, method: str, path: str, token: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


async def _run(port: int, people: dict[str, Any], messages: int, server_pid: int) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    received: dict[int, dict[int, float]] = {}  # message id -> user id -> arrival
    strays = 0

    async def listen(user_id: int, token: str, is_member: bool, ready: asyncio.Event) -> None:
        nonlocal strays
        async with connect(f"ws://127.0.0.1:{port}/ws/", max_queue=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            first = json.loads(await ws.recv())
            if first.get("type") != "ready":
                raise RuntimeError(f"socket of user {user_id} not signed in: {first}")
            ready.set()
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") != "message":
                    continue
                if not is_member:
                    strays += 1
                received.setdefault(frame["message"]["id"], {})[user_id] = time.perf_counter()

    everyone = [(uid, tok, True) for uid, tok in people["members"]] + [
        (uid, tok, False) for uid, tok in people["others"]
    ]
    opened = time.perf_counter()
    readies = [asyncio.Event() for _ in everyone]
    tasks = []
    for (uid, tok, member), ready in zip(everyone, readies, strict=True):
        tasks.append(asyncio.create_task(listen(uid, tok, member, ready)))
        if len(tasks) % 100 == 0:
            await asyncio.sleep(0.05)  # a crowd arriving, not one burst of SYNs
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=120)
    open_seconds = time.perf_counter() - opened
    await asyncio.sleep(1)
    rss_with_sockets = _rss_kib(server_pid)

    loop = asyncio.get_running_loop()
    chat = await loop.run_in_executor(
        None, _api, port, "GET", f"/courses/{people['course_id']}/chat", people["instructor"]
    )
    latencies: list[float] = []
    per_message: list[dict[str, float]] = []
    member_count = len(people["members"])
    for n in range(messages):
        sent = time.perf_counter()
        message = await loop.run_in_executor(
            None,
            _api,
            port,
            "POST",
            f"/conversations/{chat['id']}/messages",
            people["instructor"],
            {"body": f"Announcement {n}"},
        )
        answered = time.perf_counter()
        deadline = time.perf_counter() + 30
        while len(received.get(message["id"], {})) < member_count:
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.005)
        arrivals = received.get(message["id"], {})
        times = sorted((arrival - sent) * 1000 for arrival in arrivals.values())
        latencies.extend(times)
        per_message.append(
            {
                "delivered": len(times),
                "request_ms": round((answered - sent) * 1000, 1),
                "p95_ms": round(_pct(times, 95), 1) if times else -1,
                "last_ms": round(times[-1], 1) if times else -1,
            }
        )
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()
    return {
        "sockets": len(everyone),
        "members": member_count,
        "messages": messages,
        "open_seconds": round(open_seconds, 2),
        "rss_with_sockets_kib": rss_with_sockets,
        "deliveries": len(latencies),
        "expected_deliveries": messages * member_count,
        "stray_frames_to_non_members": strays,
        "delivery_ms": {
            "p50": round(_pct(latencies, 50), 1),
            "p95": round(_pct(latencies, 95), 1),
            "p99": round(_pct(latencies, 99), 1),
            "max": round(latencies[-1], 1) if latencies else -1,
            "mean": round(statistics.fmean(latencies), 1) if latencies else -1,
        },
        "per_message": per_message,
    }


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return -1.0
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values)) - 1))
    return values[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default="", help="channels-redis on this Redis URL")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--others", type=int, default=500)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="agora-bench-live-"))
    env = _env(args, var_dir)
    os.environ.update(env)
    for name in ("REDIS_URL",):
        if name not in env:
            os.environ.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    if args.database:
        subprocess.run(
            [sys.executable, "manage.py", "flush", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    people = _setup_people(args.members, args.others)

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "agora.asgi:application",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--lifespan",
            "off",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port)
        time.sleep(1)
        _api(port, "GET", f"/courses/{people['course_id']}/chat", people["instructor"])
        rss_before = _rss_kib(server.pid)
        report = asyncio.run(_run(port, people, args.messages, server.pid))
        report["rss_before_kib"] = rss_before
    finally:
        server.terminate()
        server.wait(timeout=20)
    report["memory_per_socket_kib"] = round(
        (report["rss_with_sockets_kib"] - rss_before) / report["sockets"], 1
    )
    report["engine"] = "redis" if args.redis else "embedded"
    report["database"] = "postgresql" if args.database else "sqlite"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stamp}-live-{report['engine']}.json"
    path.write_text(json.dumps(report, indent=2))
    summary = {k: v for k, v in report.items() if k != "per_message"}
    print(json.dumps(summary, indent=2))
    print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
