"""A sandbox backend that sends runs to a Piston server over HTTP (production, where the
runs happen on hosts of their own). Piston enforces the limits; this maps its answer onto
the verdicts. `CODE_RUNNER_URL` is the server's base address, e.g. http://piston:2000."""

from typing import Any

import requests

from agora.learning.sandbox.base import Execution, Language, Limits, SandboxUnavailable, Verdict

_LANGUAGES = {
    Language.PYTHON: ("python", "main.py"),
    Language.JAVASCRIPT: ("javascript", "main.js"),
}
_MEMORY_SIGNS = ("MemoryError", "heap out of memory", "Cannot allocate memory")


class HttpRunner:
    def __init__(self, *, base_url: str, timeout_seconds: float = 30.0) -> None:
        if not base_url:
            raise SandboxUnavailable("Code runs are refused: CODE_RUNNER_URL is not set.")
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds

    def execute(self, *, language: Language, code: str, stdin: str, limits: Limits) -> Execution:
        name, filename = _LANGUAGES[language]
        payload: dict[str, Any] = {
            "language": name,
            "version": "*",
            "files": [{"name": filename, "content": code}],
            "stdin": stdin,
            "run_timeout": int(limits.wall_seconds * 1000),
            "run_cpu_time": limits.cpu_seconds * 1000,
            "run_memory_limit": limits.memory_bytes,
        }
        try:
            response = requests.post(
                f"{self.base_url}/api/v2/execute",
                json=payload,
                timeout=self.timeout_seconds + limits.wall_seconds,
            )
        except requests.RequestException as error:
            raise SandboxUnavailable(f"The code runner cannot be reached: {error}") from error
        if response.status_code != 200:
            raise SandboxUnavailable(
                f"The code runner answered {response.status_code}: {response.text[:200]}"
            )
        try:
            run = response.json()["run"]
        except (ValueError, KeyError, TypeError) as error:
            raise SandboxUnavailable("The code runner's answer was not understood.") from error
        stdout = str(run.get("stdout") or "")
        stderr = str(run.get("stderr") or "")
        exit_code = run.get("code")
        verdict = _verdict(run, stderr, limits)
        time_ms = int(run.get("wall_time") or run.get("cpu_time") or 0)
        cap = limits.output_bytes
        if len(stdout.encode()) + len(stderr.encode()) > cap:
            verdict = Verdict.OUTPUT_LIMIT
        return Execution(
            verdict=verdict,
            stdout=stdout[:cap],
            stderr=stderr[:cap],
            exit_code=exit_code if isinstance(exit_code, int) else None,
            time_ms=time_ms,
        )


def _verdict(run: dict[str, object], stderr: str, limits: Limits) -> Verdict:
    status = run.get("status")
    if status == "TO":
        return Verdict.TIME_LIMIT
    if status in ("OL", "EL"):
        return Verdict.OUTPUT_LIMIT
    if any(sign in stderr for sign in _MEMORY_SIGNS):
        return Verdict.MEMORY_LIMIT
    if run.get("signal") == "SIGXFSZ":
        return Verdict.OUTPUT_LIMIT
    if run.get("signal") in ("SIGKILL", "SIGXCPU"):
        return Verdict.TIME_LIMIT
    if run.get("code") == 0 and not status:
        return Verdict.OK
    return Verdict.RUNTIME_ERROR
