"""Lab 1, polling with sleep: the checks.

One scenario serves every check: a doorbell module (clean edges) pressed six times over 8 s:
a 2 s hold, a 150 ms press, three 80 ms presses 250 ms apart (start to start) and a 1.3 s
hold, with quiet stretches before, between and after.
"""

from __future__ import annotations

import itertools

import pytest

from irqlab.checks import fail, fail_if_broken, requires
from irqlab.labkit import (
    answers,
    around,
    moments,
    msec,
    plural,
    printed,
    require_nothing_before_first,
    sec,
)
from irqlab.scenario import Led, Press, Scenario, Sensor

PRESS = r"PRESS"
LED = 2
LONG_HOLD_US = 1_200_000  # any poll interval up to 1 s sees a press this long
LATENCY_US = 60_000
HEARTBEAT_US = 500_000
HEARTBEAT_SLACK_US = 50_000

PRESSES = Scenario(
    name="lab 1: six presses",
    world=(Sensor(pin=5, idle=1), Led(pin=LED)),
    timeline=(
        Press(at=0.637, hold=2.0),
        Press(at=3.173, hold=0.15),
        Press(at=3.912, hold=0.08),
        Press(at=4.162, hold=0.08),
        Press(at=4.412, hold=0.08),
        Press(at=5.289, hold=1.3),
    ),
    seconds=8,
    seed=101,
)
DEMO = PRESSES


@pytest.mark.task(1)
def test_runs(board):
    """the program runs without an error"""
    fail_if_broken(board.run(PRESSES))


@pytest.mark.task(1)
@requires("test_runs")
def test_one_press_one_line(board):
    """each press prints PRESS once: nothing while released, nothing more while held"""
    run = board.run(PRESSES)
    lines = run.trace.lines(PRESS)
    require_nothing_before_first(
        run,
        lines,
        lambda early: (
            f"PRESS was printed at {moments([ln.t_us for ln in early])}, before the "
            f"first press at {sec(run.compiled.episodes[0].start_us)}: the button was released"
        ),
        expected="no PRESS while the button is released",
        seen_word="PRESS line",
        margin_us=200_000,
    )
    for a in answers(run, lines):
        long_hold = a.held_us >= LONG_HOLD_US
        if len(a.lines) > 1 or (long_hold and not a.lines):
            seen = [ln.t_us for ln in a.lines]
            fail(
                f"{a.describe()} printed PRESS {plural(len(seen), 'time')}"
                + (f", at {moments(seen)}" if seen else "")
                + "; expected once, however long it is held",
                expected="1 PRESS line",
                seen=plural(len(seen), "PRESS line"),
                at_us=seen[1] if len(seen) > 1 else a.start_us,
                window=a.window,
                run=run,
            )


@pytest.mark.task(2)
@requires("test_runs")
def test_every_press_within_60_ms(board):
    """every press gets its PRESS within 60 ms, even 80 ms presses 250 ms apart"""
    run = board.run(PRESSES)
    lines = run.trace.lines(PRESS)
    all_answers = answers(run, lines)
    late = [a for a in all_answers if a.delay_us is None or a.delay_us > LATENCY_US]
    if not late:
        return
    a = late[0]
    on_time = len(all_answers) - len(late)
    summary = f"{on_time} of {plural(len(all_answers), 'press')} were reported within 60 ms"
    if a.delay_us is None:
        fail(
            f"{a.describe()} got no PRESS line; {printed(lines, 'PRESS')} ({summary})",
            expected=f"PRESS by {sec(a.start_us + LATENCY_US)}",
            seen="no PRESS",
            at_us=a.start_us,
            window=around(a.start_us, run, 300_000, 700_000),
            run=run,
        )
    fail(
        f"{a.describe()} got its PRESS {msec(a.delay_us or 0)} later, at "
        f"{sec(a.lines[0].t_us)}; it must come within 60 ms ({summary})",
        expected="within 60 ms",
        seen=msec(a.delay_us or 0),
        at_us=a.start_us,
        window=around(a.start_us, run, 100_000, (a.delay_us or 0) + 200_000),
        run=run,
    )


@pytest.mark.task(3)
@requires("test_runs")
def test_heartbeat_every_500_ms(board):
    """the LED toggles every 500 ms ± 50 ms, from start to end"""
    run = board.run(PRESSES)
    times = run.trace.toggles(LED, initial=0)  # outputs start low
    end = run.scenario.duration_us
    lo, hi = HEARTBEAT_US - HEARTBEAT_SLACK_US, HEARTBEAT_US + HEARTBEAT_SLACK_US
    if not times:
        fail(
            f"the LED on GPIO{LED} never toggled in {sec(end)}",
            expected="a toggle every 500 ms",
            seen="no toggle",
            run=run,
            window=(0, min(end, 2_000_000)),
        )
    marks = [0, *times, end]
    for before, after in itertools.pairwise(marks):
        gap = after - before
        if gap > hi or (gap < lo and before != 0 and after != end):
            what = (
                f"the LED toggled at {sec(after)}, {msec(gap)} after the toggle at {sec(before)}"
                if before > 0 and after < end
                else f"the LED did not toggle between {sec(before)} and {sec(after)}"
            )
            fail(
                f"{what}; every interval must be 500 ms ± 50 ms "
                f"({plural(len(times), 'toggle')} in {sec(end)})",
                expected="450 to 550 ms",
                seen=msec(gap),
                at_us=after if after < end else before,
                window=around(before, run, 300_000, gap + 300_000),
                run=run,
            )
