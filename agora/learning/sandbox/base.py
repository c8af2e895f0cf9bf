"""What every sandbox backend shares: the languages, the limits of a run, what a run
returns, and how its output is judged against a test's expected output."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Language(StrEnum):
    PYTHON = "python"
    JAVASCRIPT = "javascript"


class Verdict(StrEnum):
    OK = "ok"
    WRONG_ANSWER = "wrong_answer"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    RUNTIME_ERROR = "runtime_error"
    OUTPUT_LIMIT = "output_limit"


class SandboxUnavailable(Exception):
    """The sandbox cannot confine a run on this machine (or the remote service cannot be
    reached): the run is refused, never run unconfined."""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2
    wall_seconds: float = 5.0
    memory_bytes: int = 256 * 1024 * 1024
    processes: int = 16
    output_bytes: int = 64 * 1024
    file_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class Execution:
    """One program run on one input. `verdict` is the runner's word on how it ended: `ok`
    when it exited 0 within every limit (whether its output is right is for `judge`)."""

    verdict: Verdict
    stdout: str
    stderr: str
    exit_code: int | None
    time_ms: int


class Runner(Protocol):
    def execute(self, *, language: Language, code: str, stdin: str, limits: Limits) -> Execution:
        """Run `code` on `stdin` under `limits`; raise SandboxUnavailable when it cannot be
        confined."""
        ...


def normalise_output(text: str) -> str:
    """Output compared without trailing spaces on a line or trailing blank lines, and with
    Windows line ends read as plain ones."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def judge(execution: Execution, expected_stdout: str) -> Verdict:
    if execution.verdict != Verdict.OK:
        return execution.verdict
    if normalise_output(execution.stdout) == normalise_output(expected_stdout):
        return Verdict.OK
    return Verdict.WRONG_ANSWER
