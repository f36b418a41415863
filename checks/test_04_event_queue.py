"""Lab 4, the event queue: the checks, and the figures of the lab's page.

Parcels on a conveyor break an IR beam on GPIO5 (1 while a parcel blocks it). The starter's
upload() waits 250 ms on the network each pass, and from 6 s to 8.5 s after the start for
the network to come back; crunch() is 15 ms inside one C call. Scenarios (each quiet while
the network is down, but RUSH):
STREAM: 1,000 parcels 17 to 26 ms long, 17 to 20 ms apart: at most 8 pass during one pass of
the main loop, so a 16-slot ring never fills, and its indices wrap 62 times; no parcel or gap
is shorter than crunch(), so even a handler held up by it reads the right level.
BURSTS: the parcels of the page's world: bursts of 12, 25 ms apart (start to start) and 8 to
17 ms long, with 30 to 60 ms parcels between bursts: edges land inside crunch() and print().
BURSTS_EARLY: its first three bursts alone, run again with the heap locked.
RUSH: six parcels, then 40 while upload() waits out the outage (the first 15 fill the ring,
the rest must be dropped and counted), then 60 parcels 8 to 10 ms long and 3 to 4 ms apart as
the main loop catches up (the ring overflows again, and parcels leave in the middle of
reports: an edge at least every 10 ms).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import NamedTuple

import pytest

from irqlab.checks import (
    around,
    expect_irq,
    fail,
    fail_if_broken,
    irq_trigger,
    msec,
    plural,
    requires,
    sec,
)
from irqlab.pagefigures import Figure, LabRuns, claim, ms, ms_span, timing, window
from irqlab.runner import Run
from irqlab.scenario import Episode, Led, Press, Scenario, Sensor
from irqlab.trace import Event

BEAM, LED = 5, 2
SLOTS_USED = 15  # a 16-slot ring that keeps one slot free holds 15: the checks ask no more
LATENCY_US = 3_000  # 1 ms crunch() pieces, or a LOST and a PARCEL line printed back to back
LENGTH_MS = 4.0  # two stamps each up to 3 ms late differ by < 3 ms, plus 1 ms of whole ms
OUTAGE_US = (6_000_000, 8_500_000)  # upload() waits for the network (the starter says so)
REPORT_WITHIN_US = 1_000_000  # a parcel not reported this long after it left is missing
WORLD = (Sensor(pin=BEAM, idle=0), Led(pin=LED))
PARCEL = re.compile(r"PARCEL (\d+) len=(-?\d+(?:\.\d*)?)")
LOST = re.compile(r"LOST (-?\d+)")


def _parcels(
    rng: random.Random, at: float, count: int, hold: tuple[int, int], gap: tuple[int, int]
) -> tuple[list[Press], float]:
    """`count` parcels from `at` s, each `hold` ms long (at least 4 ms away from the one
    before, so that a length tells two neighbours apart) and `gap` ms after the last."""
    out, last = [], 0
    for _ in range(count):
        ms_long = rng.randint(*hold)
        while abs(ms_long - last) < 4 and hold[1] - hold[0] >= 8:
            ms_long = rng.randint(*hold)
        last = ms_long
        held = ms_long + rng.randint(0, 999) / 1000
        out.append(Press(at=round(at, 6), hold=round(held / 1000, 6), pin=BEAM))
        at += (held + rng.randint(*gap)) / 1000
    return out, at


def _stream() -> Scenario:
    rng = random.Random(401)
    timeline: list[Press] = []
    at = 0.5
    while len(timeline) < 1000:
        if OUTAGE_US[0] / 1e6 - 0.6 < at < OUTAGE_US[1] / 1e6 + 0.6:
            at = OUTAGE_US[1] / 1e6 + 0.6  # quiet while the network is down
        group, at = _parcels(rng, at, min(12, 1000 - len(timeline)), (17, 25), (17, 20))
        timeline += group
    return Scenario(
        name="lab 4: 1,000 parcels",
        world=WORLD,
        timeline=tuple(timeline),
        seconds=round(at + 1, 3),
        seed=401,
    )


def _bursts() -> Scenario:
    rng = random.Random(402)
    timeline: list[Press] = []
    for start in (0.5, 1.7, 2.9, 4.1, 9.4, 10.6, 11.8, 13.0, 14.2, 15.4, 16.6, 17.8):
        burst = [
            Press(at=round(start + 0.025 * k, 6), hold=rng.randint(8000, 17000) / 1e6, pin=BEAM)
            for k in range(12)
        ]
        singles, _ = _parcels(rng, start + 0.55, rng.randint(1, 3), (30, 60), (80, 160))
        timeline += burst + singles
    return Scenario(
        name="lab 4: bursts of 12", world=WORLD, timeline=tuple(timeline), seconds=19.6, seed=402
    )


def _rush() -> Scenario:
    rng = random.Random(405)
    before, _ = _parcels(rng, 1.0, 6, (20, 40), (300, 600))
    rush, _ = _parcels(rng, 6.3, 40, (20, 28), (20, 22))
    after, _ = _parcels(rng, OUTAGE_US[1] / 1e6 - 0.01, 60, (8, 9), (3, 4))
    later, _ = _parcels(rng, 10.5, 4, (20, 40), (300, 500))
    return Scenario(
        name="lab 4: a rush in an outage",
        world=WORLD,
        timeline=tuple(before + rush + after + later),
        seconds=13,
        seed=405,
    )


STREAM = _stream()
BURSTS = _bursts()
BURSTS_EARLY = Scenario(
    name="lab 4: three bursts of 12",
    world=WORLD,
    timeline=tuple(p for p in BURSTS.timeline if p.at < 3.5),
    seconds=3.6,
    seed=402,
)
RUSH = _rush()
DEMO = RUSH
RUSH_FIRST = 6  # parcels before the rush
RUSH_SIZE = 40


# -- what the program said -----------------------------------------------------------------


class Said(NamedTuple):
    """A PARCEL or LOST line: n is the parcel's number, or how many were lost."""

    t_us: int
    text: str
    kind: str
    n: int
    length_ms: float = 0.0


def said(run: Run) -> list[Said]:
    out = []
    for line in run.trace.lines():
        text = line.text.strip()
        if m := PARCEL.fullmatch(text):
            out.append(Said(line.t_us, text, "PARCEL", int(m[1]), float(m[2])))
        elif m := LOST.fullmatch(text):
            out.append(Said(line.t_us, text, "LOST", int(m[1])))
    return out


def parcels(run: Run) -> list[Episode]:
    return [e for e in run.compiled.episodes if e.kind == "press"]


def _held_ms(p: Episode) -> float:
    return (p.end_us - p.start_us) / 1000


def _describe(p: Episode, n: int) -> str:
    return f"parcel {n} (from {sec(p.start_us)}, {_held_ms(p):.1f} ms long)"


def _near_misses(run: Run) -> str:
    """A line that starts like a PARCEL line but is not one, named for the student."""
    odd = [
        ln
        for ln in run.trace.lines()
        if ln.text.startswith(("PARCEL", "LOST"))
        and not (PARCEL.fullmatch(ln.text.strip()) or LOST.fullmatch(ln.text.strip()))
    ]
    return (
        f" (lines must read exactly PARCEL n len=L or LOST k; seen: {odd[0].text!r})" if odd else ""
    )


# -- task 1 -------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(STREAM))


@pytest.mark.task(1)
@requires(test_runs)
def test_irq_on_gpio5(bench):
    """an IRQ on GPIO5 calls a handler when a parcel arrives and leaves"""
    expect_irq(bench.run(STREAM), BEAM)


@pytest.mark.task(1)
@requires(test_runs)
def test_every_parcel_once_in_order(bench):
    """1,000 parcels give PARCEL 1 to PARCEL 1000, once each, in order, none lost"""
    run = bench.run(STREAM)
    lines, truth = said(run), parcels(run)
    for s in lines:
        if s.kind == "LOST":
            fail(
                f"{s.text} at {sec(s.t_us)}, but no parcel had to be dropped here: at most 8 "
                "parcels pass during one pass of the main loop, and the ring holds 15",
                expected="no LOST line",
                seen=s.text,
                at_us=s.t_us,
                run=run,
            )
    reported = [s for s in lines if s.kind == "PARCEL"]
    for i, s in enumerate(reported, 1):
        _expect_number(run, s, i, reported)
        if i <= len(truth) and s.t_us < truth[i - 1].end_us:
            p = truth[i - 1]
            fail(
                f"{s.text} came at {sec(s.t_us)}, before {_describe(p, i)} had left the beam "
                f"at {sec(p.end_us)}: count a parcel when it leaves (the falling edge)",
                expected=f"PARCEL {i} after {sec(p.end_us)}",
                seen=f"{s.text} at {sec(s.t_us)}",
                at_us=s.t_us,
                window=around(p.start_us, run, 100_000, 300_000),
                run=run,
            )
    if len(reported) != len(truth):
        _fail_count(run, reported, truth)


def _expect_number(run: Run, s: Said, i: int, reported: Sequence[Said]) -> None:
    if s.n != i:
        seen = ", ".join(str(r.n) for r in reported[max(0, i - 4) : i + 2])
        fail(
            f"PARCEL line {i}, at {sec(s.t_us)}, reads {s.text}: n must count the parcels 1, "
            f"2, 3 … (around it: {seen})",
            expected=f"PARCEL {i}",
            seen=s.text,
            at_us=s.t_us,
            run=run,
        )


def _fail_count(run: Run, reported: Sequence[Said], truth: Sequence[Episode]) -> None:
    if len(reported) > len(truth):
        extra = reported[len(truth)]
        fail(
            f"{len(truth)} parcels passed the beam, but {len(reported)} PARCEL lines came; the "
            f"first one too many: {extra.text} at {sec(extra.t_us)}",
            expected=f"{len(truth)} PARCEL lines",
            seen=f"{len(reported)}",
            at_us=extra.t_us,
            run=run,
        )
    times = [s.t_us for s in reported]
    missing = next(
        (
            (i, p)
            for i, p in enumerate(truth, 1)
            if sum(1 for t in times if t <= p.end_us + REPORT_WITHIN_US) < i
        ),
        (len(truth), truth[-1]),
    )
    i, p = missing
    fail(
        f"{len(truth)} parcels passed the beam, but only {len(reported)} PARCEL lines came: "
        f"{len(truth) - len(reported)} lost without a word. The first one: {_describe(p, i)} "
        f"still had no line a second after it left the beam{_near_misses(run)}",
        expected=f"{len(truth)} PARCEL lines",
        seen=f"{len(reported)}",
        at_us=p.start_us,
        window=around(p.start_us, run, 100_000, 600_000),
        run=run,
    )


@pytest.mark.task(1)
@requires(test_irq_on_gpio5)
def test_handler_allocates_nothing(bench):
    """the handler allocates no memory: it still works with the heap locked"""
    strict = bench.run(BURSTS_EARLY, strict_isr=True)
    plain = {_where(e) for e in _handler_errors(bench.run(BURSTS_EARLY))}
    for e in _handler_errors(strict):
        if e["type"] == "MemoryError" and _where(e) not in plain:
            fail(
                f"the handler allocated memory at line {e.get('line', '?')} of "
                f"{e.get('file', 'main.py')} ({sec(e['t_us'])}): with the heap locked, as "
                "in a hard interrupt, that raised MemoryError. Write into arrays made before "
                "the IRQ is set: no list.append(), tuple, float or string in the handler",
                expected="no allocation in the handler",
                seen=f"MemoryError at line {e.get('line', '?')}",
                at_us=e["t_us"],
                window=around(e["t_us"], strict, 20_000, 80_000),
                run=strict,
            )


def _handler_errors(run: Run) -> list[Event]:
    return run.trace.exceptions("handler")


def _where(e: Event) -> tuple[int, object]:
    return (e["t_us"], e.get("line"))


# -- task 2 -------------------------------------------------------------------------------


@pytest.mark.task(2)
@requires(test_irq_on_gpio5)
def test_handler_starts_within_3_ms(bench):
    """no handler starts more than 3 ms after its edge, even while the main loop crunches"""
    for scenario in (BURSTS, RUSH):
        _expect_prompt(bench.run(scenario))


def _expect_prompt(run: Run) -> None:
    lags = handler_lags(run)
    late = [(t, level, lag) for t, level, lag in lags if lag is None or lag > LATENCY_US]
    if not late:
        return
    t, level, lag = late[0]
    edge = "arrival" if level == 1 else "departure"
    what = "no handler ran for it" if lag is None else f"the handler started {msec(lag)} after it"
    fail(
        f"a parcel's {edge} at {sec(t)}: {what}{_busy(run, t)} ({len(late)} of "
        f"{plural(len(lags), 'edge')} waited more than {LATENCY_US // 1000} ms)",
        expected=f"every handler within {LATENCY_US // 1000} ms",
        seen="never" if lag is None else msec(lag),
        at_us=t,
        window=around(t, run, 20_000, 40_000),
        run=run,
    )


def handler_lags(run: Run) -> list[tuple[int, int, int | None]]:
    """(edge time, level, how long until a GPIO5 handler started) for each edge the IRQ's
    trigger takes; None when no handler ran for it."""
    got = irq_trigger(run, BEAM)
    trigger = got[0] if got else 3
    starts = [r.start_us for r in run.trace.handler_runs(f"pin{BEAM}")]
    out: list[tuple[int, int, int | None]] = []
    i = 0
    for t, level in run.trace.edges(BEAM):
        if not trigger & (1 if level else 2):
            continue
        while i < len(starts) and starts[i] < t:
            i += 1
        out.append((t, level, starts[i] - t if i < len(starts) else None))
        i += 1
    return out


def _busy(run: Run, t: int) -> str:
    """What held the handler up at `t`: crunch() lights the LED, print() waits for the UART."""
    lit = [(a, b) for a, b in _lit(run) if a <= t < b]
    if lit:
        a, b = lit[0]
        return (
            f": the main loop was inside crunch(), a C call with no pending check (the LED "
            f"was lit from {sec(a)} to {sec(b)}, {msec(b - a)})"
        )
    printing = [e for e in run.trace.of("print") if t - 5_000 <= e["t_us"] <= t + LATENCY_US * 8]
    if printing:
        return ": the main loop was printing, and print() waits for the UART with no pending check"
    return ""


def _lit(run: Run) -> list[tuple[int, int]]:
    spans, on = [], None
    for t, level in run.trace.writes(LED):
        if level and on is None:
            on = t
        elif not level and on is not None:
            spans.append((on, t))
            on = None
    return spans


@pytest.mark.task(2)
@requires(test_handler_starts_within_3_ms, test_every_parcel_once_in_order)
def test_lengths_within_4_ms(bench):
    """PARCEL n len=L gives each parcel's length within 4 ms, timed from its edges"""
    run = bench.run(BURSTS)
    truth = parcels(run)
    for s in (s for s in said(run) if s.kind == "PARCEL"):
        if not 1 <= s.n <= len(truth):
            fail(
                f"{s.text} at {sec(s.t_us)}, but only {len(truth)} parcels passed",
                expected=f"PARCEL 1 to {len(truth)}",
                seen=s.text,
                at_us=s.t_us,
                run=run,
            )
        p = truth[s.n - 1]
        if abs(s.length_ms - _held_ms(p)) > LENGTH_MS:
            fail(
                f"{s.text} at {sec(s.t_us)}, but {_describe(p, s.n)} blocked the beam from "
                f"{sec(p.start_us)} to {sec(p.end_us)}: {abs(s.length_ms - _held_ms(p)):.1f} ms "
                f"off. Stamp both edges in the handler, as they happen",
                expected=f"len={_held_ms(p):.0f} ± {LENGTH_MS:.0f}",
                seen=s.text,
                at_us=p.start_us,
                window=around(p.start_us, run, 30_000, max(s.t_us - p.start_us + 30_000, 100_000)),
                run=run,
            )


# -- task 3 -------------------------------------------------------------------------------


def _rush_parcels(run: Run) -> list[tuple[int, Episode]]:
    """(number, parcel) for the 40 parcels that pass while the network is down."""
    found = list(enumerate(parcels(run), 1))
    return found[RUSH_FIRST : RUSH_FIRST + RUSH_SIZE]


@pytest.mark.task(3)
@requires(test_irq_on_gpio5)
def test_full_ring_keeps_unread_parcels(bench):
    """a full ring keeps its unread parcels: the first 15 of 40 in the outage get PARCEL lines"""
    run = bench.run(RUSH)
    numbers = {s.n for s in said(run) if s.kind == "PARCEL"}
    rush = _rush_parcels(run)
    for k, (n, p) in enumerate(rush[:SLOTS_USED], 1):
        if n not in numbers:
            after = ", ".join(s.text for s in said(run) if s.t_us >= OUTAGE_US[1])[:60]
            fail(
                f"{_describe(p, n)}, the {_ordinal(k)} of the {len(rush)} that passed while the "
                f"network was down ({sec(OUTAGE_US[0])} to {sec(OUTAGE_US[1])}), got no PARCEL "
                f"line. The first {SLOTS_USED} fit in the ring: when it is full, drop the new "
                f"parcel and keep the unread ones (after the outage: {after or 'nothing'} …)",
                expected=f"PARCEL {n}",
                seen="no line",
                at_us=p.start_us,
                window=(rush[0][1].start_us - 100_000, OUTAGE_US[1] + 200_000),
                run=run,
            )


def _ordinal(k: int) -> str:
    return f"{k}{'st' if k == 1 else 'nd' if k == 2 else 'rd' if k == 3 else 'th'}"


@pytest.mark.task(3)
@requires(test_full_ring_keeps_unread_parcels, test_lengths_within_4_ms)
def test_lost_parcels_counted_exactly(bench):
    """each parcel gets a PARCEL line or is counted in a LOST k before the next PARCEL"""
    run = bench.run(RUSH)
    truth = parcels(run)
    expect = 1  # the first parcel no line has accounted for yet
    for s in said(run):
        if s.kind == "LOST":
            expect = _account_lost(run, s, expect, truth)
            continue
        _expect_next(run, s, expect, truth)
        expect = s.n + 1
    if expect - 1 != len(truth):
        n = expect
        p = truth[min(n, len(truth)) - 1]
        fail(
            f"{len(truth)} parcels passed, but the PARCEL and LOST lines account for "
            f"{expect - 1}: from {_describe(p, n)} on, no line says what happened to "
            f"{plural(len(truth) - expect + 1, 'parcel')}",
            expected=f"{len(truth)} parcels accounted for",
            seen=f"{expect - 1}",
            at_us=p.start_us,
            run=run,
        )


def _account_lost(run: Run, s: Said, expect: int, truth: Sequence[Episode]) -> int:
    gone = sum(1 for p in truth if p.end_us <= s.t_us)
    if s.n < 1 or expect - 1 + s.n > gone:
        fail(
            f"{s.text} at {sec(s.t_us)}: after PARCEL {expect - 1}, only {gone - expect + 1} "
            f"parcels had passed by then that no line had accounted for",
            expected=f"LOST k with k from 1 to {max(1, gone - expect + 1)}",
            seen=s.text,
            at_us=s.t_us,
            run=run,
        )
    return expect + s.n


def _expect_next(run: Run, s: Said, expect: int, truth: Sequence[Episode]) -> None:
    if s.n != expect:
        told = f"parcels {expect} to {s.n - 1}" if s.n > expect + 1 else f"parcel {expect}"
        fail(
            f"{s.text} came at {sec(s.t_us)}, but "
            + (
                f"no line said what happened to {told}: print LOST {s.n - expect} before it"
                if s.n > expect
                else f"the lines before it already accounted for parcels up to {expect - 1}"
            ),
            expected=f"LOST {s.n - expect}, then {s.text}" if s.n > expect else f"PARCEL {expect}",
            seen=s.text,
            at_us=s.t_us,
            run=run,
        )
    p = truth[s.n - 1] if s.n <= len(truth) else None
    if p is None or abs(s.length_ms - _held_ms(p)) > LENGTH_MS:
        real = f"{_describe(p, s.n)}" if p else f"no parcel {s.n}"
        fail(
            f"{s.text} at {sec(s.t_us)} is not about {real}: its length matches another "
            "parcel. Number each entry in the handler, when the parcel leaves, and print "
            "LOST k where the numbers jump",
            expected=f"PARCEL {s.n} len={_held_ms(p):.0f}" if p else "no such line",
            seen=s.text,
            at_us=s.t_us,
            run=run,
        )


# -- the page's figures: a pass of the starter and of the solution, crunch() and a
# handler, the rush in the outage -----------------------------------------------------------


def _counted(result: Run) -> dict[str, str]:
    lines = [x for x in said(result) if x.kind == "PARCEL"]
    return {"lines": str(len(lines)), "parcels": str(len(parcels(result)))}


def _pass(result: Run) -> tuple[tuple[int, int], tuple[int, int]]:
    """A second into the stream: the stretch from one crunch() to the next (its diagram's
    span), and the upload() between them."""
    lit = [span for span in _lit(result) if span[0] > 1_000_000]
    upload = (lit[0][1], lit[1][0])
    return window(lit[0][0] - 20_000, lit[1][1] + 40_000, 10_000), upload


def starter_figure(runs: LabRuns) -> Figure:
    result = runs.run("starter", STREAM)
    span, (a, b) = _pass(result)
    inside = [p for p in parcels(result) if a <= p.start_us and p.end_us <= b]
    numbers = _counted(result) | {"passed": str(len(inside))}
    claim(int(numbers["lines"]) < 100, "the starter loses most parcels")
    caption = (
        f"The starter, one pass of its main loop: {numbers['passed']} parcels pass while "
        "upload() waits; the handler appends their edges to the list, and events.clear() "
        f"wipes them before the next report. Over the 1,000 parcels it prints "
        f"{numbers['lines']} lines."
    )
    return Figure("lab4-starter", timing(result, span), caption, numbers)


def ring_figure(runs: LabRuns) -> Figure:
    result = runs.run("solution", STREAM)
    span, _ = _pass(result)
    truth = parcels(result)
    delays = [x.t_us - truth[x.n - 1].end_us for x in said(result) if x.kind == "PARCEL"]
    numbers = _counted(result) | {"delays": ms_span(delays)}
    claim(numbers["lines"] == numbers["parcels"] == "1000", "the solution prints every parcel")
    caption = (
        "The ring buffer, the same stretch: every parcel that leaves the beam during upload() "
        "waits in the ring, and the next report prints it."
    )
    return Figure("lab4-ring", timing(result, span), caption, numbers)


def _length_errors(result: Run) -> list[float]:
    truth = parcels(result)
    return [abs(x.length_ms - _held_ms(truth[x.n - 1])) for x in said(result) if x.kind == "PARCEL"]


def _late_edge(result: Run) -> tuple[int, int]:
    """The first edge in BURSTS whose handler waited longest inside crunch(), and its wait."""
    lags = [(t, lag) for t, _, lag in handler_lags(result) if lag is not None]
    lit = _lit(result)
    inside = [(t, lag) for t, lag in lags if any(a <= t < b for a, b in lit)]
    return max(inside, key=lambda x: x[1])


def crunch_figure(runs: LabRuns) -> Figure:
    result = runs.run("starter", BURSTS)
    t, lag = _late_edge(result)
    numbers = {"lag": ms(lag)}
    claim(lag > 10_000, "a handler waits out most of crunch()")
    caption = (
        f"crunch() in one piece: an edge at {sec(t)} comes while the LED is lit; its handler "
        f"runs {numbers['lag']} later, when the C call returns."
    )
    return Figure(
        "lab4-crunch", timing(result, window(t - 20_000, t + 30_000, 5_000)), caption, numbers
    )


def pieces_figure(runs: LabRuns) -> Figure:
    result = runs.run("solution", BURSTS)
    t, lag = _late_edge(result)
    every = [lag for _, _, lag in handler_lags(result) if lag is not None]
    every += [lag for _, _, lag in handler_lags(runs.run("solution", RUSH)) if lag is not None]
    error = max(max(_length_errors(runs.run("solution", s))) for s in (STREAM, BURSTS))
    numbers = {
        "lag": ms(lag),
        "worst": ms(max(every)),
        "typical": f"{sorted(every)[len(every) // 2]} µs",
        "error": f"{error:.1f} ms",
    }
    claim(max(every) < LATENCY_US, "the solution's handlers are never 3 ms late")
    caption = (
        f"crunch(1) fifteen times: the worst wait inside crunch(), at {sec(t)}, is "
        f"{numbers['lag']}: the end of one 1 ms piece."
    )
    return Figure(
        "lab4-pieces", timing(result, window(t - 20_000, t + 30_000, 5_000)), caption, numbers
    )


def rush_figure(runs: LabRuns) -> Figure:
    result = runs.run("solution", RUSH)
    lost = [x for x in said(result) if x.kind == "LOST"]
    first = lost[0]
    rush = _rush_parcels(result)
    kept = sum(1 for x in said(result) if x.kind == "PARCEL" and rush[0][0] <= x.n <= rush[-1][0])
    numbers = {
        "lost": first.text,
        "kept": str(kept),
        "others": str(RUSH_SIZE - kept),
        "more": plural(first.n - (RUSH_SIZE - kept), "parcel"),
        "at": sec(first.t_us),
        "all": ", ".join(x.text for x in lost),
    }
    claim(kept == SLOTS_USED, "the ring keeps the first 15 of the rush")
    caption = (
        f"The rush: {RUSH_SIZE} parcels while upload() waits for the network. The ring keeps "
        f"the first {kept}, and the handler numbers every parcel. After the outage the report "
        f"prints those {kept}, then {first.text} at {numbers['at']}: the {numbers['others']} "
        f"others, and {numbers['more']} that left before the ring was read."
    )
    span = window(rush[0][1].start_us - 300_000, first.t_us + 100_000, 100_000)
    return Figure("lab4-rush", timing(result, span), caption, numbers)


FIGURES = {
    "lab4-starter": starter_figure,
    "lab4-ring": ring_figure,
    "lab4-crunch": crunch_figure,
    "lab4-pieces": pieces_figure,
    "lab4-rush": rush_figure,
}
