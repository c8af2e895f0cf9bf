"""The sandbox backends on ordinary programs: the local runner (bubblewrap) and the HTTP
runner against a small Piston-speaking server on loopback."""

import ast
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agora.learning.sandbox import (
    Execution,
    HttpRunner,
    Language,
    Limits,
    LocalRunner,
    SandboxUnavailable,
    Verdict,
    judge,
)

LIMITS = Limits(cpu_seconds=1, wall_seconds=3.0, memory_bytes=128 * 1024 * 1024)


@pytest.fixture(scope="module")
def runner() -> LocalRunner:
    return LocalRunner()


class TestLocalRunner:
    def test_python_reads_stdin_and_writes_stdout(self, runner):
        run = runner.execute(
            language=Language.PYTHON,
            code="name = input()\nprint(f'Hello, {name}!')",
            stdin="Ada\n",
            limits=LIMITS,
        )
        assert run.verdict == Verdict.OK
        assert run.stdout == "Hello, Ada!\n"
        assert run.exit_code == 0
        assert 0 <= run.time_ms < 3000

    def test_javascript_reads_stdin_and_writes_stdout(self, runner):
        code = "const s = require('fs').readFileSync(0, 'utf8').trim();\nconsole.log(s.length);"
        run = runner.execute(
            language=Language.JAVASCRIPT, code=code, stdin="abcdef\n", limits=LIMITS
        )
        assert run.verdict == Verdict.OK
        assert run.stdout == "6\n"

    def test_an_exception_is_a_runtime_error_with_its_traceback(self, runner):
        run = runner.execute(
            language=Language.PYTHON, code="print('before')\n1 / 0", stdin="", limits=LIMITS
        )
        assert run.verdict == Verdict.RUNTIME_ERROR
        assert run.stdout == "before\n"
        assert "ZeroDivisionError" in run.stderr
        assert run.exit_code == 1

    def test_a_javascript_exception_is_a_runtime_error(self, runner):
        run = runner.execute(
            language=Language.JAVASCRIPT, code="throw new Error('nope')", stdin="", limits=LIMITS
        )
        assert run.verdict == Verdict.RUNTIME_ERROR
        assert "Error: nope" in run.stderr

    def test_a_large_stdin_reaches_the_program_whole(self, runner):
        stdin = "x" * 300_000 + "\n"
        run = runner.execute(
            language=Language.PYTHON,
            code="import sys\nprint(len(sys.stdin.read()))",
            stdin=stdin,
            limits=LIMITS,
        )
        assert run.verdict == Verdict.OK
        assert run.stdout == "300001\n"

    def test_the_program_runs_as_an_unprivileged_user_in_an_empty_environment(self, runner):
        code = "import os\nprint(os.getuid(), sorted(os.environ))\nprint(sorted(os.listdir('/')))"
        run = runner.execute(language=Language.PYTHON, code=code, stdin="", limits=LIMITS)
        assert run.verdict == Verdict.OK
        first, second = run.stdout.splitlines()
        # Only what the sandbox sets (bubblewrap adds PWD): nothing of the server's own.
        assert first == "1000 ['HOME', 'LANG', 'PATH', 'PWD']"
        # The root holds /usr and its links, the program, /proc, /dev and a tmpfs: no /etc,
        # no home, no project.
        shown = set(ast.literal_eval(second))
        assert {"usr", "sandbox", "tmp", "proc", "dev"} <= shown
        assert shown <= {"bin", "dev", "lib", "lib32", "lib64", "libx32", "proc", "sandbox"} | {
            "sbin",
            "tmp",
            "usr",
        }


class TestRefusal:
    def test_without_bubblewrap_runs_are_refused(self):
        runner = LocalRunner(bwrap="/nonexistent/bwrap")
        with pytest.raises(SandboxUnavailable, match="bubblewrap"):
            runner.execute(language=Language.PYTHON, code="print(1)", stdin="", limits=LIMITS)

    def test_when_namespaces_cannot_be_made_runs_are_refused(self):
        # /usr/bin/false stands for a bwrap that fails to set up its namespaces.
        runner = LocalRunner(bwrap="/usr/bin/false")
        with pytest.raises(SandboxUnavailable, match="namespaces"):
            runner.execute(language=Language.PYTHON, code="print(1)", stdin="", limits=LIMITS)


class TestJudge:
    def test_trailing_spaces_and_blank_lines_do_not_matter(self):
        run = Execution(
            verdict=Verdict.OK, stdout="1 2 \r\n3\n\n", stderr="", exit_code=0, time_ms=1
        )
        assert judge(run, "1 2\n3") == Verdict.OK

    def test_different_output_is_a_wrong_answer(self):
        run = Execution(verdict=Verdict.OK, stdout="4\n", stderr="", exit_code=0, time_ms=1)
        assert judge(run, "5\n") == Verdict.WRONG_ANSWER

    def test_a_failed_run_keeps_its_own_verdict(self):
        run = Execution(
            verdict=Verdict.TIME_LIMIT, stdout="5\n", stderr="", exit_code=None, time_ms=1
        )
        assert judge(run, "5\n") == Verdict.TIME_LIMIT


class FakePiston:
    """A Piston server on loopback: answers each POST /api/v2/execute with the next canned
    `run` object and keeps the requests it got."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                fake.requests.append(
                    {"path": self.path, "body": json.loads(self.rfile.read(length))}
                )
                status, body = fake.answers.pop(0)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, run: dict[str, Any], status: int = 200) -> None:
        self.answers.append((status, {"language": "python", "version": "3.10.0", "run": run}))


@pytest.fixture
def piston() -> Iterator[FakePiston]:
    fake = FakePiston()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _run(stdout="", stderr="", code=0, signal=None, status=None, **extra):
    return {
        "stdout": stdout,
        "stderr": stderr,
        "code": code,
        "signal": signal,
        "status": status,
        "output": stdout + stderr,
        **extra,
    }


class TestHttpRunner:
    def test_sends_the_program_its_input_and_limits(self, piston):
        piston.answer(_run(stdout="42\n", wall_time=12))
        run = HttpRunner(base_url=piston.url).execute(
            language=Language.PYTHON, code="print(42)", stdin="in\n", limits=LIMITS
        )
        assert run == Execution(
            verdict=Verdict.OK, stdout="42\n", stderr="", exit_code=0, time_ms=12
        )
        [request] = piston.requests
        assert request["path"] == "/api/v2/execute"
        body = request["body"]
        assert body["language"] == "python"
        assert body["files"] == [{"name": "main.py", "content": "print(42)"}]
        assert body["stdin"] == "in\n"
        assert body["run_timeout"] == 3000
        assert body["run_memory_limit"] == 128 * 1024 * 1024

    @pytest.mark.parametrize(
        ("run", "verdict"),
        [
            (_run(code=None, signal="SIGKILL", status="TO"), Verdict.TIME_LIMIT),
            (_run(stdout="x" * 10, code=None, signal="SIGKILL", status="OL"), Verdict.OUTPUT_LIMIT),
            (_run(stderr="MemoryError\n", code=1, status="RE"), Verdict.MEMORY_LIMIT),
            (_run(stderr="Traceback\nValueError\n", code=1, status="RE"), Verdict.RUNTIME_ERROR),
        ],
    )
    def test_maps_piston_endings_to_verdicts(self, piston, run, verdict):
        piston.answer(run)
        result = HttpRunner(base_url=piston.url).execute(
            language=Language.JAVASCRIPT, code="x", stdin="", limits=LIMITS
        )
        assert result.verdict == verdict
        assert piston.requests[0]["body"]["files"][0]["name"] == "main.js"

    def test_an_error_from_the_server_refuses_the_run(self, piston):
        piston.answers.append((500, {"message": "boom"}))
        with pytest.raises(SandboxUnavailable, match="500"):
            HttpRunner(base_url=piston.url).execute(
                language=Language.PYTHON, code="x", stdin="", limits=LIMITS
            )

    def test_an_unreachable_server_refuses_the_run(self, piston):
        url = piston.url
        piston.server.shutdown()
        piston.server.server_close()
        with pytest.raises(SandboxUnavailable, match="cannot be reached"):
            HttpRunner(base_url=url, timeout_seconds=2).execute(
                language=Language.PYTHON, code="x", stdin="", limits=LIMITS
            )

    def test_without_an_address_runs_are_refused(self):
        with pytest.raises(SandboxUnavailable, match="CODE_RUNNER_URL"):
            HttpRunner(base_url="")
