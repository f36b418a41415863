"""Run a program on the simulated board: the unix port in a subprocess, under a scenario."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irqlab import sandbox
from irqlab.feed import LOOKAHEAD_NS, MAX_WINDOW, Feed
from irqlab.port import BOARD_DIR as BOARD_DIR  # where the board's sources are
from irqlab.port import HARNESS_NAME, board_dir, micropython_command, module_path
from irqlab.profiles import profile
from irqlab.program import Program, load_program
from irqlab.scenario import Compiled, Scenario
from irqlab.staging import stage
from irqlab.trace import Event, Trace, event_from_wire

HEAP = "276K"  # the program finds about 150K free after gc.collect(), as on an ESP32 without PSRAM
MAX_PRINTED = 200_000  # what a program may print before the run is stopped
MAX_RAW = 1_000_000  # bytes of other output the host reads before it stops the run
MAX_EVENTS = 200_000  # trace events kept before the run is stopped (a lab run needs < 5,000)
MAX_LINE = 4 << 20  # bytes of one line of the board's stdout, before the run is stopped
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
        staged = stage(prog, Path(tmp), graded, profile(board).costs.op)
        if staged.forbidden:
            return _refused(staged.forbidden, scenario, compiled, board)
        nonce = secrets.token_hex(8)
        world_r, world_w = os.pipe()  # the host's answers: the world, a window at a time
        config = {
            "world_fd": world_r,
            "max_window": MAX_WINDOW,
            "lookahead_ns": LOOKAHEAD_NS,
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
        board_files = board_dir()
        harness = board_files / HARNESS_NAME
        argv = [*micropython_command(), "-X", f"heapsize={HEAP}", str(harness), "-"]
        env, preexec = _env(board_files), None
        if sandbox.requested_mode():  # grading: confine the untrusted program (irqlab.sandbox)
            argv, env, preexec = sandbox.confine(argv, [Path(tmp), board_files, prog.folder], env)
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


def _env(board_files: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROPY")}
    env["MICROPYPATH"] = module_path(board_files)
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
        self.buffer = bytearray()
        self.raw_bytes = 0
        self.flooded = ""  # what the board sent too much of: "events" or "line"
        self.broken = False  # a record that was not one: the board died writing it
        self.heard = time.monotonic()  # when the board last said something
        self.stderr = b""
        self.stats: dict[str, Any] = {}

    def feed(self, data: bytes) -> bool:
        """Take a chunk of stdout; True once the board has sent its end event."""
        self.heard = time.monotonic()
        self.buffer += data
        if b"\n" not in data:  # split only what brought a line end: a long line stays linear
            self.flooded = self.flooded or ("line" if len(self.buffer) > MAX_LINE else "")
            return False
        *lines, rest = bytes(self.buffer).split(b"\n")
        self.buffer = bytearray(rest)
        for line in lines:
            if self._line(line) or self.broken:
                return True
            if len(self.events) > MAX_EVENTS:
                self.flooded = "events"
                return False
        return False

    def _line(self, line: bytes) -> bool:
        at = line.find(self.prefix)  # output written without a line end runs into a record
        if at > 0:
            self._out(line[:at], "")
            line = line[at:]
        if line.startswith(self.prefix):
            try:
                return self._record(line)
            except (ValueError, TypeError, LookupError):
                self.broken = True  # cut off mid-record, or not one: the run ends there
                return False
        self._out(line, "\n")
        return False

    def _out(self, raw: bytes, end: str) -> None:
        """Output that is no trace record: what the program wrote past the harness."""
        self.raw_bytes += len(raw) + len(end)
        t = self.events[-1]["t_us"] if self.events else 0
        text = raw.decode(errors="replace") + end
        self.events.append({"t_us": t, "kind": "out", "text": self._local(text)})

    def _record(self, line: bytes) -> bool:
        """One trace record: an event, the board's statistics or a request for the world."""
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

    def _local(self, text: str) -> str:
        return text.replace(self.folder, "") if self.folder else text

    def flush(self) -> None:
        if self.buffer and not self.flooded:
            self._line(bytes(self.buffer))
        self.buffer = bytearray()


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
                    return "crash" if stream.broken else "timeout" if interrupted else "end"
                elif stream.raw_bytes > MAX_RAW or stream.flooded:
                    stream.stats["flooded"] = stream.flooded or "output"
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
