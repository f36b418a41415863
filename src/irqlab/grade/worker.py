"""Check one prepared submission in a worker process, and turn what it says into a result.

The worker is `python -m irqlab.grade LAB FOLDER` (the lab's checks, trusted, on the host;
the student's program confined by irqlab.sandbox). It runs in its own session with a
wall-clock limit and a memory limit; when it ends, or runs out of time, everything it
started is killed: its process group and every descendant, a process that left for a
session of its own included (the worker adopts orphans: PR_SET_CHILD_SUBREAPER, and kills
what it started before it exits). Its result is read
from a pipe, never from a file a program could have written. Whatever goes wrong on the
grader's side becomes status "error" with a reason starting "grader error:", and is tried
once more: it never counts against the student.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MAX_WORKER_OUTPUT = 8 << 20  # bytes of the worker's JSON read
WORKER_MEMORY = 3 << 30  # address space of one worker (CPython, pytest and the checks)
PR_SET_CHILD_SUBREAPER = 36
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "TERM")
STATUSES = ("pass", "fail", "error")
GRADER_ERROR = "grader error: "

Command = Callable[[Path], list[str]]
_LIVE: set[subprocess.Popen[bytes]] = set()  # workers running now, killed on interrupt
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class WorkerSpec:
    lab: int
    course: Path
    sandbox: str  # "bwrap" or "limits": IRQLAB_SANDBOX for the worker
    timeout_s: float
    command: Command | None = None  # folder -> argv; default: the irqlab worker

    def argv(self, folder: Path) -> list[str]:
        if self.command is not None:
            return self.command(folder)
        return [sys.executable, "-m", "irqlab.grade", str(self.lab), str(folder)]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
        env.update(IRQLAB_COURSE=str(self.course), IRQLAB_SANDBOX=self.sandbox)
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only irqlab's plugin: other installed
        # pytest plugins must not change a grade
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # grading writes nothing into the course's tree
        return env


def check(spec: WorkerSpec, folder: Path, scratch: Path, attempts: int = 2) -> dict[str, Any]:
    """The check result for the submission in `folder`; a grader error is retried."""
    result: dict[str, Any] = {}
    for attempt in range(1, attempts + 1):
        result = _attempt(spec, folder, scratch)
        result["attempts"] = attempt
        if result["status"] != "error":
            break
    return result


def _attempt(spec: WorkerSpec, folder: Path, scratch: Path) -> dict[str, Any]:
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            spec.argv(folder),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=spec.env(),
            cwd=scratch,
            start_new_session=True,
            preexec_fn=_cap_memory,
        )
    except OSError as e:
        return grader_error(f"the worker did not start: {e}")
    with _LIVE_LOCK:
        _LIVE.add(proc)
    out, err = _Reader(proc.stdout, MAX_WORKER_OUTPUT), _Reader(proc.stderr, 4096, tail=True)
    try:
        timed_out = _wait(proc, spec.timeout_s)
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    seconds = round(time.monotonic() - started, 3)
    if timed_out:
        return grader_error(
            f"the checks did not finish in {spec.timeout_s:g} s (try a longer --timeout)",
            seconds=seconds,
        )
    result = parse(out.join(), proc.returncode, err.join().decode("utf-8", errors="replace"))
    result["seconds"] = seconds
    return result


class _Reader:
    """Reads a pipe to its end in a thread, keeping at most `limit` bytes (the head, or the
    tail), so a worker that says too much can't fill the grader's memory or block on a pipe."""

    def __init__(self, pipe: IO[bytes] | None, limit: int, tail: bool = False) -> None:
        assert pipe is not None
        self.pipe, self.limit, self.tail = pipe, limit, tail
        self.data = bytearray()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with self.pipe:
            while chunk := os.read(self.pipe.fileno(), 65536):
                if self.tail:
                    self.data = (self.data + chunk)[-self.limit :]
                elif len(self.data) < self.limit:
                    self.data += chunk[: self.limit - len(self.data)]

    def join(self) -> bytes:
        self.thread.join(timeout=5)  # the writers are dead: the pipe ends at once
        return bytes(self.data)


def _cap_memory() -> None:
    """In the worker, before exec: a memory cap, and orphans of its own become its children."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = WORKER_MEMORY if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    adopt_orphans()


def adopt_orphans() -> None:
    """Make this process the one that inherits its descendants' orphans (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _wait(proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Wait for the worker; kill everything it started after (leftovers too). True if it
    timed out."""
    try:
        proc.wait(timeout=timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    kill_group(proc)
    return timed_out


def kill_all() -> None:
    """Kill every running worker and what it started (the grader is stopping)."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        kill_group(proc)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the worker's process group and every descendant, even one in a session of its own."""
    doomed = descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    found = children(pid)
    return found + [d for c in found for d in descendants(c)]


def parse(stdout: bytes, returncode: int | None, stderr: str) -> dict[str, Any]:
    """The worker's verdict from its JSON, or a grader error saying why there is none."""
    data = _json_object(stdout)
    if data is None:
        why = scrub(_last_line(stderr))
        why = why or f"it exited with status {returncode} and printed no result"
        if returncode is not None and returncode < 0:
            why = f"it was killed by signal {-returncode}"
        return grader_error(f"the worker gave no result: {why}")
    problem = _shape_problem(data)
    if problem:
        return grader_error(f"the worker's result is malformed: {problem}")
    if data["status"] == "error":
        data["reason"] = GRADER_ERROR + scrub(_error_reason(data))
    return data


def _json_object(stdout: bytes) -> dict[str, Any] | None:
    text = stdout.decode("utf-8", errors="replace").strip()
    candidates = [text, *reversed(text.splitlines())]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _shape_problem(data: dict[str, Any]) -> str | None:
    if data.get("status") not in STATUSES:
        return f"status is {data.get('status')!r}"
    for key in ("score", "max_score"):
        if not isinstance(data.get(key), int):
            return f"{key} is not a whole number"
    if not isinstance(data.get("checks"), list) or not isinstance(data.get("tasks", []), list):
        return "checks is not a list"
    return None


def _error_reason(data: dict[str, Any]) -> str:
    broken = [c for c in data["checks"] if isinstance(c, dict) and c.get("status") == "error"]
    if data.get("error"):
        return str(data["error"])
    if broken:
        return f"check {broken[0].get('id')} broke: {broken[0].get('message', '')}".strip()
    return "the checks reported an error" if data["checks"] else "no checks ran"


def grader_error(reason: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": "error",
        "score": 0,
        "max_score": None,
        "tasks": [],
        "checks": [],
        "reason": GRADER_ERROR + reason,
        **extra,
    }


ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[^\s/'\"():,]+/)+([^\s/'\"():,]*)")


def scrub(text: str) -> str:
    """`text` without the grader's paths: each absolute path becomes its last part."""
    return ABSOLUTE_PATH.sub(lambda m: m.group(1) or "/", text)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
