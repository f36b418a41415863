"""Experiments on the simulated board whose results the site shows: each runs small programs
under a scenario and returns plain data. Drawing them is figures.py's job.

Every number on the site comes from here, so it changes when the simulator does.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from irqlab.checks.replies import answers
from irqlab.runner import Run, run
from irqlab.scenario import Bounce, Button, Led, Press, Scenario, Sensor, SquareWave

POLLING = """\
import time
from machine import Pin

button = Pin(5, Pin.IN)
last = button.value()
while True:
    level = button.value()
    if level == 0 and last == 1:
        print("PRESS")
    last = level
    time.sleep_ms({period_ms})
"""

SLOW_POLLING = """\
import time
from machine import Pin

sensor = Pin(5, Pin.IN)
last = sensor.value()
while True:
    time.sleep_ms(300)  # the slow job
    level = sensor.value()
    if level == 1 and last == 0:
        print("Alert!!!")
    last = level
"""

SLOW_FLAG = """\
import time
from machine import Pin

sensor = Pin(5, Pin.IN)
seen = 0

def handler(pin):
    global seen
    seen += 1

sensor.irq(trigger=Pin.IRQ_RISING, handler=handler)
told = 0
while True:
    time.sleep_ms(300)  # the slow job
    while told != seen:
        told += 1
        print("Alert!!!")
"""

# Debounce by time alone: count a falling edge unless one came less than window_ms ago.
LOCKOUT = """\
import time
from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
presses = 0
last_ms = time.ticks_add(time.ticks_ms(), -100000)

def handler(pin):
    global presses, last_ms
    now = time.ticks_ms()
    if time.ticks_diff(now, last_ms) >= {window_ms}:
        presses += 1
    last_ms = now

button.irq(trigger=Pin.IRQ_FALLING, handler=handler)
told = 0
while True:
    time.sleep_ms(5)
    while told != presses:
        told += 1
        print("PRESS")
"""

# Debounce by settling: wait until the pin has been quiet for window_ms, then read its level.
SETTLE = """\
import time
from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
last_edge = time.ticks_ms()
moved = False

def handler(pin):
    global last_edge, moved
    last_edge = time.ticks_ms()
    moved = True

button.irq(trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING, handler=handler)
stable = button.value()
while True:
    time.sleep_ms(1)
    if moved and time.ticks_diff(time.ticks_ms(), last_edge) >= {window_ms}:
        moved = False
        level = button.value()
        if level == 0 and stable == 1:
            print("PRESS")
        stable = level
"""

BUSY_HANDLER = """\
import time
from machine import Pin

def handler(pin):
    time.sleep_us({work_us})  # stands in for {work_us} us of work

Pin(5, Pin.IN).irq(trigger=Pin.IRQ_RISING, handler=handler)
while True:
    time.sleep_ms(100)
"""


def run_source(source: str, scenario: Scenario, board: str = "esp32") -> Run:
    """Run a program given as text on the simulated board."""
    with tempfile.TemporaryDirectory(prefix="irqlab-site-") as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(source, encoding="utf-8")
        return run(path, scenario, board=board)


def delays(run_: Run, pattern: str) -> list[int | None]:
    """For each press or approach, the delay (us) to its first matching line; None if the
    program said nothing about it (a missed press). Matched as the labs' checks match them."""
    return [a.delay_us for a in answers(run_, run_.trace.lines(pattern))]


def spaced_presses(count: int, hold_s: float, gap_s: float, seed: int) -> tuple[Press, ...]:
    """Presses at random phases, so that no poll period lines up with them."""
    rng = random.Random(seed)
    slack = (gap_s - hold_s) / 2
    return tuple(
        Press(at=round(0.2 + i * gap_s + rng.uniform(0, slack), 4), hold=hold_s)
        for i in range(count)
    )


@dataclass(frozen=True)
class Detection:
    """How a program answered a series of presses: one latency (us) or None per press."""

    label: str
    latencies_us: tuple[int | None, ...]

    @property
    def missed(self) -> int:
        return sum(1 for x in self.latencies_us if x is None)

    @property
    def seen(self) -> list[int]:
        return [x for x in self.latencies_us if x is not None]

    @property
    def miss_rate(self) -> float:
        return self.missed / len(self.latencies_us) if self.latencies_us else 0.0

    @property
    def worst_ms(self) -> float:
        return max(self.seen, default=0) / 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.seen) / 1000 if self.seen else 0.0


def polling(period_ms: int, hold_s: float, count: int = 20, seed: int = 1) -> Detection:
    """A polling loop with sleep_ms(period_ms), and `count` presses of `hold_s` each."""
    gap = max(0.5, 2.5 * period_ms / 1000 + hold_s)
    presses = spaced_presses(count, hold_s, gap, seed)
    scenario = Scenario(
        world=(Button(pin=5), Led()),  # a button module: clean edges
        timeline=presses,
        seconds=presses[-1].at + hold_s + 2 * period_ms / 1000 + 0.2,
        seed=seed,
    )
    result = run_source(POLLING.format(period_ms=period_ms), scenario)
    latencies = delays(result, "PRESS")
    return Detection(f"poll every {period_ms} ms", tuple(latencies))


def polling_sweep(periods_ms: Sequence[int], hold_s: float, count: int = 20) -> list[Detection]:
    return [polling(p, hold_s, count) for p in periods_ms]


def slow_job(approach_s: float, count: int = 12, seed: int = 2) -> tuple[Detection, Detection]:
    """A main loop with a 300 ms job, told of short approaches by polling vs by an IRQ flag."""
    presses = spaced_presses(count, approach_s, 0.9, seed)
    scenario = Scenario(
        world=(Sensor(pin=5, idle=0), Led()),
        timeline=presses,
        seconds=presses[-1].at + 1.0,
        seed=seed,
    )
    found = []
    for label, source in (("polling", SLOW_POLLING), ("IRQ flag", SLOW_FLAG)):
        result = run_source(source, scenario)
        found.append(Detection(label, tuple(delays(result, "Alert!!!"))))
    return found[0], found[1]


@dataclass(frozen=True)
class FlagTiming:
    """One approach during the slow job, told by an IRQ flag: when each step happened."""

    run: Run
    edge_us: int
    handler_us: int
    alert_us: int


def flag_timing(at_s: float = 0.45) -> FlagTiming:
    scenario = Scenario(
        world=(Sensor(pin=5, idle=0), Led()), timeline=(Press(at=at_s, hold=0.1),), seconds=1.0
    )
    result = run_source(SLOW_FLAG, scenario)
    edge = result.compiled.episodes[0].start_us
    handler = next(r.start_us for r in result.trace.handler_runs("pin5") if r.start_us >= edge)
    alert = next(ln.t_us for ln in result.trace.lines("Alert!!!") if ln.t_us >= edge)
    return FlagTiming(result, edge, handler, alert)


@dataclass(frozen=True)
class BouncePress:
    """The edges a bouncing button made for one press, as the board saw them."""

    edges: tuple[tuple[int, int], ...]  # (t_us, level) on GPIO5
    handler_starts: tuple[int, ...]  # when a plain IRQ handler ran for them
    start_us: int
    settled_us: int


def bounce_press(seed: int = 4) -> BouncePress:
    """One press of a bouncing button, with a handler that does nothing but run."""
    scenario = Scenario(
        world=(Button(pin=5, bounce=Bounce()), Led()),
        timeline=(Press(at=0.1, hold=0.3),),
        seconds=0.6,
        seed=seed,
    )
    result = run_source(LOCKOUT.format(window_ms=0), scenario)
    episode = result.compiled.episodes[0]
    return BouncePress(
        edges=tuple(result.trace.edges(5)),
        handler_starts=tuple(r.start_us for r in result.trace.handler_runs("pin5")),
        start_us=episode.start_us,
        settled_us=episode.settled_us,
    )


@dataclass(frozen=True)
class DebounceResult:
    method: str  # lockout | settle
    window_ms: int
    presses: int  # real presses
    reported: int  # PRESS lines
    edges: int  # edges the board saw


def debounce_sweep(
    windows_ms: Sequence[int], presses: int = 10, seed: int = 4
) -> list[DebounceResult]:
    """How many PRESS lines two debouncers print for `presses` presses of a bouncing button."""
    timeline = spaced_presses(presses, 0.25, 0.8, seed)
    scenario = Scenario(
        world=(Button(pin=5, bounce=Bounce()), Led()),
        timeline=timeline,
        seconds=timeline[-1].at + 1.0,
        seed=seed,
    )
    out = []
    for method, source in (("lockout", LOCKOUT), ("settle", SETTLE)):
        for window in windows_ms:
            result = run_source(source.format(window_ms=window), scenario)
            reported = len(result.trace.lines("PRESS"))
            edges = len(result.trace.edges(5))
            out.append(DebounceResult(method, window, presses, reported, edges))
    return out


@dataclass(frozen=True)
class QueueResult:
    hz: int
    edges: int
    handled: int
    dropped: int
    high_water: int | None


def queue_sweep(
    rates_hz: Sequence[int], work_us: int = 1000, pulses: int = 200
) -> list[QueueResult]:
    """`pulses` rising edges at each rate into a handler that takes `work_us`: how many
    handlers run, and how many edges the full scheduler queue loses."""
    out = []
    for hz in rates_hz:
        wave = SquareWave(pin=5, hz=hz, start=0.01, stop=0.01 + pulses / hz)
        scenario = Scenario(world=(wave,), seconds=0.05 + pulses / hz)
        result = run_source(BUSY_HANDLER.format(work_us=work_us), scenario)
        rising = sum(1 for _, level in result.trace.edges(5) if level == 1)
        out.append(
            QueueResult(
                hz=hz,
                edges=rising,
                handled=len(result.trace.handler_runs("pin5")),
                dropped=len(result.trace.drops()),
                high_water=result.extra.get("queue_high_water"),
            )
        )
    return out
