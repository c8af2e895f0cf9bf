"""Whose CPU a benchmark run used: the CPU seconds of every process on the machine, read
from /proc at the start and at the end of a window and summed per kind (the web server's
workers, PostgreSQL, Redis, the load generator, the rest). On a two-core machine that also
runs the load generator, this tells what a run measured: the server, or its neighbours.

    with CpuSplit() as split:
        ...  # the run
    print(split.table(requests=21_000))
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (
    ("web", ("granian", "uvicorn", "gunicorn")),
    ("postgres", ("postgres",)),
    ("redis", ("redis-server",)),
    ("load generator", ("locust", "wrk")),
    ("worker", ("celery",)),
)


def kind_of(pid: str) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "gone"
    for kind, marks in KINDS:
        if any(mark in command or mark == name for mark in marks):
            return kind
    return "other"


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by each process alive now, by pid (with its kind)."""
    used: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime and stime are the 14th and 15th fields; the split starts at the 3rd.
        used[entry.name] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


class CpuSplit:
    def __enter__(self) -> "CpuSplit":
        self.before = cpu_seconds()
        self.kind = {pid: kind_of(pid) for pid in self.before}
        self.final: dict[str, float] = {}
        self.started = _uptime()
        return self

    def exited(self, pid: int, used: float) -> None:
        """A process that ended inside the window, with the CPU seconds it used in all (from
        `os.wait4`): /proc no longer knows it."""
        self.final[str(pid)] = used

    def __exit__(self, *_: object) -> None:
        after = {**cpu_seconds(), **self.final}
        self.seconds = _uptime() - self.started
        self.kinds: dict[str, float] = {}
        for pid, used in after.items():
            kind = self.kind.get(pid) or kind_of(pid)
            self.kinds[kind] = self.kinds.get(kind, 0.0) + used - self.before.get(pid, 0.0)

    def table(self, requests: int = 0) -> str:
        lines = [f"CPU over {self.seconds:.0f} s ({os.cpu_count()} cores):"]
        for kind, used in sorted(self.kinds.items(), key=lambda item: -item[1]):
            share = 100 * used / self.seconds
            per = f"  {1000 * used / requests:6.2f} ms a request" if requests else ""
            lines.append(f"  {kind:<16}{used:8.1f} s  {share:5.1f} % of a core{per}")
        return "\n".join(lines)


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])
