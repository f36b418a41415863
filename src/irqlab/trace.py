"""The trace: what happened on the board, as timestamped events, and the questions checks ask.

Every event is a dict with `t_us` (microseconds since the scenario started) and `kind`:

| kind   | fields                                  | meaning                                   |
|--------|-----------------------------------------|-------------------------------------------|
| edge   | pin, level                              | the level at an input changed             |
| write  | pin, level                              | the program changed an output's level  |
| irq    | pin, trigger, handler                   | an IRQ set (handler None: cleared)         |
| timer  | id, mode, handler                       | a Timer was started (mode None: stopped)  |
| enter  | source                                  | a handler started (source: pin5, timer0)  |
| leave  | source                                  | that handler returned                     |
| print  | text                                    | the program printed                       |
| out    | text                                    | other output (a traceback the port prints)|
| sleep  | us, where                               | a sleep began (where: main or handler)    |
| mask   |                                         | machine.disable_irq()                     |
| unmask |                                         | machine.enable_irq()                      |
| drop   | source                                  | an IRQ was lost: the scheduler queue was full |
| exc    | type, message, file, line, where        | an exception (where: main, handler, callback) |
| tamper | what                                    | the program reached into the simulator    |
| forbidden | what                                 | graded, it uses what may reach the board  |
| end    | reason, exit                            | the run ended (scenario, exit, output, ...) |
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

FIELDS: dict[str, tuple[str, ...]] = {
    "edge": ("pin", "level"),
    "write": ("pin", "level"),
    "irq": ("pin", "trigger", "handler"),
    "timer": ("id", "mode", "handler"),
    "enter": ("source",),
    "leave": ("source",),
    "print": ("text",),
    "out": ("text",),
    "sleep": ("us", "where"),
    "mask": (),
    "unmask": (),
    "drop": ("source",),
    "exc": ("type", "message", "file", "line", "where"),
    "tamper": ("what",),
    "forbidden": ("what",),
    "end": ("reason", "exit"),
}

Event = dict[str, Any]


LINE_BASE = 1_000_000  # the board says where as file id * LINE_BASE + line (irqlab.instrument)


def event_from_wire(record: list[Any], files: Sequence[str] = ()) -> Event:
    """[t_us, kind, *fields] as the board sends it -> a named event. On the simulator a
    record of what the program did ends with where it was: the event gets `file` and `line`
    (`files` names the program's files by id)."""
    t_us, kind, *values = record
    names = FIELDS.get(kind)
    if names is None or len(values) not in (len(names), len(names) + 1):
        raise ValueError(f"malformed trace record {record!r}")
    event = {"t_us": int(t_us), "kind": kind, **dict(zip(names, values, strict=False))}
    if len(values) > len(names) and event.get("line") is None:
        # (an exception's own traceback names its line; one raised in the board's code
        # with the heap locked has none, and where the program was says it)
        file_id, line = divmod(int(values[-1]), LINE_BASE)
        if line and file_id < len(files):
            event["file"], event["line"] = files[file_id], line
    return event


@dataclass(frozen=True)
class PrintedLine:
    """One line the program printed, with when it was printed."""

    t_us: int
    text: str


@dataclass(frozen=True)
class HandlerRun:
    source: str
    start_us: int
    end_us: int | None  # None: it never returned

    @property
    def duration_us(self) -> int | None:
        return None if self.end_us is None else self.end_us - self.start_us


class Trace(Sequence[Event]):
    """The events of one run, in order, with queries over them."""

    def __init__(self, events: Iterable[Event]) -> None:
        self.events: list[Event] = list(events)

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, i: Any) -> Any:
        return self.events[i]

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def of(self, *kinds: str, **match: Any) -> list[Event]:
        return [
            e
            for e in self.events
            if e["kind"] in kinds and all(e.get(k) == v for k, v in match.items())
        ]

    @property
    def end(self) -> Event | None:
        ends = self.of("end")
        return ends[-1] if ends else None

    @property
    def end_us(self) -> int:
        return self.events[-1]["t_us"] if self.events else 0

    def edges(self, pin: int) -> list[tuple[int, int]]:
        return [(e["t_us"], e["level"]) for e in self.of("edge", pin=pin)]

    def writes(self, pin: int) -> list[tuple[int, int]]:
        return [(e["t_us"], e["level"]) for e in self.of("write", pin=pin)]

    def toggles(self, pin: int, initial: int | None = None) -> list[int]:
        """Times at which the program changed the level it drives on `pin`, which starts at
        `initial` (None: the first write sets the level without counting as a change)."""
        out, level = [], initial
        for t, lv in self.writes(pin):
            if level is not None and lv != level:
                out.append(t)
            level = lv
        return out

    def handler_runs(self, source: str | None = None) -> list[HandlerRun]:
        runs: list[HandlerRun] = []
        open_runs: dict[str, int] = {}
        for e in self.of("enter", "leave"):
            if source is not None and e["source"] != source:
                continue
            if e["kind"] == "enter":
                open_runs[e["source"]] = e["t_us"]
            elif e["source"] in open_runs:
                runs.append(HandlerRun(e["source"], open_runs.pop(e["source"]), e["t_us"]))
        runs += [HandlerRun(s, t, None) for s, t in open_runs.items()]
        return sorted(runs, key=lambda r: r.start_us)

    def lines(self, pattern: str | re.Pattern[str] | None = None) -> list[PrintedLine]:
        """Printed lines (fullmatch of `pattern` if given), each at the time its end was printed."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        out, pending = [], ""
        for e in self.of("print"):
            pending += e["text"]
            *done, pending = pending.split("\n")
            out += [PrintedLine(e["t_us"], text.rstrip("\r")) for text in done]
        if pending:
            out.append(PrintedLine(self.end_us, pending))
        return [ln for ln in out if rx is None or rx.fullmatch(ln.text.strip())]

    def prints_inside_handlers(self) -> list[tuple[str, Event]]:
        """(handler source, print event) for every print made while a handler ran."""
        found, running = [], []
        for e in self.events:
            if e["kind"] == "enter":
                running.append(e["source"])
            elif e["kind"] == "leave" and running:
                running.pop()
            elif e["kind"] == "print" and running:
                found.append((running[-1], e))
        return found

    def latencies(self, starts: Sequence[int], lines: Sequence[PrintedLine]) -> list[int | None]:
        """For each start time, the delay to the first unused line at or after it.

        One line answers one start: two presses need two lines.
        """
        out: list[int | None] = []
        i = 0
        for t in starts:
            while i < len(lines) and lines[i].t_us < t:
                i += 1
            if i < len(lines):
                out.append(lines[i].t_us - t)
                i += 1
            else:
                out.append(None)
        return out

    def exceptions(self, where: str | None = None) -> list[Event]:
        return [e for e in self.of("exc") if where is None or e["where"] == where]

    def drops(self) -> list[Event]:
        return self.of("drop")

    def masked_spans(self) -> list[tuple[int, int]]:
        """(start, end) of every stretch with IRQs disabled."""
        spans, start, depth = [], 0, 0
        for e in self.of("mask", "unmask"):
            if e["kind"] == "mask":
                if depth == 0:
                    start = e["t_us"]
                depth += 1
            elif depth:
                depth -= 1
                if depth == 0:
                    spans.append((start, e["t_us"]))
        return spans

    def while_masked(self, *kinds: str) -> list[Event]:
        """Events of `kinds` that came while IRQs were disabled (between a mask and the
        unmask that ends its span): a print, a sleep, a handler that ran inside one."""
        found, depth = [], 0
        for e in self.events:
            if e["kind"] == "mask":
                depth += 1
            elif e["kind"] == "unmask":
                depth = max(0, depth - 1)
            elif depth and e["kind"] in kinds:
                found.append(e)
        return found

    def to_json(self) -> list[Event]:
        return list(self.events)
