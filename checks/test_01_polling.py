"""Lab 1, polling with sleep: the checks, and the figures of the lab's page.

One scenario serves every check: a doorbell module (clean edges) pressed six times over 8 s:
a 2 s hold, a 150 ms press, three 80 ms presses 250 ms apart (start to start) and a 1.3 s
hold, with quiet stretches before, between and after.
"""

from __future__ import annotations

import itertools
import statistics

import pytest

from irqlab.checks import (
    Answer,
    Reply,
    expect_nothing_before_first,
    expect_on_time,
    expect_one_each,
    expect_steady_toggles,
    fail_if_broken,
    plural,
    requires,
    sec,
)
from irqlab.pagefigures import Figure, LabRuns, claim, ms, ms_span, timing, window
from irqlab.runner import Run
from irqlab.scenario import Button, Led, Press, Scenario

PRESS = Reply(r"PRESS", name="PRESS", noun="press")
LED = 2
LONG_HOLD_US = 1_200_000  # any poll interval up to 1 s sees a press this long
LATENCY_US = 60_000
HEARTBEAT_US = 500_000
HEARTBEAT_SLACK_US = 50_000

PRESSES = Scenario(
    name="lab 1: six presses",
    world=(Button(pin=5), Led(pin=LED)),  # a doorbell module: it filters its own bounce
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
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(PRESSES))


@pytest.mark.task(1)
@requires(test_runs)
def test_one_press_one_line(bench):
    """each press prints PRESS once: nothing while released, nothing more while held"""
    replies = PRESS.match(bench.run(PRESSES))
    expect_nothing_before_first(replies, why="the button was released", margin_us=200_000)
    # A short press with no line is task 2's (a loop too slow); a long hold must get one.
    expect_one_each(replies, missing=lambda a: a.held_us >= LONG_HOLD_US)


@pytest.mark.task(2)
@requires(test_runs)
def test_every_press_within_60_ms(bench):
    """every press gets its PRESS within 60 ms, even 80 ms presses 250 ms apart"""
    expect_on_time(PRESS.match(bench.run(PRESSES)), LATENCY_US)


@pytest.mark.task(3)
@requires(test_runs)
def test_heartbeat_every_500_ms(bench):
    """the LED toggles every 500 ms ± 50 ms, from start to end"""
    expect_steady_toggles(bench.run(PRESSES), LED, HEARTBEAT_US, HEARTBEAT_SLACK_US)


# -- the page's figures: the three short presses, as three programs answer them ---------------


def _short_presses(runs: LabRuns, program: str) -> tuple[Run, tuple[int, int], list[Answer]]:
    """The run, the stretch of the three short presses, and every press's answer."""
    result = runs.run(program, PRESSES)
    short = [e for e in result.compiled.episodes if e.end_us - e.start_us < 100_000]
    span = window(short[0].start_us - 100_000, short[-1].end_us + 100_000, 100_000)
    return result, span, list(PRESS.match(result).answers)


def _inside(got: list[Answer], span: tuple[int, int]) -> list[Answer]:
    return [a for a in got if span[0] <= a.start_us < span[1]]


def _missed(got: list[Answer]) -> str:
    return f"{sum(1 for a in got if not a.lines)} of {len(got)}"


def starter_figure(runs: LabRuns) -> Figure:
    result, span, got = _short_presses(runs, "starter")
    shown = _inside(got, span)
    longest = max(got, key=lambda a: a.held_us)
    numbers = {
        "shown": plural(sum(len(a.lines) for a in shown), "PRESS line"),
        "missed": _missed(got),
        "hold_lines": plural(len(longest.lines), "PRESS line"),
    }
    claim(numbers["shown"] == "no PRESS line", "the short presses fall between two reads")
    caption = (
        f"The starter (time.sleep(1)) from {sec(span[0])} to {sec(span[1])} of the checks' "
        f"scenario: {numbers['shown']} for {len(shown)} presses."
    )
    return Figure("lab1-starter", timing(result, span), caption, numbers)


def every_100ms_figure(runs: LabRuns) -> Figure:
    result, span, got = _short_presses(runs, "bad/polls_every_100_ms")
    seen = [a for a in _inside(got, span) if a.lines]
    longest = max(got, key=lambda a: a.held_us)
    numbers = {
        "seen": f"{len(seen)} of the {len(_inside(got, span))}",
        "late": " and ".join(ms(a.delay_us or 0) for a in seen) or "never",
        "missed": _missed(got),
        "hold_late": ms(longest.delay_us) if longest.delay_us is not None else "never",
    }
    claim(numbers["seen"].startswith("1 of"), "a 100 ms loop sees only the middle press")
    caption = (
        f"A loop that sleeps 100 ms, same stretch: it answers {numbers['seen']} presses, "
        f"{numbers['late']} late."
    )
    return Figure("lab1-every-100ms", timing(result, span), caption, numbers)


def solution_figure(runs: LabRuns) -> Figure:
    result, span, got = _short_presses(runs, "solution")
    delays = [a.delay_us for a in got if a.delay_us is not None]
    flips = result.trace.toggles(LED, initial=0)
    numbers = {
        "delays": ms_span(delays),
        "median": ms(statistics.median(delays)),
        "missed": _missed(got),
        "heartbeat": ms_span([b - a for a, b in itertools.pairwise(flips)]),
    }
    claim(numbers["missed"] == f"0 of {len(got)}", "the solution misses no press")
    shown = [a.delay_us or 0 for a in _inside(got, span)]
    caption = (
        f"The solution (sleep_ms(10), heartbeat from the clock), same stretch: one PRESS per "
        f"press, {ms_span(shown)} after it starts."
    )
    return Figure("lab1-solution", timing(result, span), caption, numbers)


FIGURES = {
    "lab1-starter": starter_figure,
    "lab1-every-100ms": every_100ms_figure,
    "lab1-solution": solution_figure,
}
