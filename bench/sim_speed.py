"""How fast the simulated board runs, and what its cost model implies on a real-board scale.

    python bench/sim_speed.py

Prints virtual seconds per real second for a sleep-paced and a busy-polling program (10
virtual seconds each; goal: over 20), how much slower a sleep-free polling loop runs on the
simulated board than the same passes on the bare unix port (with trivial stand-ins for
`machine`; goal: within 5x), and the same with a handler armed (the board then runs its tick
at every pending check), the fixed cost of one run over a bare `micropython -c pass`, and
figures to compare with an ESP32: pin-toggle frequency, polling and IRQ latencies.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

from irqlab.instrument import instrument
from irqlab.port import micropython_command
from irqlab.profiles import ESP32
from irqlab.runner import Run, run
from irqlab.scenario import Button, Press, Scenario

SLEEP_PACED = """
from machine import Pin
import time
button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)
while True:
    led.value(button.value() == 0)
    time.sleep_ms(10)
"""

BUSY_POLLING = """
from machine import Pin
button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)
while True:
    if button.value() == 0:
        led.value(1)
    else:
        led.value(0)
"""

TOGGLE = """
from machine import Pin
import time
out = Pin(2, Pin.OUT)
t = time.ticks_us()
for i in range(10000):
    out.value(1)
    out.value(0)
print(time.ticks_diff(time.ticks_us(), t))
"""

IRQ_WHILE_BUSY = """
from machine import Pin
led = Pin(2, Pin.OUT)
def on_press(pin):
    led.value(1 - led.value())
Pin(5, Pin.IN, Pin.PULL_UP).irq(on_press, Pin.IRQ_FALLING)
n = 0
while True:
    n += 1
"""

IRQ_WHILE_SLEEPING = IRQ_WHILE_BUSY.replace("    n += 1", "    time.sleep_ms(100)").replace(
    "from machine import Pin", "from machine import Pin\nimport time"
)

PRESSES = tuple(Press(at=0.1 + 0.25 * k, hold=0.1) for k in range(8))
WORLD = (Button(pin=5),)


def run_text(source: str, scenario: Scenario) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        main = Path(folder) / "main.py"
        main.write_text(textwrap.dedent(source))
        return run(main, scenario)


def speed(name: str, source: str, repeat: int) -> None:
    scenario = Scenario(world=WORLD, timeline=PRESSES, seconds=10)
    wall = min(run_text(source, scenario).wall_s for _ in range(repeat))
    print(f"{name:<13} 10 virtual s in {wall:.3f} s real: {10 / wall:8.1f} virtual s per real s")


PASSES = 200_000
POLL_PASSES = f"""
from machine import Pin
button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)
for n in range({PASSES}):
    if button.value() == 0:
        led.value(1)
    else:
        led.value(0)
"""
STAND_INS = """
class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 2
    def __init__(self, id, mode=None, pull=None):
        self.level = 1
    def value(self, x=None):
        if x is None:
            return self.level
        self.level = x
"""


ARMED = "from machine import Pin\nPin(14, Pin.IN).irq(lambda p: None)  # never fires\n"


def bare_port_ratio(rounds: int) -> None:
    """The same polling passes on the simulated board and on the bare unix port, in rounds
    of one run each, so that a slow spell of a shared machine slows all alike; the fastest
    of each is the figure (noise only ever adds time)."""
    scenario = Scenario(world=WORLD, seconds=1000)
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        main = Path(folder) / "main.py"
        main.write_text(textwrap.dedent(POLL_PASSES.replace("from machine import Pin", STAND_INS)))
        runs = {
            "sim": lambda: run_text(POLL_PASSES, scenario).wall_s,
            "armed": lambda: run_text(ARMED + POLL_PASSES, scenario).wall_s,
            "empty": lambda: run_text("pass", scenario).wall_s,
            "bare": lambda: _timed([*micropython_command(), str(main)]),
            "nothing": lambda: _timed([*micropython_command(), "-c", "pass"]),
        }
        for _ in range(rounds):
            for name, once in runs.items():
                times.setdefault(name, []).append(once())
    best = {name: min(t) for name, t in times.items()}
    sim, armed = best["sim"] - best["empty"], best["armed"] - best["empty"]
    bare = best["bare"] - best["nothing"]
    print(
        f"sleep-free polling, {PASSES:,} passes: {sim:.3f} s on the sim, "
        f"{bare:.3f} s on the bare port: {sim / bare:.1f}x"
    )
    print(f"  the same with a handler armed: {armed:.3f} s on the sim: {armed / bare:.1f}x")


def instrumenting() -> None:
    """The host's share of a run: instrumenting a program at MicroPython's size limit."""
    line = "x = 1; y = x + 2  # a comment\nif y:\n    z = [i for i in range(3)]\n"
    source = line * (256 * 1024 // len(line) + 1)
    t = time.monotonic()
    instrument(source)
    print(f"instrumenting a 256 KiB program: {time.monotonic() - t:.2f} s")


def _timed(argv: list[str]) -> float:
    t = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True)
    return time.monotonic() - t


def startup() -> None:
    bare = []
    for _ in range(5):
        t = time.monotonic()
        subprocess.run([*micropython_command(), "-c", "pass"], check=True)
        bare.append(time.monotonic() - t)
    ours = [run_text("pass", Scenario(seconds=0.001)).wall_s for _ in range(5)]
    b, o = statistics.median(bare), statistics.median(ours)
    print(
        f"one run of an empty program: {o * 1000:.0f} ms; bare `micropython -c pass`: "
        f"{b * 1000:.0f} ms; overhead {(o - b) * 1000:.0f} ms"
    )


def latencies(source: str) -> list[int]:
    r = run_text(source, Scenario(world=WORLD, timeline=PRESSES, seconds=2.2))
    starts = [e.start_us for e in r.compiled.episodes]
    writes = [t for t, _ in r.trace.writes(2)]
    out = []
    for s in starts:
        after = [t for t in writes if t >= s]
        out.append(after[0] - s)
    return out


def cost_model() -> None:
    c, scale = ESP32.costs, ESP32.ref_hz / ESP32.freq
    print(
        f"cost model (ESP32 at {ESP32.freq // 1_000_000} MHz; costs given at "
        f"{ESP32.ref_hz // 1_000_000} MHz): pending check {c.check * scale / 1000:.1f} us, "
        f"machine/time call {c.call * scale / 1000:.1f} us, "
        f"callback dispatch {c.irq * scale / 1000:.1f} us"
    )
    toggle_us = int(run_text(TOGGLE, Scenario(seconds=1)).stdout.split()[0])
    print(
        f"  pin toggle loop: {10000 / toggle_us * 1000:.1f} kHz square wave "
        f"({toggle_us / 10000:.1f} us per on+off pass)"
    )
    poll = latencies(BUSY_POLLING)
    print(f"  busy polling, press -> LED: {statistics.mean(poll):.1f} us mean, {max(poll)} us max")
    busy = latencies(IRQ_WHILE_BUSY)
    print(f"  IRQ while main loop is busy, press -> LED: {statistics.mean(busy):.1f} us mean")
    asleep = latencies(IRQ_WHILE_SLEEPING)
    print(f"  IRQ while main sleeps, press -> LED: {statistics.mean(asleep):.1f} us mean")


def main() -> None:
    speed("sleep-paced", SLEEP_PACED, repeat=5)
    speed("busy-polling", BUSY_POLLING, repeat=1)
    bare_port_ratio(rounds=9)
    instrumenting()
    startup()
    cost_model()


if __name__ == "__main__":
    main()
