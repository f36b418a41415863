"""Check one prepared submission in a worker process, and turn what it says into a result.

The worker is `python -m irqlab.grade LAB FOLDER` (the lab's checks, trusted, on the host;
the student's program confined by irqlab.sandbox). It runs in its own session with a
wall-clock limit; when it ends, or runs out of time, its whole process group is killed.
Whatever goes wrong on the grader's side becomes status "error" with a reason starting
"grader error:", and is tried once more: it never counts against the student.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_WORKER_OUTPUT = 8 << 20  # bytes of the worker's JSON read
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
    out_path, err_path = scratch / "worker.out", scratch / "worker.err"
    started = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        try:
            proc = subprocess.Popen(
                spec.argv(folder),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=spec.env(),
                cwd=scratch,
                start_new_session=True,
            )
        except OSError as e:
            return grader_error(f"the worker did not start: {e}")
        with _LIVE_LOCK:
            _LIVE.add(proc)
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
    result = parse(_head(out_path), proc.returncode, _tail(err_path))
    result["seconds"] = seconds
    return result


def _wait(proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Wait for the worker; kill its whole group after (leftovers too). True if it timed out."""
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
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def parse(stdout: bytes, returncode: int | None, stderr: str) -> dict[str, Any]:
    """The worker's verdict from its JSON, or a grader error saying why there is none."""
    data = _json_object(stdout)
    if data is None:
        why = _last_line(stderr) or f"it exited with status {returncode} and printed no result"
        if returncode is not None and returncode < 0:
            why = f"it was killed by signal {-returncode}"
        return grader_error(f"the worker gave no result: {why}")
    problem = _shape_problem(data)
    if problem:
        return grader_error(f"the worker's result is malformed: {problem}")
    if data["status"] == "error":
        data["reason"] = GRADER_ERROR + _error_reason(data)
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


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(MAX_WORKER_OUTPUT)


def _tail(path: Path, size: int = 4096) -> str:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - size))
        return f.read().decode("utf-8", errors="replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
