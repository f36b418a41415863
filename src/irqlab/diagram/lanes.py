"""What a timing diagram shows, as data: lanes over a window of a trace, and marked moments.

Lanes: each input pin's level (from edge events), handler activity (enter/leave), the
stretches with IRQs off (only in a window that has one), printed lines (ticks with their
text) and each output pin's level (from writes, e.g. the LED).
Both renderers (svg.py, text.py) draw this same model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from irqlab.scenario import Episode
from irqlab.trace import Trace

LED_PIN = 2
INPUT_PIN = 5


@dataclass(frozen=True)
class Levels:
    """A digital signal: its level at the window's start, then each change (None: unknown)."""

    label: str
    initial: int | None
    changes: tuple[tuple[int, int], ...]

    def level_at(self, t_us: int) -> int | None:
        level = self.initial
        for t, lv in self.changes:
            if t > t_us:
                break
            level = lv
        return level


@dataclass(frozen=True)
class Spans:
    """Stretches of activity (a handler running), each with a short name."""

    label: str
    spans: tuple[tuple[int, int, str], ...]  # start, end (clipped to the window), name


@dataclass(frozen=True)
class Ticks:
    """Instants with a text (a printed line)."""

    label: str
    ticks: tuple[tuple[int, str], ...]


Lane = Levels | Spans | Ticks


@dataclass(frozen=True)
class Diagram:
    start_us: int
    end_us: int
    lanes: tuple[Lane, ...]
    marks: tuple[tuple[int, str], ...] = ()
    title: str = ""
    episodes: tuple[Episode, ...] = field(default=())
    reference_lanes: int = 0  # the last lanes show another program's run (the solution's)

    @property
    def span_us(self) -> int:
        return max(1, self.end_us - self.start_us)


def build(
    trace: Trace,
    *,
    start_us: int,
    end_us: int,
    pins: Sequence[int] = (INPUT_PIN,),
    outputs: Sequence[int] = (LED_PIN,),
    idle: Mapping[int, int] | None = None,
    marks: Iterable[tuple[int, str]] = (),
    episodes: Iterable[Episode] = (),
    title: str = "",
    reference: Trace | None = None,
    reference_name: str = "solution",
) -> Diagram:
    """The diagram of `trace` between `start_us` and `end_us`; with `reference`, the run of
    another program on the same scenario (the lab's solution), its handler, print and
    output lanes below, each label starting with `reference_name`. The inputs are the
    scenario's, the same for both: drawn once."""
    if end_us <= start_us:
        end_us = start_us + 1
    idle = idle or {}
    lanes: list[Lane] = [
        _levels(f"GPIO{p} in", trace.edges(p), start_us, end_us, idle.get(p)) for p in pins
    ]
    lanes += _program_lanes(trace, outputs, start_us, end_us)
    theirs = _reference_lanes(reference, outputs, start_us, end_us) if reference else []
    lanes += [replace(lane, label=f"{reference_name}: {lane.label}") for lane in theirs]
    inside = tuple(e for e in episodes if e.start_us < end_us and e.released_us >= start_us)
    kept = tuple((t, text) for t, text in marks if start_us <= t <= end_us)
    return Diagram(start_us, end_us, tuple(lanes), kept, title, inside, len(theirs))


def _program_lanes(trace: Trace, outputs: Sequence[int], start: int, end: int) -> list[Lane]:
    """What a program did: its handlers, its printed lines and its outputs."""
    lanes: list[Lane] = [_handlers(trace, start, end)]
    masked = _masked(trace, start, end)
    if masked.spans:  # only where a window holds one: most programs never mask
        lanes.append(masked)
    lanes.append(_prints(trace, start, end))
    return lanes + [_levels(_output_label(p), trace.writes(p), start, end, None) for p in outputs]


def _reference_lanes(trace: Trace, outputs: Sequence[int], start: int, end: int) -> list[Lane]:
    """The other program's lanes, but those it never uses (no handler, an output it never
    drives): a lane that stays empty there would say nothing."""
    lanes = _program_lanes(trace, [p for p in outputs if trace.writes(p)], start, end)
    return lanes if trace.handler_runs() else lanes[1:]


def _output_label(pin: int) -> str:
    return f"LED GPIO{pin}" if pin == LED_PIN else f"GPIO{pin} out"


def _levels(
    label: str, events: list[tuple[int, int]], start: int, end: int, idle: int | None
) -> Levels:
    before = [lv for t, lv in events if t <= start]
    if before:
        initial: int | None = before[-1]
    elif idle is not None:
        initial = idle
    else:
        # An input's level before its first edge is the opposite of that edge; an output
        # nobody wrote yet is unknown.
        initial = (1 - events[0][1]) if events and label.endswith(" in") else None
    changes = tuple((t, lv) for t, lv in events if start < t <= end)
    return Levels(label, initial, changes)


def _handlers(trace: Trace, start: int, end: int) -> Spans:
    spans = []
    for r in trace.handler_runs():
        stop = end if r.end_us is None else r.end_us
        if r.start_us <= end and stop >= start:
            spans.append((max(r.start_us, start), min(stop, end), r.source))
    return Spans("handler", tuple(spans))


def _masked(trace: Trace, start: int, end: int) -> Spans:
    spans = [(max(a, start), min(b, end), "off") for a, b in trace.masked_spans()]
    return Spans("IRQs off", tuple((a, b, n) for a, b, n in spans if a <= b))


def _prints(trace: Trace, start: int, end: int) -> Ticks:
    ticks = tuple((ln.t_us, ln.text) for ln in trace.lines() if start <= ln.t_us <= end)
    return Ticks("print", ticks)
