"""The race explorer: where an interrupt can break a program, found by trying every place.

On the ESP32 a soft handler runs only at a pending check (a jump, or a wait), so the places
an edge can make a difference are few and countable. `explore` runs the program once with no
edge (the baseline), then again with one edge placed at each board time that can make a
difference, and asks an oracle after each run whether the program failed.

Where the places are: the board delivers an edge at the first moment, at or after it, when
its clock looks (a pending check, a call into `machine`/`time`, a wait), and runs the handler
at the next pending check. All the edge times between two such moments give the same run but
for the edge's own time: one place. The board does not list those moments, so the explorer
finds them from runs, on a grid fine enough that an edge can fall between any two checks (a
quarter of a microsecond on the ESP32): two edge times whose runs are the same in every event,
time and line (the edge's own aside) are one place with every time between them; different
runs are split until they are one step apart. The handler's start, known to the microsecond,
tells where a place ends, which is where the explorer looks next; in a loop, the time from one
place's end to the next repeats to the nanosecond, which narrows that to a step or two. Each
place costs about two or three runs. While the program waits in a sleep it is at one line, in
one state: the edges that come then are one place for each line the handler runs after and
outcome (the ISR's own cost may shift later times, nothing else).

Board time is deterministic, and so is the exploration: the same program, scenario and limit
give the same placements, runs and races. Only `time_limit_s`, if it is reached, depends on
the machine.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irqlab.errors import IrqlabError
from irqlab.outcome import problem
from irqlab.profiles import profile
from irqlab.program import Program, load_program
from irqlab.racestory import Sources, handler_name
from irqlab.racestory import story as tell
from irqlab.runner import Run, run
from irqlab.scenario import Button, Glitch, Scenario, Sensor, SquareWave
from irqlab.trace import Event

Oracle = Callable[[Run], "str | None"]

EDGE_WIDTH_MS = 1.0  # the placed pulse: one edge, then back after a millisecond
DEFAULT_SECONDS = 1.0  # board time a program gets, when no scenario is given
DEFAULT_TIME_LIMIT_S = 120.0
BATCH_PER_WORKER = 4  # runs in flight per worker thread, each round
GRID_PLACES = 4  # places between two grid points, about


def raised(result: Run) -> str | None:
    """The default oracle: what went wrong in `result`, if the program raised (in its main
    code or in a handler), exited with an error or got stuck; None if it ran cleanly."""
    said = problem(result)
    if said is not None:
        return said
    for exc in result.trace.exceptions():
        if exc["where"] != "main":
            message = f": {exc['message']}" if exc["message"] else ""
            where = f" at {exc['file']} line {exc['line']}" if exc.get("line") else ""
            return f"the handler raised {exc['type']}{message}{where}"
    return None


@dataclass(frozen=True)
class Placement:
    """One edge the explorer placed, and what came of it."""

    at_ns: int  # board time of the edge
    file: str | None  # where the program was when the handler ran (None: it never ran)
    line: int | None
    handler_us: int | None  # when the handler started
    failure: str | None  # the oracle's sentence; None: the program was fine

    @property
    def at_us(self) -> int:
        return self.at_ns // 1000


@dataclass(frozen=True)
class Race:
    """A line after which a handler run makes the program fail, with its first placement."""

    file: str | None
    line: int | None
    at_ns: int  # the earliest edge that fails there
    failure: str
    story: str  # the whole sentence, in the program's own lines
    placements: int  # how many placements fail at this line
    run: Run  # the run of the earliest one

    @property
    def at_us(self) -> int:
        return self.at_ns // 1000


@dataclass
class Exploration:
    """What the explorer tried and found. `baseline` is None when the program ran cleanly
    with no edge; otherwise the sentence on what went wrong, and nothing was explored."""

    program: Program
    board: str
    pin: int
    trigger: int
    baseline: str | None
    baseline_run: Run
    step_ns: int = 1000  # the edge times tried are multiples of this
    start_ns: int = 0  # explored: from the IRQ's set-up
    end_ns: int = 0  # to the end of the program (or of the scenario)
    tried: int = 0  # runs, one edge each
    collapsed: int = 0  # edge times not run: the same place as one that was
    places: int = 0  # distinct places found
    skipped_ns: int = 0  # board time past the limit, not explored
    placements: list[Placement] = field(default_factory=list)
    races: list[Race] = field(default_factory=list)
    wall_s: float = 0.0

    def lines(self) -> dict[tuple[str, int], bool]:
        """(file, line) after which a handler ran in some placement -> True if one failed."""
        out: dict[tuple[str, int], bool] = {}
        for p in self.placements:
            if p.file is not None and p.line is not None:
                key = (p.file, p.line)
                out[key] = out.get(key, False) or p.failure is not None
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline or "ok",
            "placements": self.tried,
            "collapsed": self.collapsed,
            "places": self.places,
            "skipped_us": self.skipped_ns // 1000,
            "races": [{"line": r.line, "at_us": r.at_us, "message": r.story} for r in self.races],
        }


def explore(
    program: Program | str | Path,
    scenario: Scenario | None = None,
    oracle: Oracle = raised,
    *,
    board: str = "esp32",
    pin: int | None = None,
    max_placements: int | None = None,
    time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
    workers: int | None = None,
) -> Exploration:
    """Place one edge at every place in `program`'s run where it can make a difference, and
    report each placement after which `oracle` (a Run -> failure sentence or None) fails.

    scenario: the world (default: the lab kit, DEFAULT_SECONDS long). The edge goes on `pin`
        (default: the pin the program sets its IRQ on, GPIO5 first), as a pulse the way the
        IRQ triggers; through the button or sensor on that pin if the scenario has one.
    max_placements, time_limit_s: the explorer tries the first places until either is
        reached, and says how much board time it skipped.
    The oracle runs in worker threads: it must only read the Run it is given.
    """
    started = time.monotonic()
    prog = program if isinstance(program, Program) else load_program(program)
    scenario = scenario or Scenario(seconds=DEFAULT_SECONDS)
    first = run(prog, scenario, board)
    irq = _irq_set(first, pin)
    if irq is None:
        return _failed_or_no_irq(prog, board, first, oracle(first))
    stimulus = _Stimulus(scenario, irq["pin"], 0 if irq["trigger"] & 1 else 1)
    base_world = stimulus.baseline()
    baseline = first if base_world == scenario else run(prog, base_world, board)
    found = Exploration(prog, board, irq["pin"], irq["trigger"], oracle(baseline), baseline)
    if found.baseline is None:
        limit = _Limit(max_placements, time_limit_s, started)
        explorer = _Explorer(found, stimulus, oracle, limit, workers or os.cpu_count() or 1)
        found.races = _races(explorer.explore(irq), Sources(prog.folder), baseline)
    found.wall_s = time.monotonic() - started
    return found


def _irq_set(result: Run, pin: int | None) -> Event | None:
    """The first IRQ the program sets with a handler: on `pin` if given, else GPIO5 first."""
    sets = [e for e in result.trace.of("irq") if e.get("handler")]
    if pin is not None:
        sets = [e for e in sets if e["pin"] == pin]
    return next((e for e in sets if e["pin"] == 5), sets[0] if sets else None)


def _failed_or_no_irq(prog: Program, board: str, first: Run, failure: str | None) -> Exploration:
    if failure is None:
        raise IrqlabError(
            f"{prog.main} sets no IRQ, so there is nothing for an edge to interrupt",
            "set one, e.g. Pin(5, Pin.IN).irq(handler, Pin.IRQ_RISING), and explore again",
        )
    return Exploration(prog, board, 5, 0, failure, first)


@dataclass(frozen=True)
class _Stimulus:
    """The placed edge: a pulse on `pin` away from `idle` (a rising edge for IRQ_RISING), back
    EDGE_WIDTH_MS later. With no input on the pin in the scenario, a one-cycle square wave,
    whose edge falls on any nanosecond; else a glitch of the scenario's own button or sensor,
    on whole microseconds."""

    scenario: Scenario
    pin: int
    idle: int

    @property
    def own_input(self) -> bool:
        return isinstance(self.scenario.inputs().get(self.pin), (Button, Sensor))

    def baseline(self) -> Scenario:
        if self.own_input:
            return self.scenario
        return self._with(Sensor(pin=self.pin, idle=self.idle))

    @property
    def lead_ns(self) -> int:
        """How long before the edge the pulse starts: a glitch goes to its device's active
        level and back, and when the IRQ wants the way back, that is a width later."""
        device = self.scenario.inputs().get(self.pin)
        if isinstance(device, (Button, Sensor)) and device.idle != self.idle:
            return round(EDGE_WIDTH_MS * 1e6)
        return 0

    def at(self, t_ns: int) -> Scenario:
        width_ns = round(EDGE_WIDTH_MS * 1e6)
        if self.own_input:
            start = (t_ns - self.lead_ns) / 1e9
            glitch = Glitch(at=start, width_ms=EDGE_WIDTH_MS, pin=self.pin)
            return dataclasses.replace(self.scenario, timeline=(*self.scenario.timeline, glitch))
        wave = SquareWave(
            pin=self.pin,
            hz=1e9 / (2 * width_ns),
            start=t_ns / 1e9,
            stop=(t_ns + width_ns) / 1e9,  # one cycle: one rise, one fall
            duty=0.5,
            idle=self.idle,
        )
        return self._with(wave)

    def _with(self, device: Sensor | SquareWave) -> Scenario:
        return dataclasses.replace(self.scenario, world=(*self.scenario.world, device))

    def step_ns(self, board: str) -> int:
        """The grid the edges go on: fine enough that an edge can fall between any two moments
        the board looks at its inputs (two pending checks are at least one check's cost apart,
        at the fastest clock the board can run)."""
        if self.own_input:
            return 1000
        p = profile(board)
        return max(1, p.costs.check * p.ref_hz // max(p.freqs))


@dataclass
class _Limit:
    placements: int | None
    seconds: float | None
    started: float
    used: int = 0

    def take(self, wanted: int) -> int:
        """How many of `wanted` more runs the limits allow."""
        if self.seconds is not None and time.monotonic() - self.started >= self.seconds:
            return 0
        left = wanted if self.placements is None else max(0, self.placements - self.used)
        allowed = min(wanted, left)
        self.used += allowed
        return allowed


@dataclass(frozen=True)
class _Probe:
    """One run with an edge at slot `k`; `key` is the whole run but for the edge's own time."""

    k: int
    at_ns: int
    key: str
    enter_us: int | None
    file: str | None
    line: int | None
    failure: str | None
    run: Run | None  # kept for failures: their stories and diagrams

    @property
    def outcome(self) -> tuple[str | None, int | None, bool]:
        """Where the handler ran and whether the program failed: inside a sleep, the place."""
        return (self.file, self.line, self.failure is None)


def _key(result: Run, pin: int) -> str:
    # The placed edge's own times are the only difference between two runs of one place.
    events = [e for e in result.trace if not (e["kind"] == "edge" and e["pin"] == pin)]
    text = json.dumps([result.stopped, result.exit, events], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class _Segment:
    start: int  # slots
    end: int
    sleeping: bool  # the program waits in a sleep all along: one line, one state


class _Explorer:
    """The search, on a grid of slots `step_ns` apart: the baseline's segments in time order,
    each split into places."""

    def __init__(
        self, found: Exploration, stimulus: _Stimulus, oracle: Oracle, limit: _Limit, workers: int
    ) -> None:
        self.found = found
        self.stimulus = stimulus
        self.oracle = oracle
        self.limit = limit
        self.workers = workers
        self.q = stimulus.step_ns(found.board)
        self.probes: dict[int, _Probe] = {}
        # a in settled: the slots from probe a to the next probe are all one place
        self.settled: set[int] = set()
        self.offset: tuple[int, int] | None = None  # ns: bounds on a check to its handler
        self.before: dict[int, int] = {}  # see _learn_durations
        # (line before, first line, line after) of a place -> bounds on its duration (ns)
        self.durations: dict[tuple[int | None, ...], tuple[int, int] | None] = {}
        self.step = max(1, 1000 // self.q)  # grid spacing in slots, learnt (_learn_step)
        base = found.baseline_run
        self.irq_changes = [e["t_us"] * 1000 for e in base.trace.of("irq")]
        board = profile(found.board)
        self.call = board.costs.call * board.ref_hz // board.freq  # one at the usual clock
        # The main program's sleeps, from the call (the event's time is floored) to the end.
        self.sleeps = [
            ((e["t_us"] + 1) * 1000, (e["t_us"] + e["us"]) * 1000 + self.call)
            for e in base.trace.of("sleep", where="main")
        ]
        self.sleep_starts = [t0 for t0, _ in self.sleeps]
        self.timeout_s = max(3.0, 20 * base.wall_s)

    def explore(self, irq: Event) -> list[_Probe]:
        """Explore from the IRQ's set-up to the end; return the failing probes."""
        base = self.found.baseline_run
        end_ns = min(base.trace.end_us, base.scenario.duration_us - 1) * 1000
        start, end = -(-irq["t_us"] * 1000 // self.q), end_ns // self.q
        self.found.step_ns = self.q
        self.found.start_ns, self.found.end_ns = irq["t_us"] * 1000, end_ns
        frontier = end
        with ThreadPoolExecutor(self.workers) as self.pool:
            for seg in self._segments(start, end):
                reached = self._segment(seg)
                if reached < seg.end:
                    frontier = reached
                    break
        return self._tally(frontier)

    def _segments(self, start: int, end: int) -> list[_Segment]:
        """[start, end] cut at the main program's sleeps (the middle of each is one place) and
        without the edge times the scenario's own pulses on the pin use."""
        quiet = profile(self.found.board).sleep_quiet_ns
        cuts: list[_Segment] = []
        at = start
        for t0, t1 in self.sleeps:
            # Its middle: from the call on (an edge then is handled in the sleep), to before
            # the last part of the wait, which runs no callbacks. The edges around it are
            # explored one by one (and collapse into it: _same_place).
            a, b = -(-t0 // self.q), (t1 - self.call - quiet) // self.q
            if b - a >= 2 and at < a and b < end:
                cuts += [_Segment(at, a - 1, False), _Segment(a, b, True)]
                at = b + 1
        cuts.append(_Segment(at, end, False))
        for lo, hi in self._used():
            cuts = [piece for seg in cuts for piece in _cut(seg, lo, hi)]
        return cuts

    def _used(self) -> list[tuple[int, int]]:
        """Slots no pulse can go: the scenario's own presses on the pin use them (two pulses
        can't overlap), or the pulse would start before the scenario does."""
        width, lead = round(EDGE_WIDTH_MS * 1e6), self.stimulus.lead_ns
        eps = [e for e in self.stimulus.scenario.compile().episodes if e.pin == self.found.pin]
        used = [
            (
                (e.start_us * 1000 - width + lead) // self.q - 1,
                (e.released_us * 1000 + lead) // self.q + 1,
            )
            for e in eps
        ]
        return [(-1, lead // self.q), *used]

    def _run(self, slots: Iterable[int]) -> bool:
        """Probe the new slots among `slots`, earliest first; False if the limit stopped it."""
        new = sorted({k for k in slots if k not in self.probes})
        allowed = self.limit.take(len(new))
        for probe in self.pool.map(self._probe, new[:allowed]):
            self.probes[probe.k] = probe
        self._learn_offset()
        self._learn_durations()
        return allowed == len(new)

    def _learn_offset(self) -> None:
        """Bounds on the delay from a pending check to the start of the handler it runs (the
        same for every edge; its start is only known to the microsecond): each edge comes no
        later than its check, and a place pinned between two adjacent slots ends between them."""
        handled = [p for p in self.probes.values() if p.enter_us is not None]
        if not handled:
            return
        hi = min(_ns(p.enter_us) + 999 - p.at_ns for p in handled)
        slots = sorted(self.probes)
        pins = [
            _ns(self.probes[x].enter_us) - y * self.q + 1
            for x, y in itertools.pairwise(slots)
            if y == x + 1 and self.probes[x].key != self.probes[y].key
        ]
        lo = min(hi, max(pins, default=hi - 1999))
        self.offset = (lo, hi)

    def _learn_durations(self) -> None:
        """How long after the end of the place before it each kind of place ends (the same
        in every pass of a loop, to the nanosecond), from places pinned at both ends; and
        for each probe, the pinned last slot of the place before its own, if known."""
        self.before = {}
        prev: _Probe | None = None
        start: int | None = None  # the pinned last slot of the place before this one
        for k in sorted(self.probes):
            p = self.probes[k]
            if prev is not None and prev.key != p.key:
                if prev.k == k - 1 and prev.k in self.before:
                    self._learn_duration(self.before[prev.k], prev.k)
                start = prev.k if prev.k == k - 1 else None
            if start is not None:
                self.before[k] = start
            prev = p

    def _learn_duration(self, x1: int, x2: int) -> None:
        """The place ending at slot x2 followed the one ending at x1: its check came between
        (x2 - x1 - 1) and (x2 - x1 + 1) slots after the other's."""
        kind = (self.probes[x1].line, self.probes[x1 + 1].line, self.probes[x2].line)
        lo, hi = (x2 - x1 - 1) * self.q, (x2 - x1 + 1) * self.q
        if kind in self.durations:
            known = self.durations[kind]
            lo, hi = (max(lo, known[0]), min(hi, known[1])) if known else (1, 0)
        self.durations[kind] = (lo, hi) if lo < hi else None  # None: passes differ

    def _probe(self, k: int) -> _Probe:
        at_ns = k * self.q
        scenario = self.stimulus.at(at_ns)
        result = run(self.found.program, scenario, self.found.board, timeout_s=self.timeout_s)
        if result.stopped == "crash":  # MicroPython itself died: once more, to be sure it was
            result = run(self.found.program, scenario, self.found.board, timeout_s=self.timeout_s)
        failure = self.oracle(result)
        enters = result.trace.of("enter", source=f"pin{self.found.pin}")
        enter = next((e for e in enters if e["t_us"] * 1000 >= at_ns - 999), None)
        return _Probe(
            k,
            at_ns,
            _key(result, self.found.pin),
            None if enter is None else enter["t_us"],
            None if enter is None else enter.get("file"),
            None if enter is None else enter.get("line"),
            failure,
            result if failure is not None else None,
        )

    def _segment(self, seg: _Segment) -> int:
        """Split one segment into places, a round of runs at a time, earliest first; each
        round full: the gaps still open, then new grid points about one place apart.
        Returns how far it got."""
        batch = BATCH_PER_WORKER * self.workers
        if not self._run([seg.start, seg.end] if seg.sleeping else [seg.start]):
            return seg.start
        grid = seg.end if seg.sleeping else seg.start  # the last grid point so far
        while True:
            asks = self._asks(seg, batch)
            while len(asks) < batch and grid < seg.end:
                grid = min(seg.end, grid + self.step)
                asks.append(grid)
            if not asks:
                return seg.end
            if not self._run(asks):
                return self._frontier(seg.start, seg.end)
            self._learn_step(max(seg.start, grid - 2 * batch * self.step), grid)

    def _asks(self, seg: _Segment, batch: int) -> list[int]:
        """Settle the gaps that are one place; the next slot to try in each other, earliest
        first, up to `batch`."""
        asks: list[int] = []
        for a, b in self._gaps(seg.start, seg.end):
            if self._same_place(a, b, seg.sleeping):
                self.settled.add(a.k)
            elif len(asks) < batch:
                asks.append(self._next(a, b, seg.sleeping))
        return asks

    def _gaps(self, lo: int, hi: int) -> Iterator[tuple[_Probe, _Probe]]:
        """Consecutive probes in [lo, hi] with slots between them still unknown."""
        slots = sorted(k for k in self.probes if lo <= k <= hi)
        for a, b in itertools.pairwise(slots):
            if b - a > 1 and a not in self.settled:
                yield self.probes[a], self.probes[b]

    def _same_place(self, a: _Probe, b: _Probe, sleeping: bool) -> bool:
        if sleeping or self._same_sleep(a, b):
            return a.outcome == b.outcome  # waiting at one line, in one state: one place
        if a.key != b.key:
            return False
        # The same handler start: every edge between was handled at that same check. With
        # no handler, only if the program did not set or clear an IRQ in between.
        return a.enter_us is not None or not any(a.at_ns < t <= b.at_ns for t in self.irq_changes)

    def _same_sleep(self, a: _Probe, b: _Probe) -> bool:
        """Both edges came while the program waited in one sleep: one line, one state (their
        handlers ran in it, or at the check after it; only the ISR's time may differ)."""
        return self._sleep_of(a) is not None and self._sleep_of(a) == self._sleep_of(b)

    def _sleep_of(self, p: _Probe) -> int | None:
        i = bisect.bisect_right(self.sleep_starts, p.at_ns) - 1
        return i if i >= 0 and p.at_ns <= self.sleeps[i][1] else None

    def _next(self, a: _Probe, b: _Probe, sleeping: bool) -> int:
        """The next slot to try between a and b: around where a's place ends, if that can be
        told (_end_window); else halfway."""
        half = (a.k + b.k) // 2
        window = None if sleeping else self._end_window(a)
        if window is None:
            return half
        lo, hi = max(a.k, window[0]), min(b.k - 1, window[1])
        if lo > hi:
            return half
        if lo == hi:  # a's place ends at lo: the slot after it starts the next one
            return lo + 1 if lo + 1 < b.k else max(lo, a.k + 1)
        return (lo + hi + 1) // 2

    def _end_window(self, a: _Probe) -> tuple[int, int] | None:
        """Bounds on the last slot of a's place: its check ran the handler, which started at
        a known microsecond; and, when the place before it is pinned, its check came a known
        time after that one's."""
        if a.enter_us is None or self.offset is None or self._sleep_of(a) is not None:
            return None
        lo, hi = self.offset
        first, last = (a.enter_us * 1000 - hi) // self.q, (a.enter_us * 1000 - lo + 999) // self.q
        x1 = self.before.get(a.k)
        known = None
        if x1 is not None:
            known = self.durations.get((self.probes[x1].line, self.probes[x1 + 1].line, a.line))
        if x1 is not None and known:
            first = max(first, (x1 * self.q + known[0]) // self.q)
            last = min(last, ((x1 + 1) * self.q + known[1] - 1) // self.q)
        return first, last

    def _learn_step(self, lo: int, hi: int) -> None:
        places = self._places([self.probes[k] for k in sorted(self.probes) if lo <= k <= hi])
        # Grid points a few places apart: the places between are found from their ends.
        self.step = max(1, min(4 * self.step, round(GRID_PLACES * (hi - lo) / max(1, places))))

    def _places(self, probes: list[_Probe]) -> int:
        """How many places `probes` (in time order, with no gaps left open) fall in."""
        if not probes:
            return 0
        return 1 + sum(
            1 for a, b in itertools.pairwise(probes) if not self._same_place(a, b, False)
        )

    def _frontier(self, lo: int, hi: int) -> int:
        """The first slot in [lo, hi] not yet known to belong to a place."""
        slots = sorted(k for k in self.probes if lo <= k <= hi)
        if not slots:
            return lo
        for a, b in itertools.pairwise(slots):
            if b - a > 1 and a not in self.settled:
                return a + 1
        return min(hi, slots[-1] + 1)

    def _tally(self, frontier: int) -> list[_Probe]:
        """Fill in the counts; return the failing probes, in time order."""
        found = self.found
        slots = sorted(self.probes)
        found.tried = len(slots)
        found.skipped_ns = max(0, found.end_ns - frontier * self.q)
        found.collapsed = sum(
            b - a - 1
            for a, b in itertools.pairwise(slots)
            if a in self.settled and b <= frontier + 1
        )
        probes = [self.probes[k] for k in slots]
        found.places = self._places([p for p in probes if p.k <= frontier])
        found.placements = [
            Placement(p.at_ns, p.file, p.line, p.enter_us, p.failure) for p in probes
        ]
        return [p for p in probes if p.failure is not None]


def _ns(t_us: int | None) -> int:
    return 0 if t_us is None else t_us * 1000


def _cut(seg: _Segment, lo: int, hi: int) -> list[_Segment]:
    """`seg` without the slots [lo, hi]."""
    if hi < seg.start or lo > seg.end:
        return [seg]
    pieces = [_Segment(seg.start, lo - 1, seg.sleeping), _Segment(hi + 1, seg.end, seg.sleeping)]
    return [p for p in pieces if p.end >= p.start]


def _races(failing: list[_Probe], sources: Sources, baseline: Run) -> list[Race]:
    """One race per line after which the handler ran and the program failed: its earliest
    placement tells the story."""
    groups: dict[tuple[str | None, int | None], list[_Probe]] = {}
    for p in failing:
        groups.setdefault((p.file, p.line), []).append(p)
    handler = handler_name(baseline.trace)
    races = []
    for (file, line), probes in groups.items():
        first = probes[0]
        assert first.run is not None and first.failure is not None
        story = tell(first.at_ns, first.file, first.line, first.failure, sources, handler)
        races.append(Race(file, line, first.at_ns, first.failure, story, len(probes), first.run))
    return sorted(races, key=lambda r: r.at_ns)
