"""The serial target: a program, under a scenario, on a board at the end of a serial line.

The same harness and tracing layer as on the simulated board run on the chip, with its own
`machine`: the host copies them, the program and the run's config to a folder `irqlab/` on
the board, checks the jumpers the scenario needs (GPIO4 -> GPIO5, and GPIO16 -> GPIO17 for a
second input), soft-resets the board and starts the harness. The board plays the scenario's
edges on GPIO4 and GPIO16 itself (_irqstim: RMT on an ESP32, a timer elsewhere) and sends the
trace back as the same nonce-marked lines the simulator prints; the host reads them until the
end event, then interrupts the program and soft-resets the board.
Anything wrong with the board, its firmware or its wiring is a SetupError, never the
student's failure; a program that does not finish in time is a run that stopped on "timeout".
"""

from __future__ import annotations

import ast
import base64
import contextlib
import hashlib
import json
import secrets
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from irqlab.errors import IrqlabError
from irqlab.profiles import profile
from irqlab.program import Program, load_program
from irqlab.runner import BOARD_DIR, MAX_PRINTED, MAX_RAW, Run, _Stream
from irqlab.scenario import Compiled, Scenario
from irqlab.serial.transport import ANSWER_S, RESET_FIX, Line, SetupError
from irqlab.trace import Trace

KIT_OUT, KIT_IN = 4, 5  # the lab kit's jumper: the board drives GPIO4, the program reads GPIO5
NODEMCU = {(4, 5): ("D2", "D1"), (12, 14): ("D6", "D5")}  # an ESP8266 NodeMCU's labels
HARNESS_FILES = ("_irqharness.py", "_irqtrace.py", "_irqboard.py", "_irqstim.py")
REMOTE = "irqlab"  # the folder on the board (relative: the board's working directory)
TRACE_BUFFER = {"esp32": 16 * 1024, "esp8266": 4 * 1024}
STOP_TIMER = {"esp32": 3, "esp8266": -1}  # the Timer that ends the run (ESP32: hardware 3)
STIM_TIMER = {"esp32": 2, "esp8266": -1}  # the stimulus player's, when there is no RMT
MAX_FILES = 32
MAX_EDGES = {"esp32": 4000, "esp8266": 1500}  # what the player can hold in the board's RAM
START_S = 10.0  # to start the harness, and to send the buffered trace at the end
STOP_S = 8.0  # for the program to stop after Ctrl-C
RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"  # a board that soft-reset instead

BOOTSTRAP = (
    "import sys\n"
    f"sys.path.insert(0, '{REMOTE}')\n"
    f"sys.argv[:] = ['_irqharness.py', '{REMOTE}/config.json']\n"
    "import _irqharness\n"
)

PROBE = """\
import sys, gc
try:
    import _irqsim
    b = _irqsim.profile['name']
except ImportError:
    b = sys.platform
gc.collect()
print(repr((b, sys.version, gc.mem_free())))
"""


def run(
    program: Program | str | Path,
    scenario: Scenario | None,
    board: str,
    port: str,
) -> Run:
    """Run `program` on the board at `port` under `scenario` and return what happened."""
    prog = program if isinstance(program, Program) else load_program(program)
    scenario = scenario or Scenario()
    compiled = scenario.compile()
    profile(board)
    nonce = secrets.token_hex(8)
    config = _config(prog, scenario, compiled, board, nonce)
    started = time.monotonic()
    with Line(port) as line:
        line.raw_repl()
        _check_board(line, board)
        _install(line, prog, config)
        _check_jumpers(line, board, config["stim"]["wires"])
        line.raw_repl()
        line.start(BOOTSTRAP)
        stream = _Stream(nonce)
        try:
            outcome, tail = _pump(line, stream, scenario.seconds + START_S)
        except BaseException:
            # Whatever broke the run (or the person pressed Ctrl-C), the next one must
            # find the board at its REPL, not still running this program.
            with contextlib.suppress(Exception):
                line.raw_repl()  # interrupts the program and soft-resets the board
            raise
        _stop(line, tail)
    return _result(stream, outcome, scenario, compiled, board, port, time.monotonic() - started)


def stimulus(compiled: Compiled, scenario: Scenario, board: str) -> dict[str, Any]:
    """What the board's player plays on the lab kit's outputs for this scenario: one wire
    for each input of the scenario that a jumper reaches (GPIO5 from GPIO4, the second
    input from its own output)."""
    jumpers = profile(board).jumpers
    inputs = {target for _, target in jumpers}
    others = sorted({pin for _, pin, _ in compiled.edges if pin not in inputs})
    if others:
        wired = " and ".join(f"GPIO{t} (from GPIO{s})" for s, t in jumpers)
        raise SetupError(
            f"this scenario drives GPIO{others[0]}, but on a board only the lab kit's "
            f"jumpers drive inputs: {wired}",
            "run it on the simulated board (without --port)",
        )
    if len(compiled.edges) > MAX_EDGES[board]:
        raise SetupError(
            f"this scenario has {len(compiled.edges):,} edges, more than an {board.upper()} "
            f"can hold to play (at most {MAX_EDGES[board]:,})",
            "run it on the simulated board (without --port)",
        )
    wires = [
        _wire(compiled, out, target)
        for i, (out, target) in enumerate(jumpers)
        if i == 0 or target in compiled.idle
    ]
    return {"wires": wires, "timer": STIM_TIMER[board], "until": scenario.duration_us + 1_000_000}


def _wire(compiled: Compiled, out: int, target: int) -> dict[str, Any]:
    edges = [(t, level) for t, pin, level in compiled.edges if pin == target]
    # Packed: an edge costs the board 5 bytes, not two Python objects.
    times = struct.pack(f"<{len(edges)}i", *(t for t, _ in edges))
    return {
        "pin": out,
        "target": target,
        "idle": compiled.idle.get(target),
        "t_us": base64.b64encode(times).decode(),
        "levels": base64.b64encode(bytes(lv for _, lv in edges)).decode(),
    }


def _config(
    prog: Program, scenario: Scenario, compiled: Compiled, board: str, nonce: str
) -> dict[str, Any]:
    return {
        "target": "board",
        "nonce": nonce,
        "folder": f"{REMOTE}/prog",
        "main": prog.main,
        "max_output": MAX_PRINTED,
        "duration_us": scenario.duration_us,
        "ticks_ms_start": scenario.ticks_ms_start,
        "trace_buffer": TRACE_BUFFER[board],
        "stop_timer": STOP_TIMER[board],
        "stim": stimulus(compiled, scenario, board),
    }


def _probe(line: Line) -> tuple[str, str, int]:
    """(board, MicroPython version, free heap) as the board reports them."""
    text = line.exec(PROBE).strip()
    try:
        found, version, free = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError):
        raise SetupError(
            f"the board at {line.port} gave an answer irqlab can't read: {text[:80]!r}", RESET_FIX
        ) from None
    return str(found), str(version), int(free)


def _check_board(line: Line, board: str) -> str:
    found = _probe(line)[0]
    if found not in ("esp32", "esp8266"):
        raise SetupError(
            f"the board at {line.port} is a {found!r} board",
            "irqlab's labs run on an ESP32 or ESP8266 with MicroPython",
        )
    if found != board:
        raise SetupError(
            f"the board at {line.port} is an {found.upper()}, not an {board.upper()}",
            f"add --board {found}",
        )
    return found


def _stamp(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name] + b"\0")
    return h.hexdigest()[:16]


def _install(line: Line, prog: Program, config: dict[str, Any]) -> None:
    """The harness, the program and the config, in the board's folder irqlab/."""
    _install_harness(line)
    line.exec(
        f"import os\nfor f in os.listdir('{REMOTE}/prog'):\n    os.remove('{REMOTE}/prog/'+f)"
    )
    for path in _program_files(prog):
        line.write_file(f"{REMOTE}/prog/{path.name}", path.read_bytes())
    line.write_file(f"{REMOTE}/config.json", json.dumps(config).encode())


def _install_harness(line: Line) -> None:
    """Copies the harness unless the board has this version already (its stamp)."""
    harness = {name: (BOARD_DIR / name).read_bytes() for name in HARNESS_FILES}
    stamp = _stamp(harness)
    have = line.exec(
        "import os\n"
        f"for d in ('{REMOTE}', '{REMOTE}/prog'):\n"
        "    try:\n        os.mkdir(d)\n    except OSError:\n        pass\n"
        f"try:\n    print(open('{REMOTE}/stamp').read())\nexcept OSError:\n    print('')\n"
    ).strip()
    if have != stamp:
        for name, data in harness.items():
            line.write_file(f"{REMOTE}/{name}", data)
        line.write_file(f"{REMOTE}/stamp", stamp.encode())


def _program_files(prog: Program) -> list[Path]:
    files = sorted(p for p in prog.folder.glob("*.py") if p.is_file())
    if prog.path not in files:
        files.append(prog.path)
    if len(files) > MAX_FILES:
        raise IrqlabError(
            f"{prog.folder} has {len(files)} .py files to copy to the board",
            f"keep the program in at most {MAX_FILES} files, in a folder of its own",
        )
    return files


def _jumper(line: Line, out: int, target: int) -> bool | None:
    """Whether GPIO`target` follows GPIO`out` (None: the firmware has no such pin)."""
    answer = line.exec(
        f"import sys\nsys.path.insert(0, '{REMOTE}')\nimport _irqboard\n"
        f"print(_irqboard.jumper({out}, {target}))\n"
    ).strip()
    return {"True": True, "False": False, "None": None}.get(answer, False)


def _missing(board: str, out: int, target: int, found: bool | None) -> SetupError:
    """What is wrong with the jumper from `out` to `target`, and how to fix it."""
    if found is None:
        return SetupError(
            f"this board's firmware has no GPIO{out} or GPIO{target} (an ESP32 build with "
            "SPIRAM gives GPIO16 and GPIO17 to its PSRAM)",
            "flash the ESP32_GENERIC firmware without SPIRAM, or use a board without PSRAM",
        )
    labels = NODEMCU.get((out, target)) if board == "esp8266" else None
    on_nodemcu = f" (on an ESP8266 NodeMCU: {labels[0]} to {labels[1]})" if labels else ""
    return SetupError(
        f"GPIO{target} does not follow GPIO{out}: the jumper wire is missing or loose",
        f"connect GPIO{out} to GPIO{target} with a jumper wire{on_nodemcu}, and nothing "
        "else to those two pins",
    )


def _check_jumpers(line: Line, board: str, wires: list[dict[str, Any]]) -> None:
    """The jumpers this run's stimulus needs (the main one always)."""
    for out, target in [(w["pin"], w["target"]) for w in wires] or [profile(board).jumpers[0]]:
        found = _jumper(line, out, target)
        if found is not True:
            raise _missing(board, out, target, found)


def _pump(line: Line, stream: _Stream, limit_s: float) -> tuple[str, bytes]:
    """Read the run's output until its end event, the end of the harness, or the deadline.

    Returns how it ended, and the last bytes read (the REPL's prompt may be among them).
    """
    deadline = time.monotonic() + limit_s
    carry = tail = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout", tail
        chunk = line.read(min(left, 0.5))
        tail = (tail + chunk)[-64:]
        data = carry + chunk
        carry = b""
        if data.endswith(b"\r"):
            data, carry = data[:-1], b"\r"
        done = data.find(b"\x04")  # the raw REPL: the harness itself has finished
        if stream.feed((data if done < 0 else data[:done]).replace(b"\r\n", b"\n")):
            return "end", tail
        if done >= 0:
            _harness_failed(line, data[done + 1 :])
        if stream.raw_bytes > MAX_RAW:
            return "output", tail


def _harness_failed(line: Line, after: bytes) -> None:
    err = after + (line.read_until(b"\x04", ANSWER_S) or b"")
    lines = err.replace(b"\x04", b"").decode(errors="replace").strip().splitlines()
    last = lines[-1] if lines else "it ended without a word"
    raise SetupError(
        f"the harness stopped on the board at {line.port}: {last}",
        "MemoryError: the board is short of memory, soft-reset it and try again; "
        "otherwise " + RESET_FIX
        if "MemoryError" in last
        else RESET_FIX,
    )


def _stop(line: Line, tail: bytes) -> None:
    """Interrupt the program (still running after the scenario) and soft-reset the board.

    A Ctrl-C that lands while a soft callback runs stops only that callback (the port
    prints it and goes on), so Ctrl-C is sent again until the REPL's prompt comes back.
    """
    deadline = time.monotonic() + STOP_S
    next_ctrl_c = 0.0
    while b"\x04>" not in tail and RAW_PROMPT not in tail:
        now = time.monotonic()
        if now >= deadline:
            raise SetupError(
                f"the program on the board at {line.port} did not stop on Ctrl-C after the run "
                "(does it catch KeyboardInterrupt, or turn Ctrl-C off with kbd_intr?)",
                RESET_FIX,
            )
        if now >= next_ctrl_c:
            line.write(b"\x03")
            next_ctrl_c = now + 0.25
        tail = (tail + line.read(0.05))[-4096:]
    line.raw_repl()
    line.t.exit_raw_repl()


def _result(
    stream: _Stream,
    outcome: str,
    scenario: Scenario,
    compiled: Compiled,
    board: str,
    port: str,
    wall: float,
) -> Run:
    stream.flush()
    # A print goes out at once, the other events when the board's buffer is sent: by time.
    events = sorted(stream.events, key=lambda e: e["t_us"])
    trace = Trace(events)
    end = trace.end
    stopped, exit_code = outcome, None
    if outcome == "end" and end is not None:
        stopped, exit_code = end["reason"], end["exit"]
    stdout = "".join(e["text"] for e in trace if e["kind"] in ("print", "out"))
    seconds = (end["t_us"] if end else trace.end_us) / 1_000_000
    return Run(
        exit=exit_code,
        stdout=stdout,
        trace=trace,
        virtual_s=seconds,
        stopped=stopped,
        scenario=scenario,
        compiled=compiled,
        board=board,
        wall_s=wall,
        extra={"target": f"serial:{port}"},
    )


def self_test(port: str) -> Iterator[str]:
    """`irqlab board check`: what a board needs for irqlab, a line for each as it is checked;
    SetupError for what is missing (after a line for every jumper)."""
    with Line(port) as line:
        line.raw_repl()
        found, version, free = _probe(line)
        yield f"{port}: {version.split('; ')[-1]} on {found}, {free} bytes free"
        _check_board(line, found)
        _install_harness(line)
        yield f"irqlab's harness is on the board, in {REMOTE}/"
        problems = []
        for i, (out, target) in enumerate(profile(found).jumpers):
            seen = _jumper(line, out, target)
            what = "the lab kit's jumper" if i == 0 else "the second input's jumper"
            state = {True: "connected", False: "MISSING or loose", None: "no such pins"}[seen]
            yield f"{what} GPIO{out} -> GPIO{target}: {state}"
            if seen is not True:
                e = _missing(found, out, target, seen)
                if i > 0:  # labs with one input still run: say so
                    e = SetupError(f"{e.problem}; only labs with a second input need it", e.fix)
                problems.append(e)
        line.raw_repl()
        line.t.exit_raw_repl()
    if problems:
        raise problems[0]
    yield f"ready: irqlab check N --port {port} --board {found}"
