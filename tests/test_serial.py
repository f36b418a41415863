"""The serial target against the virtual board: same harness, same trace, and every setup
problem a clear SetupError, never the student's failure."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from irqlab.outcome import problem
from irqlab.runner import run as sim_run
from irqlab.scenario import Bounce, Button, Jumper, Led, Press, Scenario, SquareWave
from irqlab.serial import target
from irqlab.serial.transport import Line, SetupError
from irqlab.serial.vboard import Server

COUNTER = """\
from machine import Pin
import time

count = 0

def on_press(pin):
    global count
    count += 1

button = Pin(5, Pin.IN, Pin.PULL_UP)
button.irq(on_press, Pin.IRQ_FALLING)
print("start", time.ticks_ms())
seen = 0
while True:
    if count != seen:
        seen = count
        print("PRESS", seen)
    time.sleep_ms(5)
"""

PRESSES = Scenario(
    world=(Button(pin=5), Jumper(), Led()),
    timeline=(Press(at=0.3, hold=0.2), Press(at=1.0, hold=0.3), Press(at=1.6, hold=0.1)),
    seconds=2.0,
)


@pytest.fixture(scope="module")
def esp32():
    with Server("esp32") as server:
        yield server.address


@pytest.fixture
def counter(tmp_path: Path) -> Path:
    path = tmp_path / "main.py"
    path.write_text(COUNTER)
    return path


def _presses(run) -> list[str]:
    return [line.text for line in run.trace.lines(r"PRESS \d+")]


def test_same_trace_as_the_simulator(esp32, counter):
    sim = sim_run(counter, PRESSES)
    board = target.run(counter, PRESSES, "esp32", esp32)
    assert (board.stopped, board.exit) == (sim.stopped, sim.exit) == ("scenario", None)
    assert _presses(board) == _presses(sim) == ["PRESS 1", "PRESS 2", "PRESS 3"]
    # The RMT plays the edges where the scenario puts them, on the board's own clock.
    sim_edges, board_edges = sim.trace.edges(5), board.trace.edges(5)
    assert [lv for _, lv in board_edges] == [lv for _, lv in sim_edges]
    assert all(abs(a - b) < 1000 for (a, _), (b, _) in zip(board_edges, sim_edges, strict=True))
    assert board.trace.handler_runs("pin5") and problem(board) is None
    assert board.extra["target"] == f"serial:{esp32}"


def test_bounces_reach_the_program_through_the_jumper(esp32, counter):
    bouncy = Scenario(
        world=(Button(pin=5, bounce=Bounce(transitions=(6, 6), spread_ms=(2, 2))), Jumper()),
        timeline=(Press(at=0.2, hold=0.3),),
        seconds=1.0,
        seed=3,
    )
    sim = sim_run(counter, bouncy)
    board = target.run(counter, bouncy, "esp32", esp32)
    assert len(board.trace.edges(5)) == len(sim.trace.edges(5)) == len(bouncy.compile().edges)
    assert len(board.trace.handler_runs("pin5")) == len(sim.trace.handler_runs("pin5")) > 1


def test_timer_player_without_rmt(counter):
    """An ESP8266 has no RMT: a timer plays every edge, late by at most a few ms."""
    with Server("esp8266") as server:
        board = target.run(counter, PRESSES, "esp8266", server.address)
    planned = [(t, lv) for t, _, lv in PRESSES.compile().edges]
    played = board.trace.edges(5)
    assert [lv for _, lv in played] == [lv for _, lv in planned]
    assert all(0 <= t - p < 3000 for (t, _), (p, _) in zip(played, planned, strict=True))
    assert _presses(board) == ["PRESS 1", "PRESS 2", "PRESS 3"]


TWO_INPUTS = """\
from machine import Pin
import time

presses = [0, 0]

def on_button(pin):
    presses[0] += 1

def on_door(pin):
    presses[1] += 1

Pin({main}, Pin.IN, Pin.PULL_UP).irq(on_button, Pin.IRQ_FALLING)
Pin({second}, Pin.IN, Pin.PULL_UP).irq(on_door, Pin.IRQ_FALLING)
seen = [0, 0]
while True:
    for i in (0, 1):
        if presses[i] != seen[i]:
            seen[i] = presses[i]
            print("BUTTON" if i == 0 else "DOOR", seen[i])
    time.sleep_ms(5)
"""


def _two_inputs(second: int) -> Scenario:
    # Presses on the lab kit's input and on the second input, interleaved
    return Scenario(
        world=(Button(pin=5), Button(pin=second)),
        timeline=(
            Press(at=0.2, hold=0.1),
            Press(at=0.25, hold=0.2, pin=second),
            Press(at=0.6, hold=0.1, pin=second),
            Press(at=0.9, hold=0.05),
        ),
        seconds=1.2,
    )


def _played(run, pin: int) -> list[tuple[int, int]]:
    return run.trace.edges(pin)


def test_a_second_input_gpio17_is_driven_from_gpio16(esp32, tmp_path):
    """The second jumper: the RMT plays GPIO16's edges, GPIO17 sees them, as on the sim."""
    program = tmp_path / "main.py"
    program.write_text(TWO_INPUTS.format(main=5, second=17))
    scenario = _two_inputs(17)
    sim = sim_run(program, scenario)
    board = target.run(program, scenario, "esp32", esp32)
    want = ["BUTTON 1", "DOOR 1", "DOOR 2", "BUTTON 2"]
    assert [ln.text for ln in sim.trace.lines()] == [ln.text for ln in board.trace.lines()] == want
    for pin in (5, 17):
        sim_edges, board_edges = _played(sim, pin), _played(board, pin)
        assert [lv for _, lv in board_edges] == [lv for _, lv in sim_edges]
        assert all(abs(a - b) < 1000 for (a, _), (b, _) in zip(board_edges, sim_edges, strict=True))
    assert len(board.trace.handler_runs("pin17")) == len(sim.trace.handler_runs("pin17")) == 2


CHATTER = """\
from machine import Pin
import time

rises = 0

def on_rise(pin):
    global rises
    rises += 1

Pin(5, Pin.IN).irq(on_rise, Pin.IRQ_RISING)
while True:
    time.sleep_ms(10)
    print("RISES", rises)
"""

# Flow at 120 Hz with 60 ms of 30 kHz chatter in it (5 us spikes): several square waves on
# one pin, nearly as many edges as an ESP32 can hold to play.
BURST = (0.3, 0.36)
STORM = Scenario(
    world=(
        SquareWave(pin=5, hz=120, start=0.0, stop=BURST[0] - 0.005),
        SquareWave(pin=5, hz=30_000, start=BURST[0], stop=BURST[1], duty=0.15),
        SquareWave(pin=5, hz=120, start=BURST[1] + 0.005, stop=0.6),
    ),
    seconds=0.7,
)


def test_a_burst_of_short_spikes_is_played_as_the_scenario_says(esp32, tmp_path):
    """The RMT plays a storm of 5 us spikes as it is, and the handler runs during the burst
    as on the sim: the pulse train fits the board's heap as it fits a real ESP32's."""
    assert len(STORM.compile().edges) > 0.9 * target.MAX_EDGES["esp32"]
    program = tmp_path / "main.py"
    program.write_text(CHATTER)
    sim = sim_run(program, STORM)
    board = target.run(program, STORM, "esp32", esp32)
    sim_edges, board_edges = _played(sim, 5), _played(board, 5)
    assert [lv for _, lv in board_edges] == [lv for _, lv in sim_edges]
    # Each level lasts as long as the scenario says (5 us spikes stay 5 us), to the tick.
    for a, b in itertools.pairwise(range(len(sim_edges))):
        sim_gap = sim_edges[b][0] - sim_edges[a][0]
        assert abs((board_edges[b][0] - board_edges[a][0]) - sim_gap) <= 1, (a, sim_gap)
    # The handler runs all through the burst, from its first spike on (less often than on the
    # sim: the board's own tracing of each run costs it a few microseconds more).
    start, end = (round(s * 1_000_000) for s in BURST)
    runs = {}
    for name, run in (("sim", sim), ("board", board)):
        runs[name] = [r for r in run.trace.handler_runs("pin5") if start <= r.start_us < end]
        assert runs[name] and runs[name][0].start_us < start + 200, (name, runs[name][:5])
        assert runs[name][-1].start_us > end - 200, (name, runs[name][-5:])
    assert len(runs["board"]) > len(runs["sim"]) / 2


def test_the_timer_player_plays_both_inputs_in_time_order():
    """An ESP8266: one timer plays both wires' edges (GPIO4 -> GPIO5, GPIO12 -> GPIO14)."""
    with Server("esp8266") as server, tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "main.py"
        program.write_text(TWO_INPUTS.format(main=5, second=14))
        scenario = _two_inputs(14)
        board = target.run(program, scenario, "esp8266", server.address)
    assert [ln.text for ln in board.trace.lines()] == ["BUTTON 1", "DOOR 1", "DOOR 2", "BUTTON 2"]
    for pin in (5, 14):
        planned = [(t, lv) for t, p, lv in scenario.compile().edges if p == pin]
        played = _played(board, pin)
        assert [lv for _, lv in played] == [lv for _, lv in planned]
        assert all(0 <= t - p < 3000 for (t, _), (p, _) in zip(played, planned, strict=True))


def test_a_missing_second_jumper_is_named_only_when_the_scenario_needs_it(tmp_path):
    program = tmp_path / "main.py"
    program.write_text(TWO_INPUTS.format(main=5, second=17))
    with Server("esp32", second_jumper=False) as server:
        one_input = target.run(program, PRESSES, "esp32", server.address)
        assert one_input.stopped == "scenario"
        with pytest.raises(SetupError, match="GPIO17 does not follow GPIO16"):
            target.run(program, _two_inputs(17), "esp32", server.address)


PULSES = """\
import time
import esp32
from machine import Counter, Encoder, Pin

events = []
c = Counter(0, Pin(5), edge=Counter.RISING | Counter.FALLING)
e = Encoder(1, Pin(5), Pin(17), phases=4)
p = esp32.PCNT(2, pin=Pin(5), falling=esp32.PCNT.INCREMENT, threshold0=2)
p.irq(lambda u: events.append(u.irq().flags()), esp32.PCNT.IRQ_THRESHOLD0)
p.start()
time.sleep_ms(1100)
print(c.value(), e.value(), e.phases(), p.value(), events, p, Counter(0) is c)
"""


def test_pulse_counters_run_unchanged_on_a_board(esp32, tmp_path):
    """machine.Counter, machine.Encoder (Python over esp32.PCNT in the ESP32's firmware)
    and esp32.PCNT through the harness on a board: the same results as on the sim."""
    program = tmp_path / "main.py"
    program.write_text(PULSES)
    scenario = _two_inputs(17)
    sim = sim_run(program, scenario)
    board = target.run(program, scenario, "esp32", esp32)
    assert sim.stdout == board.stdout == "4 4 4 2 [8] PCNT(2) True\n", (sim.stdout, board.stdout)
    assert len(board.trace.handler_runs("pcnt2")) == len(sim.trace.handler_runs("pcnt2")) == 1


def test_ticks_start_where_the_scenario_says(esp32, counter):
    near_wrap = Scenario(world=(Jumper(),), seconds=0.5, ticks_ms_start=2**30 - 200)
    board = target.run(counter, near_wrap, "esp32", esp32)
    started = int(board.trace.lines(r"start \d+")[0].text.split()[1])
    assert 2**30 - 200 <= started < 2**30 - 150


def test_a_program_that_exits(esp32, tmp_path):
    (tmp_path / "main.py").write_text("print('bye')\nimport sys\nsys.exit(3)\n")
    board = target.run(tmp_path / "main.py", Scenario(seconds=1.0), "esp32", esp32)
    assert (board.stopped, board.exit, board.stdout) == ("exit", 3, "bye\n")


def test_a_crash_is_the_programs_and_is_traced(esp32, tmp_path):
    (tmp_path / "main.py").write_text("x = 1\nprint(x / 0)\n")
    board = target.run(tmp_path / "main.py", Scenario(seconds=1.0), "esp32", esp32)
    assert problem(board) == problem(sim_run(tmp_path / "main.py", Scenario(seconds=1.0)))
    assert "ZeroDivisionError" in (problem(board) or "")


def test_a_stuck_handler_times_out(esp32, tmp_path):
    (tmp_path / "main.py").write_text(
        "from machine import Pin\n"
        "def stuck(p):\n    while True:\n        pass\n"
        "Pin(5, Pin.IN).irq(stuck, Pin.IRQ_FALLING)\n"
        "while True:\n    pass\n"
    )
    scenario = Scenario(world=(Button(pin=5), Jumper()), timeline=(Press(0.1, 0.1),), seconds=0.5)
    board = target.run(tmp_path / "main.py", scenario, "esp32", esp32)
    assert board.stopped == "timeout" and problem(board) is not None
    # ... and the board is usable again afterwards.
    again = target.run(_hello(tmp_path), Scenario(seconds=0.2), "esp32", esp32)
    assert again.stdout == "hello\n"


def _hello(tmp_path: Path) -> Path:
    folder = tmp_path / "hello"
    folder.mkdir(exist_ok=True)
    (folder / "main.py").write_text("print('hello')\n")
    return folder / "main.py"


def test_a_busy_board_is_interrupted(esp32, tmp_path):
    with Line(esp32) as line:
        line.raw_repl()
        line.start("while True:\n    pass\n")  # left running, as by another tool
        line.t.in_raw_repl = False  # and left without cleaning up
    board = target.run(_hello(tmp_path), Scenario(seconds=0.2), "esp32", esp32)
    assert board.stdout == "hello\n"


def test_missing_jumper(counter):
    with Server("esp32", jumper=False) as server, pytest.raises(SetupError, match="jumper"):
        target.run(counter, PRESSES, "esp32", server.address)


def test_wrong_board(esp32, counter):
    with pytest.raises(SetupError, match="add --board esp32"):
        target.run(counter, PRESSES, "esp8266", esp32)


def test_no_such_port(counter):
    with pytest.raises(SetupError, match="can't open"):
        target.run(counter, PRESSES, "esp32", "/dev/irqlab-no-such-port")


def test_a_device_that_never_answers(counter):
    master, slave = os.openpty()
    try:
        started = time.monotonic()
        with pytest.raises(SetupError, match="does not answer"):
            target.run(counter, PRESSES, "esp32", os.ttyname(slave))
        assert time.monotonic() - started < 60
    finally:
        os.close(master)
        os.close(slave)


def test_a_scenario_a_board_cannot_play(counter):
    other_pin = Scenario(world=(SquareWave(pin=13, hz=10),), seconds=1.0)
    with pytest.raises(SetupError, match="GPIO13"):
        target.run(counter, other_pin, "esp32", "/dev/irqlab-never-opened")
    storm = Scenario(world=(SquareWave(pin=5, hz=1000), Jumper()), seconds=5.0)
    with pytest.raises(SetupError, match="10,000 edges"):
        target.run(counter, storm, "esp32", "/dev/irqlab-never-opened")


def _board_check(**wiring: bool) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "irqlab", "board", "check", "--port"]
    with Server("esp32", **wiring) as server:
        return subprocess.run([*cmd, server.address], capture_output=True, text=True, timeout=120)


def test_board_check_command():
    r = _board_check()
    assert r.returncode == 0, r.stderr
    assert "the lab kit's jumper GPIO4 -> GPIO5: connected\n" in r.stdout
    assert "the second input's jumper GPIO16 -> GPIO17: connected\n" in r.stdout
    r = _board_check(jumper=False)
    assert r.returncode == 2 and "jumper wire is missing" in r.stderr
    assert "GPIO4 -> GPIO5: MISSING or loose\n" in r.stdout


def test_board_check_names_a_missing_second_jumper():
    r = _board_check(second_jumper=False)
    assert r.returncode == 2
    assert "the lab kit's jumper GPIO4 -> GPIO5: connected\n" in r.stdout
    assert "the second input's jumper GPIO16 -> GPIO17: MISSING or loose\n" in r.stdout
    assert "ready" not in r.stdout
    (error,) = r.stderr.strip().splitlines()
    assert error == (
        "irqlab: GPIO17 does not follow GPIO16: the jumper wire is missing or loose; only labs "
        "with a second input need it (connect GPIO16 to GPIO17 with a jumper wire, and nothing "
        "else to those two pins)"
    )
