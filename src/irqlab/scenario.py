"""Scenarios: the world wired to the board, and what happens in it, as plain data.

A scenario is declared in a few lines::

    Scenario(
        world=(Button(pin=5, bounce=Bounce()), Led(pin=2)),
        timeline=(Press(at=1.0, hold=0.2), Glitch(at=3.0, width_ms=1)),
        seconds=5, seed=7,
    )

`compile()` turns it into the exact edges each input pin sees (bounces drawn from the
seed, so the same seed always gives the same edges) and the ground truth a check needs:
when each press started, settled and ended.
"""

from __future__ import annotations

import base64
import itertools
import random
import struct
from dataclasses import dataclass, field
from typing import Any

from irqlab.errors import IrqlabError

_MIN_GAP_US = 10  # the closest two edges of one bounce burst can be


@dataclass(frozen=True)
class Bounce:
    """Contact bounce: a burst of extra transitions after the first edge of a press.

    Each burst draws its number of transitions and its spread from these ranges; the count
    is rounded to an even number so that the contacts settle where they were going.
    """

    transitions: tuple[int, int] = (2, 15)
    spread_ms: tuple[float, float] = (0.3, 8.0)
    on_press: bool = True
    on_release: bool = True


@dataclass(frozen=True)
class Button:
    """A push button from `pin` to ground with a pull-up: idle 1, 0 while pressed. Its edges
    are clean unless it has a `bounce` (a button module with its own filter has none)."""

    pin: int = 5
    bounce: Bounce | None = None
    idle: int = 1

    @property
    def active(self) -> int:
        return 1 - self.idle


@dataclass(frozen=True)
class Sensor:
    """A sensor's digital output: an IR proximity sensor, say (1 while an object is near).
    `noun` names what one active stretch is, in diagrams: an approach, a parcel, a person."""

    pin: int = 5
    idle: int = 0
    bounce: Bounce | None = None
    noun: str = "approach"

    @property
    def active(self) -> int:
        return 1 - self.idle


@dataclass(frozen=True)
class SquareWave:
    """A signal generator on `pin`: `hz` cycles a second from `start` to `stop` seconds.
    Several on one pin play one after another (a flow meter's pulses, then chatter)."""

    pin: int = 5
    hz: float = 1000.0
    start: float = 0.0
    stop: float | None = None
    duty: float = 0.5
    idle: int = 0


@dataclass(frozen=True)
class Led:
    """An LED on `pin`, lit at level `active`."""

    pin: int = 2
    active: int = 1


@dataclass(frozen=True)
class Jumper:
    """A wire from output `source` to input `target` (the lab kit: GPIO4 -> GPIO5)."""

    source: int = 4
    target: int = 5


@dataclass(frozen=True)
class Press:
    """The input on `pin` goes active at `at` seconds for `hold` seconds."""

    at: float
    hold: float
    pin: int = 5


@dataclass(frozen=True)
class Glitch:
    """A pulse to the active level, `width_ms` wide, that no person made."""

    at: float
    width_ms: float = 1.0
    pin: int = 5


Device = Button | Sensor | SquareWave | Led | Jumper
Stimulus = Press | Glitch  # what the timeline does to an input


@dataclass(frozen=True)
class Episode:
    """What really happened on an input: a press (or approach) or a glitch, in microseconds.

    start_us is the first edge, settled_us the last edge of the press burst, end_us the first
    edge of the release, released_us the last edge of the release burst.
    """

    kind: str
    pin: int
    start_us: int
    settled_us: int
    end_us: int
    released_us: int
    noun: str = ""  # what a diagram calls it, when not its kind: "approach" for a sensor


@dataclass(frozen=True)
class Compiled:
    """The exact edges each input sees. `pulses` are the edges of presses and glitches;
    `waves` are generated on the board; `edges` is all of them, in time order."""

    pulses: list[tuple[int, int, int]]
    idle: dict[int, int]
    links: list[tuple[int, int]]
    episodes: list[Episode]
    waves: list[Wave] = field(default_factory=list)

    @property
    def edges(self) -> list[tuple[int, int, int]]:
        if not self.waves:
            return self.pulses
        return sorted(self.pulses + [e for w in self.waves for e in w.edges()])

    def to_board(self) -> dict[str, Any]:
        # Packed, so that many edges cost the board bytes, not Python objects.
        times = struct.pack(f"<{len(self.pulses)}i", *(t for t, _, _ in self.pulses))
        codes = bytes(pin * 2 + level for _, pin, level in self.pulses)
        return {
            "edges": {
                "t_us": base64.b64encode(times).decode(),
                "code": base64.b64encode(codes).decode(),
            },
            "idle": {str(k): v for k, v in self.idle.items()},
            "links": [list(link) for link in self.links],
            "waves": [w.to_board() for w in self.waves],
        }


@dataclass(frozen=True)
class Scenario:
    world: tuple[Device, ...] = (Jumper(), Led())
    timeline: tuple[Stimulus, ...] = ()
    seconds: float = 10.0
    seed: int = 0
    ticks_ms_start: int = 0
    name: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_us(self) -> int:
        return round(self.seconds * 1_000_000)

    def inputs(self) -> dict[int, Button | Sensor | SquareWave]:
        return {d.pin: d for d in self.world if isinstance(d, (Button, Sensor, SquareWave))}

    def compile(self) -> Compiled:
        if self.seconds <= 0:
            raise IrqlabError(
                f"scenario length {self.seconds} s", "give a positive number of seconds"
            )
        inputs = self.inputs()
        edges: list[tuple[int, int, int]] = []
        episodes: list[Episode] = []
        # A pin may take several square waves, one after another (a signal, then chatter).
        waves = [_square_wave(d, self.duration_us) for d in self.world if isinstance(d, SquareWave)]
        _check_waves(waves)
        for index, event in enumerate(sorted(self.timeline, key=lambda e: (e.pin, e.at))):
            device = inputs.get(event.pin)
            if not isinstance(device, (Button, Sensor)):
                raise IrqlabError(
                    f"{type(event).__name__} at {event.at} s on GPIO{event.pin}, "
                    "which has no button or sensor",
                    f"add Button(pin={event.pin}) or Sensor(pin={event.pin}) to the world",
                )
            rng = random.Random(self.seed * 1_000_003 + index)
            episode, burst = _activation(event, device, rng)
            edges += burst
            episodes.append(episode)
        _check_order(episodes)
        edges.sort()
        idle = {pin: d.idle for pin, d in inputs.items()}
        links = [(d.source, d.target) for d in self.world if isinstance(d, Jumper)]
        episodes.sort(key=lambda e: e.start_us)
        return Compiled(edges, idle, links, episodes, waves)


def _activation(
    event: Stimulus, device: Button | Sensor, rng: random.Random
) -> tuple[Episode, list[tuple[int, int, int]]]:
    start = round(event.at * 1_000_000)
    width = (
        round(event.hold * 1_000_000) if isinstance(event, Press) else round(event.width_ms * 1000)
    )
    if width <= 0:
        raise IrqlabError(f"{event} lasts no time", "give it a positive hold or width")
    bounce = device.bounce if isinstance(event, Press) else None
    press = _burst(start, device.active, bounce if bounce and bounce.on_press else None, rng)
    release = _burst(
        start + width, device.idle, bounce if bounce and bounce.on_release else None, rng
    )
    if press[-1] >= start + width:
        raise IrqlabError(
            f"the press at {event.at} s is shorter than its bounce",
            "hold it longer than the bounce spread",
        )
    pin = event.pin
    edges = [(t, pin, lv) for t, lv in _levels(press, device.active)]
    edges += [(t, pin, lv) for t, lv in _levels(release, device.idle)]
    kind = "press" if isinstance(event, Press) else "glitch"
    noun = device.noun if isinstance(device, Sensor) and kind == "press" else ""
    return Episode(kind, pin, start, press[-1], start + width, release[-1], noun), edges


def _burst(t0: int, level: int, bounce: Bounce | None, rng: random.Random) -> list[int]:
    """Edge times of one transition: the first edge, then its bounces."""
    if bounce is None:
        return [t0]
    lo, hi = bounce.transitions
    n = rng.randint(lo, hi)
    if n % 2:
        n = n + 1 if n < hi or hi % 2 == 0 else n - 1
    spread_us = rng.uniform(*bounce.spread_ms) * 1000
    times = sorted(rng.uniform(0, spread_us) for _ in range(n))
    out = [t0]
    for t in times:
        out.append(max(t0 + round(t), out[-1] + _MIN_GAP_US))
    return out


def _levels(times: list[int], final: int) -> list[tuple[int, int]]:
    # Alternate so that the last edge lands on `final`.
    n = len(times)
    return [(t, final if (n - 1 - i) % 2 == 0 else 1 - final) for i, t in enumerate(times)]


@dataclass(frozen=True)
class Wave:
    """A square wave in the integer nanoseconds the board generates it in (so a storm of
    edges costs the board no memory, and the host knows each edge to the microsecond)."""

    pin: int
    start_ns: int
    period_ns: int
    high_ns: int
    stop_ns: int
    idle: int

    def edges(self) -> list[tuple[int, int, int]]:
        out = []
        t = self.start_ns
        while t < self.stop_ns:
            out.append((t // 1000, self.pin, 1 - self.idle))
            out.append(((t + self.high_ns) // 1000, self.pin, self.idle))
            t += self.period_ns
        return out

    @property
    def last_fall_ns(self) -> int:
        """When its last pulse ends (past `stop_ns` if that pulse began before it)."""
        rises = max(0, -(-(self.stop_ns - self.start_ns) // self.period_ns))
        return self.start_ns + (rises - 1) * self.period_ns + self.high_ns

    def to_board(self) -> list[int]:
        return [self.pin, self.start_ns, self.period_ns, self.high_ns, self.stop_ns, self.idle]


def _square_wave(d: SquareWave, duration_us: int) -> Wave:
    if d.hz <= 0 or not 0 < d.duty < 1:
        raise IrqlabError(f"square wave {d.hz} Hz, duty {d.duty}", "use hz > 0 and 0 < duty < 1")
    period = round(1e9 / d.hz)
    if period < 2_000:
        raise IrqlabError(f"square wave {d.hz} Hz", "keep it at 500 kHz or below")
    stop = duration_us * 1000 if d.stop is None else round(d.stop * 1e9)
    high = min(max(round(d.duty * period), 1_000), period - 1_000)
    return Wave(d.pin, round(d.start * 1e9), period, high, stop, d.idle)


def _check_waves(waves: list[Wave]) -> None:
    by_pin: dict[int, list[Wave]] = {}
    for w in waves:
        by_pin.setdefault(w.pin, []).append(w)
    for pin, ws in by_pin.items():
        ws.sort(key=lambda w: w.start_ns)
        for a, b in itertools.pairwise(ws):
            if b.start_ns <= a.last_fall_ns or b.idle != a.idle:
                raise IrqlabError(
                    f"two square waves overlap on GPIO{pin} at {b.start_ns / 1e9:.3f} s",
                    "start each after the last pulse of the one before has ended, at the same idle",
                )


def _check_order(episodes: list[Episode]) -> None:
    by_pin: dict[int, list[Episode]] = {}
    for e in episodes:
        by_pin.setdefault(e.pin, []).append(e)
    for pin, eps in by_pin.items():
        eps.sort(key=lambda e: e.start_us)
        for a, b in itertools.pairwise(eps):
            if b.start_us <= a.released_us:
                raise IrqlabError(
                    f"two events overlap on GPIO{pin} at {b.start_us / 1e6:.3f} s",
                    "start each press after the previous one has been released",
                )
