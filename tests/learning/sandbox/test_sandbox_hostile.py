"""Hostile programs in the local sandbox: each is contained with the right verdict, leaves
nothing running, and the honest run after it still passes."""

import os
import socket
from pathlib import Path

import pytest
from django.conf import settings

from agora.learning.sandbox import Language, Limits, LocalRunner, Verdict
from agora.learning.sandbox.local import processes_of

LIMITS = Limits(
    cpu_seconds=1,
    wall_seconds=2.0,
    memory_bytes=128 * 1024 * 1024,
    processes=8,
    output_bytes=16 * 1024,
    file_bytes=256 * 1024,
)
HONEST = {
    Language.PYTHON: "a, b = map(int, input().split())\nprint(a + b)",
    Language.JAVASCRIPT: (
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(' ').map(Number);\n"
        "console.log(a + b);"
    ),
}


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> LocalRunner:
    # Slots (uids) of their own for each test process, so that "nothing is left running as
    # the slot's uid" is about this suite's programs alone, whatever else runs meanwhile.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return LocalRunner(
        uid_base=62000 + 100 * int(worker or 0),
        slots=2,
        lock_dir=str(tmp_path_factory.mktemp("sandbox-slots")),
    )


def run(runner: LocalRunner, language: Language, code: str, stdin: str = ""):
    return runner.execute(language=language, code=code, stdin=stdin, limits=LIMITS)


def assert_contained(runner: LocalRunner, language: Language) -> None:
    """Nothing of the hostile run is left, and an honest program runs normally after it."""
    for index in range(runner.slots):
        assert processes_of(runner.uid_base + index) == []
    honest = run(runner, language, HONEST[language], "2 40\n")
    assert (honest.verdict, honest.stdout) == (Verdict.OK, "42\n")


PYTHON_CASES = {
    "infinite_loop": ("while True:\n    pass", Verdict.TIME_LIMIT),
    "sleep_past_the_wall_clock": ("import time\ntime.sleep(60)", Verdict.TIME_LIMIT),
    "fork_bomb": (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        Verdict.TIME_LIMIT,
    ),
    "memory_bomb": (
        "chunks = []\nwhile True:\n    chunks.append(bytearray(10_000_000))",
        Verdict.MEMORY_LIMIT,
    ),
    "huge_output": ("while True:\n    print('x' * 1000)", Verdict.OUTPUT_LIMIT),
    "huge_file": (
        "with open('/tmp/big', 'wb') as f:\n    while True:\n        f.write(b'x' * 65536)",
        Verdict.OUTPUT_LIMIT,
    ),
}


@pytest.mark.parametrize("case", list(PYTHON_CASES))
def test_python_hostile_program_is_contained(runner, case):
    code, verdict = PYTHON_CASES[case]
    result = run(runner, Language.PYTHON, code)
    assert result.verdict == verdict
    assert result.time_ms < 4000
    assert len(result.stdout) <= LIMITS.output_bytes
    assert_contained(runner, Language.PYTHON)


def test_a_fork_bomb_cannot_pass_the_process_limit(runner):
    code = (
        "import os, time\ncount = 0\nfor _ in range(100):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(5)\n"
        "        os._exit(0)\n    count += 1\nprint(count, flush=True)\nos._exit(0)"
    )
    result = run(runner, Language.PYTHON, code)
    assert result.verdict == Verdict.OK
    # The program and its children together stay within the limit.
    assert int(result.stdout) == LIMITS.processes - 1
    assert_contained(runner, Language.PYTHON)


def test_the_projects_settings_and_database_are_out_of_sight(runner):
    settings_file = Path(settings.BASE_DIR) / "agora" / "settings" / "base.py"
    database = str(settings.DATABASES["default"]["NAME"])
    code = (
        "import sys\nfor path in sys.argv[1:] or "
        f"[{str(settings_file)!r}, {database!r}, {str(settings.BASE_DIR)!r}]:\n"
        "    try:\n        open(path, 'rb').read()\n        print('read', path)\n"
        "    except OSError as error:\n        print(type(error).__name__)\n"
    )
    result = run(runner, Language.PYTHON, code)
    assert result.verdict == Verdict.OK
    assert "read" not in result.stdout
    assert result.stdout.count("Error") == 3
    assert_contained(runner, Language.PYTHON)


def test_environment_secrets_are_out_of_sight(runner, monkeypatch):
    monkeypatch.setenv("AGORA_TEST_SECRET", "do-not-leak-7731")
    code = (
        "import os\nprint(dict(os.environ))\n"
        "print(open('/proc/1/environ').read())\n"
        "try:\n    print(open('/proc/self/../../proc/1/environ').read())\nexcept OSError:\n    pass"
    )
    result = run(runner, Language.PYTHON, code)
    assert "do-not-leak-7731" not in result.stdout + result.stderr
    assert settings.SECRET_KEY not in result.stdout + result.stderr
    assert_contained(runner, Language.PYTHON)


def test_no_socket_reaches_the_server(runner):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        code = (
            "import socket\n"
            f"socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
            "print('connected')"
        )
        result = run(runner, Language.PYTHON, code)
        assert result.verdict == Verdict.RUNTIME_ERROR
        assert "connected" not in result.stdout
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert_contained(runner, Language.PYTHON)


def test_there_is_no_network_to_reach_the_internet(runner):
    # Without sending anything anywhere: the sandbox has no interface but a loopback that is
    # down, no route, and no resolver.
    code = (
        "import socket\nprint(sorted(name for _, name in socket.if_nameindex()))\n"
        "print(open('/proc/net/route').read().strip().count('\\n'))\n"
        "try:\n    socket.getaddrinfo('example.org', 80)\n    print('resolved')\n"
        "except OSError as error:\n    print(type(error).__name__)\n"
    )
    result = run(runner, Language.PYTHON, code)
    assert result.verdict == Verdict.OK
    assert result.stdout.splitlines() == ["['lo']", "0", "gaierror"]
    assert_contained(runner, Language.PYTHON)


def test_killing_its_parent_and_everything_it_sees_is_contained(runner):
    code = (
        "import os, signal\n"
        "for pid in (os.getppid(), 1, -1):\n"
        "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
        "print('still here')"
    )
    result = run(runner, Language.PYTHON, code)
    # The program is PID 1 of its own namespace: it can reach no process outside it.
    assert result.verdict in (Verdict.OK, Verdict.RUNTIME_ERROR)
    assert_contained(runner, Language.PYTHON)


JAVASCRIPT_CASES = {
    "infinite_loop": ("while (true) {}", Verdict.TIME_LIMIT),
    "sleep_past_the_wall_clock": ("setTimeout(() => {}, 60000);", Verdict.TIME_LIMIT),
    "memory_bomb": (
        "const chunks = [];\nwhile (true) chunks.push(new Array(100000).fill(1.5));",
        Verdict.MEMORY_LIMIT,
    ),
    "huge_output": (
        "while (true) process.stdout.write('x'.repeat(1000) + '\\n');",
        Verdict.OUTPUT_LIMIT,
    ),
}


@pytest.mark.parametrize("case", list(JAVASCRIPT_CASES))
def test_javascript_hostile_program_is_contained(runner, case):
    code, verdict = JAVASCRIPT_CASES[case]
    result = run(runner, Language.JAVASCRIPT, code)
    assert result.verdict == verdict
    assert result.time_ms < 4000
    assert_contained(runner, Language.JAVASCRIPT)


def test_javascript_cannot_reach_the_network(runner):
    code = (
        "const net = require('net');\n"
        "const s = net.connect(6379, '127.0.0.1', () => console.log('connected'));\n"
        "s.on('error', (e) => { console.log(e.code); });"
    )
    result = run(runner, Language.JAVASCRIPT, code)
    assert result.verdict == Verdict.OK
    assert result.stdout.strip() in ("ECONNREFUSED", "ENETUNREACH")
    assert_contained(runner, Language.JAVASCRIPT)


def test_a_javascript_fork_bomb_hits_the_process_limit(runner):
    code = (
        "const { spawn } = require('child_process');\n"
        "setInterval(() => { spawn('/usr/bin/sleep', ['30']); }, 1);"
    )
    result = run(runner, Language.JAVASCRIPT, code)
    assert result.verdict == Verdict.RUNTIME_ERROR
    assert "EAGAIN" in result.stderr
    assert_contained(runner, Language.JAVASCRIPT)
