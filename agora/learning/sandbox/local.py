"""The local sandbox: each run gets its own throwaway environment from bubblewrap.

What a run can see and do:
- new user, PID, network, IPC, UTS and cgroup namespaces (`--unshare-all`): no network at
  all, not even loopback to the server, and no view of other processes;
- only /usr (plus the /lib symlinks and, for JavaScript, node's own folder if it lives
  elsewhere) mounted read-only; no /etc, no home, no project files, no database file;
- an empty environment (`--clearenv`); the program is copied in from memory;
- a small private tmpfs as its working folder;
- rlimits set before bubblewrap starts: CPU time, address space (memory), processes,
  file size; and it runs as a machine uid of its own (one per slot, held with a lock file),
  so the process limit counts only this run's processes;
- a wall-clock limit, after which the whole session is killed: killing bubblewrap tears
  down its PID namespace, so everything the program started dies with it;
- stdout and stderr read as they come, and the run killed once they pass the output cap.

If bubblewrap is missing or cannot create its namespaces, every run is refused with
SandboxUnavailable: nothing is ever run unconfined.
"""

import fcntl
import os
import resource
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from agora.learning.sandbox.base import Execution, Language, Limits, SandboxUnavailable, Verdict

# Threads count against RLIMIT_NPROC: node starts a few of its own before running a line.
_THREAD_ALLOWANCE = {Language.PYTHON: 0, Language.JAVASCRIPT: 16}
# Processes bubblewrap itself needs: its monitor (the program is PID 1 of its namespace).
_BWRAP_PROCESSES = 1
# V8 reserves address space for its code range before it runs anything.
_NODE_ADDRESS_SPACE = 1024 * 1024 * 1024
_WORK_DIR_BYTES = 16 * 1024 * 1024
_MEMORY_SIGNS = (
    "MemoryError",
    "heap out of memory",
    "Fatal process OOM",
    "Cannot allocate memory",
    "Allocation failed",
)
_READ_CHUNK = 16 * 1024
# (bwrap, uid base) pairs this process has seen build a sandbox: the probe runs once each.
_VERIFIED: set[tuple[str | None, int]] = set()


class LocalRunner:
    def __init__(
        self,
        *,
        uid_base: int = 61000,
        slots: int = 4,
        lock_dir: str | None = None,
        bwrap: str | None = None,
        python: str = "/usr/bin/python3",
        node: str | None = None,
        slot_wait_seconds: float = 30.0,
    ) -> None:
        self.uid_base = uid_base
        self.slots = slots
        self.lock_dir = Path(lock_dir or Path(tempfile.gettempdir()) / "agora-sandbox-slots")
        self.bwrap = bwrap if bwrap is not None else shutil.which("bwrap")
        self.python = python
        found_node = node if node is not None else shutil.which("node")
        self.node = os.path.realpath(found_node) if found_node else None
        self.slot_wait_seconds = slot_wait_seconds

    # -- checks -------------------------------------------------------------------------

    def check(self) -> None:
        """Raise SandboxUnavailable unless bubblewrap can build the sandbox here."""
        if (self.bwrap, self.uid_base) in _VERIFIED:
            return
        if not self.bwrap or not os.access(self.bwrap, os.X_OK):
            raise SandboxUnavailable(
                "Code runs are refused: bubblewrap (bwrap) is not installed on this machine "
                "(Debian package `bubblewrap`), and code is never run unconfined."
            )
        if os.geteuid() != 0:
            raise SandboxUnavailable(
                "Code runs are refused: the local sandbox must start as root to give each run "
                "a uid of its own, and code is never run unconfined."
            )
        probe = subprocess.run(  # noqa: S603 (a fixed command)
            [*self._bwrap_args(Language.PYTHON, None), "/usr/bin/true"],
            capture_output=True,
            timeout=10,
            check=False,
            preexec_fn=self._preexec(Limits(), self.uid_base, Language.PYTHON),
        )
        if probe.returncode != 0:
            message = probe.stderr.decode(errors="replace").strip()[:300]
            raise SandboxUnavailable(
                "Code runs are refused: bubblewrap cannot create its namespaces on this machine "
                f"({message or 'exit ' + str(probe.returncode)}), and code is never run "
                "unconfined."
            )
        _VERIFIED.add((self.bwrap, self.uid_base))

    # -- the sandbox --------------------------------------------------------------------

    def _command(self, language: Language) -> list[str]:
        if language == Language.PYTHON:
            return [self.python, "-I", "-B", "/sandbox/main.py"]
        if not self.node:
            raise SandboxUnavailable("JavaScript runs are refused: node is not installed.")
        return [self.node, "/sandbox/main.js"]

    def _bwrap_args(self, language: Language, code_fd: int | None) -> list[str]:
        if self.bwrap is None:
            raise SandboxUnavailable("Code runs are refused: bubblewrap is not installed.")
        args = [
            self.bwrap,
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--as-pid-1",
            "--clearenv",
            "--setenv",
            "PATH",
            "/usr/bin:/bin",
            "--setenv",
            "HOME",
            "/tmp",  # noqa: S108 (the sandbox's own tmpfs)
            "--setenv",
            "LANG",
            "C.UTF-8",
            "--hostname",
            "sandbox",
            "--uid",
            "1000",
            "--gid",
            "1000",
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        for name in ("lib", "lib64", "lib32", "bin", "sbin"):
            target = os.readlink(f"/{name}") if os.path.islink(f"/{name}") else None
            if target and target.lstrip("/").startswith("usr/"):
                args += ["--symlink", target, f"/{name}"]
            elif os.path.isdir(f"/{name}"):
                args += ["--ro-bind", f"/{name}", f"/{name}"]
        if language == Language.JAVASCRIPT and self.node and not self.node.startswith("/usr/"):
            node_dir = str(Path(self.node).parent.parent)
            args += ["--ro-bind", node_dir, node_dir]
        args += ["--proc", "/proc", "--dev", "/dev"]
        # The working folder: a small private tmpfs inside the sandbox.
        work = "/tmp"  # noqa: S108
        args += ["--size", str(_WORK_DIR_BYTES), "--tmpfs", work, "--chdir", work]
        args += ["--dir", "/sandbox"]
        if code_fd is not None:
            name = "main.py" if language == Language.PYTHON else "main.js"
            args += ["--perms", "0444", "--ro-bind-data", str(code_fd), f"/sandbox/{name}"]
        return args

    def _preexec(self, limits: Limits, uid: int, language: Language) -> Callable[[], None]:
        address_space = limits.memory_bytes
        if language == Language.JAVASCRIPT:
            address_space += _NODE_ADDRESS_SPACE
        tasks = limits.processes + _BWRAP_PROCESSES + _THREAD_ALLOWANCE[language]

        def limit() -> None:
            # A session of its own, so that the whole group can be killed at once.
            os.setsid()
            # Soft and hard alike: the program is PID 1 of its namespace, which ignores SIGXCPU.
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)

        return limit

    @contextmanager
    def _slot(self) -> Iterator[int]:
        """Hold one of the machine's slots (a lock file): its uid is this run's alone."""
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        deadline = time.monotonic() + self.slot_wait_seconds
        while True:
            for index in range(self.slots):
                handle = open(self.lock_dir / f"slot-{index}.lock", "a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                try:
                    yield self.uid_base + index
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    handle.close()
                return
            if time.monotonic() > deadline:
                raise SandboxUnavailable("Every sandbox slot on this machine stayed busy.")
            time.sleep(0.05)

    # -- a run --------------------------------------------------------------------------

    def execute(self, *, language: Language, code: str, stdin: str, limits: Limits) -> Execution:
        self.check()
        with self._slot() as uid:
            try:
                return self._execute(language, code, stdin, limits, uid)
            finally:
                kill_uid(uid)

    def _execute(
        self, language: Language, code: str, stdin: str, limits: Limits, uid: int
    ) -> Execution:
        code_fd = os.memfd_create("program")
        try:
            os.write(code_fd, code.encode())
            os.lseek(code_fd, 0, os.SEEK_SET)
            command = [*self._bwrap_args(language, code_fd), *self._command(language)]
            if language == Language.JAVASCRIPT:
                memory_mb = max(16, limits.memory_bytes // (1024 * 1024))
                command[-1:-1] = [f"--max-old-space-size={memory_mb}", "--v8-pool-size=1"]
            started = time.monotonic()
            process = subprocess.Popen(  # noqa: S603 (a fixed command; the code is data)
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(code_fd,),
                preexec_fn=self._preexec(limits, uid, language),
                env={},
                cwd="/",
            )
        finally:
            os.close(code_fd)
        stdout, stderr, ending = _collect(
            process, stdin.encode(), limits, started, stop=lambda: _kill_children(process.pid)
        )
        elapsed_ms = int((time.monotonic() - started) * 1000)
        out = stdout.decode(errors="replace")
        err = stderr.decode(errors="replace")
        code_ = process.returncode
        verdict = _verdict(ending, code_, err)
        return Execution(
            verdict=verdict, stdout=out, stderr=err, exit_code=code_, time_ms=elapsed_ms
        )


def _collect(
    process: subprocess.Popen[bytes],
    stdin: bytes,
    limits: Limits,
    started: float,
    *,
    stop: Callable[[], None],
) -> tuple[bytes, bytes, str]:
    """Feed stdin and read both outputs until the program ends, the wall clock runs out or
    the output passes its cap; answer (stdout, stderr, how it ended). `stop` kills the
    program's processes: done before bubblewrap is killed, so that bubblewrap still reaps
    them (orphans would wait for the machine's init, counting against the process limit)."""
    if process.stdin is None or process.stdout is None or process.stderr is None:
        raise SandboxUnavailable("The sandboxed program's pipes were not opened.")
    out_fd, err_fd, in_fd = process.stdout.fileno(), process.stderr.fileno(), process.stdin.fileno()
    buffers = {out_fd: bytearray(), err_fd: bytearray()}
    selector = selectors.DefaultSelector()
    for stream in (process.stdout, process.stderr):
        os.set_blocking(stream.fileno(), False)
        selector.register(stream.fileno(), selectors.EVENT_READ)
    pending = memoryview(stdin)
    os.set_blocking(in_fd, False)
    if pending:
        selector.register(in_fd, selectors.EVENT_WRITE)
    else:
        process.stdin.close()
    ending = "exit"
    deadline = started + limits.wall_seconds
    try:
        while len(selector.get_map()) and ending == "exit":
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ending = "wall"
                break
            for key, _events in selector.select(timeout=min(remaining, 0.25)):
                fd = key.fd
                if fd == in_fd:
                    try:
                        written = os.write(fd, pending[:65536])
                    except (BrokenPipeError, BlockingIOError):
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        selector.unregister(fd)
                        process.stdin.close()
                    continue
                chunk = os.read(fd, _READ_CHUNK)
                if not chunk:
                    selector.unregister(fd)
                    continue
                buffers[fd] += chunk
                if sum(len(b) for b in buffers.values()) > limits.output_bytes:
                    ending = "output"
                    break
        if ending == "exit":
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                ending = "wall"
    finally:
        selector.close()
        if process.returncode is None:
            stop()
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1)
        if process.returncode is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            with suppress(OSError):
                stream.close()
    cap = limits.output_bytes
    return bytes(buffers[out_fd][:cap]), bytes(buffers[err_fd][:cap]), ending


def _verdict(ending: str, exit_code: int | None, stderr: str) -> Verdict:
    if ending == "output":
        return Verdict.OUTPUT_LIMIT
    if ending == "wall":
        return Verdict.TIME_LIMIT
    if exit_code == 0:
        return Verdict.OK
    signalled = exit_code - 128 if exit_code is not None and exit_code > 128 else None
    if signalled in (signal.SIGXCPU, signal.SIGKILL) and not _memory_sign(stderr):
        # The CPU limit's soft signal, or its hard SIGKILL one second later.
        return Verdict.TIME_LIMIT
    if signalled == signal.SIGXFSZ or "File too large" in stderr:
        # The file-size cap: output written to a file instead of stdout.
        return Verdict.OUTPUT_LIMIT
    if _memory_sign(stderr):
        return Verdict.MEMORY_LIMIT
    return Verdict.RUNTIME_ERROR


def _memory_sign(stderr: str) -> bool:
    return any(sign in stderr for sign in _MEMORY_SIGNS)


def processes_of(uid: int) -> list[int]:
    """The ids of the processes (zombies included) whose real uid is `uid`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:"):
                if int(line.split()[1]) == uid:
                    found.append(int(entry.name))
                break
    return found


def kill_uid(uid: int, *, wait_seconds: float = 5.0) -> None:
    """Kill every process left running as `uid` (a slot's uid: only sandboxed programs run
    as it) and wait until they are gone: a PID namespace is torn down after bubblewrap
    exits, and until then its processes still count against the next run's process limit."""
    if uid < 1000:
        raise ValueError("Refusing to sweep a system uid.")
    deadline = time.monotonic() + wait_seconds
    while processes_of(uid):
        _signal_all_of(uid)
        if time.monotonic() > deadline:
            raise SandboxUnavailable(f"The processes of sandbox uid {uid} would not end.")
        time.sleep(0.01)


def _kill_children(pid: int) -> None:
    """Kill bubblewrap's child, the program (PID 1 of its namespace: everything else in the
    namespace dies with it), and leave bubblewrap to reap it and exit."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:"):
                if int(line.split()[1]) == pid:
                    with suppress(ProcessLookupError):
                        os.kill(int(entry.name), signal.SIGKILL)
                break


def _signal_all_of(uid: int) -> None:
    """`kill -1` from a process running as `uid` reaches exactly that uid's processes."""
    with suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["/usr/bin/kill", "-s", "KILL", "-1"],
            user=uid,
            group=uid,
            extra_groups=[],
            capture_output=True,
            timeout=5,
            check=False,
            env={},
        )
