"""Running learners' code: one Runner interface, two backends (agora/learning/sandbox/local.py
with bubblewrap, the default; piston.py over HTTP), chosen by the CODE_RUNNER setting."""

from django.conf import settings

from agora.learning.sandbox.base import (
    Execution,
    Language,
    Limits,
    Runner,
    SandboxUnavailable,
    Verdict,
    judge,
    normalise_output,
)
from agora.learning.sandbox.local import LocalRunner
from agora.learning.sandbox.piston import HttpRunner

__all__ = [
    "Execution",
    "HttpRunner",
    "Language",
    "Limits",
    "LocalRunner",
    "Runner",
    "SandboxUnavailable",
    "Verdict",
    "configured_limits",
    "get_runner",
    "judge",
    "normalise_output",
]


def get_runner() -> Runner:
    if settings.CODE_RUNNER == "piston":
        return HttpRunner(base_url=settings.CODE_RUNNER_URL)
    return LocalRunner(slots=settings.CODE_RUN_CONCURRENCY)


def configured_limits() -> Limits:
    return Limits(
        cpu_seconds=settings.CODE_RUN_CPU_SECONDS,
        wall_seconds=settings.CODE_RUN_WALL_SECONDS,
        memory_bytes=settings.CODE_RUN_MEMORY_MB * 1024 * 1024,
        processes=settings.CODE_RUN_PROCESSES,
        output_bytes=settings.CODE_RUN_OUTPUT_BYTES,
        file_bytes=settings.CODE_RUN_FILE_BYTES,
    )
