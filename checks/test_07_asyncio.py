"""Lab 7, asyncio and ThreadSafeFlag: the checks, and the figures of the lab's page.

The doorbell's contacts bounce for up to 3 ms as they close and open cleanly. The provided
tasks set the rhythm: display() redraws every 50 ms (4 ms of drawing, then GPIO13 toggles),
network() spends 25 ms decoding every 200 ms, so at each 200 ms both are due at once.
CALM: eight presses 0.4 to 0.5 s apart, most while every task waits, two while network()
decodes. PAIRS: single presses and pairs 20 ms apart, two of the pairs at a 200 ms mark, where
both presses come before doorbell() can run. BUSY: presses at the worst moments the provided
tasks make (a 200 ms mark, mid-redraw) and while the bell still sounds for the press before.
"""

from __future__ import annotations

import itertools
import re
from typing import NoReturn

import pytest

from irqlab.checks import (
    Answer,
    Replies,
    Reply,
    expect_irq,
    expect_on_time,
    expect_quiet_handlers,
    fail,
    fail_if_broken,
    moments,
    msec,
    plural,
    requires,
    said,
    sec,
    skip_unless_measured,
    target_of,
)
from irqlab.checks.replies import around
from irqlab.pagefigures import Figure, LabRuns, claim, ms, ms_span, timing, window
from irqlab.runner import Run
from irqlab.scenario import Bounce, Button, Led, Press, Scenario

RING = Reply(r"RING \d+", name="RING")
BUTTON, BELL, LATCH = 5, 2, 13
FRAME_US = 50_000  # display() redraws every 50 ms
LATE_US = 40_000  # the most a RING or a redraw may wait (task 3)
RING_US = 50_000  # task 1: RING within 50 ms of any press
IDLE_RING_US = 5_000  # task 1: within 5 ms of a press that finds every task waiting
IDLE_AHEAD_US = 10_000  # "waiting": the loop's wait had at least this long still to run
VISIT_US = 50_000  # presses closer than this are one visit (a pair)

WORLD = (Button(pin=BUTTON, bounce=Bounce(spread_ms=(0.3, 3.0), on_release=False)), Led(pin=BELL))

CALM = Scenario(
    name="lab 7: eight presses, most while every task waits",
    world=WORLD,
    timeline=(
        Press(at=0.312, hold=0.12),
        Press(at=0.802, hold=0.08),
        Press(at=1.266, hold=0.3),
        Press(at=1.709, hold=0.06),
        Press(at=2.118, hold=0.15),
        Press(at=2.605, hold=0.1),
        Press(at=3.057, hold=0.2),
        Press(at=3.515, hold=0.09),
    ),
    seconds=4,
    seed=701,
)
PAIRS = Scenario(
    name="lab 7: single presses and pairs 20 ms apart",
    world=WORLD,
    timeline=(
        Press(at=0.251, hold=0.1),
        Press(at=0.601, hold=0.008),
        Press(at=0.621, hold=0.1),
        Press(at=1.015, hold=0.15),
        Press(at=1.317, hold=0.008),
        Press(at=1.337, hold=0.1),
        Press(at=1.802, hold=0.008),
        Press(at=1.822, hold=0.12),
        Press(at=2.27, hold=0.2),
    ),
    seconds=2.7,
    seed=702,
)
BUSY = Scenario(
    name="lab 7: presses at the busiest moments",
    world=WORLD,
    timeline=(
        Press(at=0.401, hold=0.03),
        Press(at=0.468, hold=0.1),
        Press(at=0.852, hold=0.1),
        Press(at=1.203, hold=0.03),
        Press(at=1.268, hold=0.05),
        Press(at=1.6015, hold=0.1),
        Press(at=1.967, hold=0.03),
        Press(at=2.0005, hold=0.1),
    ),
    seconds=2.5,
    seed=703,
)
DEMO = PAIRS


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(CALM))


@pytest.mark.task(1)
@requires(test_runs)
def test_irq_on_gpio5(bench):
    """an IRQ on GPIO5 tells the program about each press"""
    expect_irq(bench.run(CALM), BUTTON)


@pytest.mark.task(1)
@requires(test_irq_on_gpio5)
def test_handler_does_not_print_or_sleep(bench):
    """the handler does not print or sleep"""
    expect_quiet_handlers(bench.run(CALM))


@pytest.mark.task(1)
@requires(test_irq_on_gpio5)
def test_handler_allocates_nothing(bench):
    """the handler allocates nothing (run with the heap locked): it counts and sets a flag"""
    run = bench.run(CALM, strict_isr=True)
    errors = run.trace.exceptions("handler")
    if errors:
        first = errors[0]
        line = f" at line {first['line']}" if first.get("line") else ""
        fail(
            f"the handler raised {first['type']}{line} at {sec(first['t_us'])} with the heap "
            f"locked ({plural(len(errors), 'time')} in all): it allocates, as "
            "asyncio.create_task() does (a Task object); a handler only counts and calls "
            "tsf.set()",
            expected="no allocation in the handler",
            seen=f"{first['type']}{line}",
            at_us=first["t_us"],
            window=around(first["t_us"], run, 20_000, 80_000),
            run=run,
        )


@pytest.mark.task(1)
@requires(test_runs)
def test_ring_within_50_ms(bench):
    """each press gets RING n within 50 ms"""
    expect_on_time(RING.match(bench.run(CALM)), RING_US)


@pytest.mark.task(1)
@requires(test_ring_within_50_ms)
def test_flag_wakes_the_loop(bench):
    """a press that comes while every task waits gets its RING within 5 ms: the flag wakes
    the loop at once"""
    replies = RING.match(bench.run(CALM))
    skip_unless_measured(target_of(replies.run), "waits")
    for a in replies.answers:
        ahead = _wait_ahead(replies.run, a.start_us)
        if ahead >= IDLE_AHEAD_US and (a.delay_us or 0) > IDLE_RING_US:
            _fail_slept_through(replies, a, ahead)


@pytest.mark.task(2)
@requires(test_runs)
def test_one_ring_per_press(bench):
    """each press prints one RING, and two presses 20 ms apart print two, even when both
    come before doorbell() runs; n counts 1, 2, 3 …"""
    replies = RING.match(bench.run(PAIRS))
    for visit in _visits(replies):
        _expect_rings(replies, visit)
    _expect_numbered(replies)


@pytest.mark.task(3)
@requires(test_runs)
def test_ring_within_40_ms_when_busy(bench):
    """each press gets its RING within 40 ms, even at the busiest moments and while the bell
    sounds"""
    # A press with no line at all is counted by test_one_ring_per_press.
    run = bench.run(BUSY)
    expect_on_time(RING.match(run), LATE_US, missing=False, note=lambda a: _bell_note(run, a))


@pytest.mark.task(3)
@requires(test_runs)
def test_every_redraw_on_time(bench):
    """display() makes every redraw: the kth comes within 40 ms of k × 50 ms after the first"""
    _expect_redraws(bench.run(BUSY))


# -- what this lab says about presses, waits and redraws --------------------------------------


def _wait_ahead(run: Run, t_us: int) -> int:
    """How much longer the program's wait under way at `t_us` had to run (0: not waiting).

    A wait is a sleep event of the main program (asyncio's poll, or a sleep) with nothing
    of the program's own (a print, a pin write) between its start and `t_us`."""
    waits = [(e["t_us"], e["us"]) for e in run.trace.of("sleep") if e["where"] == "main"]
    started = [w for w in waits if w[0] <= t_us]
    if not started:
        return 0
    start, length = started[-1]
    end = run.scenario.duration_us if length < 0 else start + length
    if end <= t_us or any(start < e["t_us"] <= t_us for e in run.trace.of("print", "write")):
        return 0
    return end - t_us


def _fail_slept_through(replies: Replies, a: Answer, ahead_us: int) -> NoReturn:
    late = f"{a.lines[0].text} came {msec(a.delay_us)} after it" if a.lines else "no RING came"
    fail(
        f"{a.describe()} came while every task waited (the loop's wait had "
        f"{msec(ahead_us)} to go), yet {late}: the loop slept on. create_task() or Event.set() "
        "in a handler only queue a task, and nothing wakes the loop's wait; tsf.set() does",
        expected=f"RING within {msec(IDLE_RING_US)}",
        seen=msec(a.delay_us) if a.delay_us is not None else "no RING",
        at_us=a.start_us,
        window=around(a.start_us, replies.run, 20_000, 80_000),
        run=replies.run,
    )


def _visits(replies: Replies) -> list[list[Answer]]:
    """The presses, grouped: presses closer than VISIT_US to the one before are one visit."""
    visits: list[list[Answer]] = []
    for a in replies.answers:
        if visits and a.start_us - visits[-1][-1].start_us < VISIT_US:
            visits[-1].append(a)
        else:
            visits.append([a])
    return visits


def _expect_rings(replies: Replies, visit: list[Answer]) -> None:
    """One RING line per press of the visit, anywhere in the visit's windows."""
    lines = [ln for a in visit for ln in a.lines]
    if len(lines) == len(visit):
        return
    first = visit[0]
    what = (
        first.describe()
        if len(visit) == 1
        else f"the {len(visit)} presses at {moments([a.start_us for a in visit])}"
        f" ({msec(visit[1].start_us - first.start_us)} apart)"
    )
    seen = said(lines) if lines else "nothing"
    why = ""
    if len(lines) < len(visit):
        why = (
            ": both came before doorbell() ran, and a flag set twice wakes it once; count the "
            "presses in the handler and ring once for each"
        )
    elif len(lines) > len(visit):
        edges = sum(1 for t, lv in replies.run.trace.edges(BUTTON) if lv == 0 and _in(t, visit))
        why = f": its contacts made {edges} falling edges; count a press, not an edge"
    fail(
        f"{what} printed {plural(len(lines), 'RING line')} ({seen}){why}",
        expected=plural(len(visit), "RING line"),
        seen=plural(len(lines), "RING line"),
        at_us=first.start_us,
        window=around(first.start_us, replies.run, 30_000, 170_000),
        run=replies.run,
    )


def _in(t_us: int, visit: list[Answer]) -> bool:
    return visit[0].start_us <= t_us <= visit[-1].episode.released_us


def _expect_numbered(replies: Replies) -> None:
    numbers = [int(re.findall(r"\d+", ln.text)[0]) for ln in replies.lines]
    for i, (n, ln) in enumerate(zip(numbers, replies.lines, strict=True), start=1):
        if n != i:
            fail(
                f"line {i} of the RING lines, at {sec(ln.t_us)}, reads {ln.text}: n must count "
                f"the presses 1, 2, 3 … (seen: {', '.join(map(str, numbers[:8]))})",
                expected=f"RING {i}",
                seen=ln.text,
                at_us=ln.t_us,
                run=replies.run,
            )


def _bell_note(run: Run, a: Answer) -> str:
    """Say so when the bell was still sounding for the press before."""
    before = [lv for t, lv in run.trace.writes(BELL) if t <= a.start_us]
    return " (the bell was still sounding for the press before)" if before[-1:] == [1] else ""


def _expect_redraws(run: Run) -> None:
    """The kth toggle of the latch within LATE_US of k frames after the first."""
    frames = run.trace.toggles(LATCH, initial=0)
    end = run.scenario.duration_us
    if not frames:
        fail(
            f"the display's latch (GPIO{LATCH}) never toggled: display() made no redraw",
            expected=f"a redraw every {msec(FRAME_US)}",
            seen="no redraw",
            run=run,
            window=(0, min(end, 4 * FRAME_US)),
        )
    first = frames[0]
    # Only frames whose 40 ms of grace end inside the run can be judged.
    due = [first + k * FRAME_US for k in range((end - LATE_US - first) // FRAME_US + 1)]
    for k, when in enumerate(due):
        made = frames[k] if k < len(frames) else None
        if made is None or made - when > LATE_US:
            _fail_redraw(run, k, when, made)


def _fail_redraw(run: Run, k: int, due_us: int, made_us: int | None) -> NoReturn:
    made = f"came at {sec(made_us)}, {msec(made_us - due_us)} late" if made_us else "never came"
    fail(
        f"redraw {k + 1} of display() was due at {sec(due_us)} (every {msec(FRAME_US)} from the "
        f"first) and {made}: while one task runs without an await (a time.sleep_ms, a long "
        "loop), no other task runs, display() included",
        expected=f"within {msec(LATE_US)} of {sec(due_us)}",
        seen=msec(made_us - due_us) + " late" if made_us else "no redraw",
        at_us=due_us,
        window=around(due_us, run, 100_000, 250_000),
        run=run,
    )


# -- the page's figures ---------------------------------------------------------------------


def _idle_answers(result: Run) -> list[Answer]:
    """CALM's presses that came while every task waited."""
    return [
        a
        for a in RING.match(result).answers
        if _wait_ahead(result, a.start_us) >= IDLE_AHEAD_US and a.delay_us is not None
    ]


def _close_up(result: Run, start_us: int, after_us: int) -> str:
    return timing(result, window(start_us - 20_000, start_us + after_us, 10_000), (BELL, LATCH))


def event_figure(runs: LabRuns) -> Figure:
    result = runs.run("bad/sets_event_in_handler", CALM)
    idle = _idle_answers(result)
    first = idle[0]
    delays = [a.delay_us or 0 for a in idle]
    numbers = {
        "at": sec(first.start_us),
        "delay": ms(first.delay_us or 0),
        "idle": str(len(idle)),
        "delays": ms_span(delays),
    }
    claim(min(delays) > IDLE_RING_US, "Event.set() in the handler leaves every idle press waiting")
    caption = (
        f"Event.set() in the handler: the press at {numbers['at']} finds the loop waiting, and "
        f"RING comes {numbers['delay']} later, when display() is due."
    )
    return Figure("lab7-event", _close_up(result, first.start_us, 60_000), caption, numbers)


def flag_figure(runs: LabRuns) -> Figure:
    result = runs.run("solution", CALM)
    idle = _idle_answers(result)
    first = idle[0]
    delays = [a.delay_us or 0 for a in idle]
    numbers = {"delay": ms(first.delay_us or 0), "delays": ms_span(delays)}
    claim(max(delays) <= IDLE_RING_US, "tsf.set() wakes the loop at once")
    caption = f"tsf.set() in the handler: the same press rings {numbers['delay']} after its edge."
    return Figure("lab7-flag", _close_up(result, first.start_us, 60_000), caption, numbers)


def _pair(result: Run) -> tuple[list[Answer], list[str]]:
    """PAIRS' first pair (at a 200 ms mark) and the RING lines it got."""
    pair = next(v for v in _visits(RING.match(result)) if len(v) == 2)
    return pair, [ln.text for a in pair for ln in a.lines]


def coalesce_figure(runs: LabRuns) -> Figure:
    result = runs.run("bad/flag_not_count", PAIRS)
    pair, lines = _pair(result)
    good, good_lines = _pair(runs.run("solution", PAIRS))
    last = good[-1].lines[-1].t_us if good[-1].lines else good[-1].start_us
    numbers = {
        "at": sec(pair[0].start_us),
        "rings": plural(len(lines), "RING line"),
        "good_rings": plural(len(good_lines), "RING line"),
        "wait": ms(last - good[0].start_us),
    }
    claim(len(lines) == 1 and len(good_lines) == 2, "a flag alone rings once for the pair")
    claim(25_000 <= last - good[0].start_us <= 35_000, "the pair waits for network(), display()")
    caption = (
        f"Two presses 20 ms apart at {numbers['at']}, while network() decodes: a flag alone "
        f"wakes doorbell() once, and it prints {numbers['rings']}."
    )
    return Figure("lab7-coalesce", _close_up(result, pair[0].start_us, 80_000), caption, numbers)


def blocking_figure(runs: LabRuns) -> Figure:
    result = runs.run("bad/sleeps_in_chime", BUSY)
    late = [a for a in RING.match(result).answers if (a.delay_us or 0) > LATE_US]
    frames = result.trace.toggles(LATCH, initial=0)
    gap = max(b - a for a, b in itertools.pairwise(frames))
    good = runs.run("solution", BUSY)
    numbers = {
        "at": sec(late[0].start_us),
        "delay": ms(late[0].delay_us or 0),
        "gap": ms(gap),
        "worst": ms(max(a.delay_us or 0 for a in RING.match(good).answers)),
    }
    claim(gap > 2 * FRAME_US, "time.sleep_ms(120) in chime() stops the redraws")
    caption = (
        f"time.sleep_ms(120) in chime(): the press at {numbers['at']} waits {numbers['delay']} "
        f"for its RING, and the latch (GPIO{LATCH}) stops for {numbers['gap']}."
    )
    return Figure(
        "lab7-blocking", _close_up(result, late[0].start_us - 60_000, 220_000), caption, numbers
    )


FIGURES = {
    "lab7-event": event_figure,
    "lab7-flag": flag_figure,
    "lab7-coalesce": coalesce_figure,
    "lab7-blocking": blocking_figure,
}
