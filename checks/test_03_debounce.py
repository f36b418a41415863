"""Lab 3, debouncing: the checks.

Every press bounces: 2 to 15 extra transitions over 0.3 to 8 ms, drawn from the seed.
PRESSES: eleven presses whose contacts bounce only when pressed, held and released at least
100 ms, with a pair 150 ms apart (start to start). RELEASES: presses held 0.3 to 2 s whose
releases bounce too, and 1 ms glitches on the idle line. WRAP: ticks_ms() starts 5 s before
it wraps at 2**30, with a press 12 ms before the wrap, so its settling straddles it.
"""

from __future__ import annotations

import re

import pytest

from irqlab.checks import fail, fail_if_broken, requires
from irqlab.labkit import (
    Answer,
    answers,
    around,
    moments,
    msec,
    plural,
    printed,
    require_irq,
    require_nothing_before_first,
    require_quiet_handlers,
    sec,
)
from irqlab.runner import Run
from irqlab.scenario import Bounce, Button, Glitch, Led, Press, Scenario

PRESS = r"PRESS \d+"
BUTTON, LED = 5, 2
LATENCY_US = 60_000
TICKS_PERIOD = 2**30
WRAP_AFTER_MS = 5000
NEAR_WRAP_US = 100_000  # a failure this close to the wrap (or after it) may be the wrap's

PRESSES = Scenario(
    name="lab 3: eleven bouncing presses",
    world=(Button(pin=BUTTON, bounce=Bounce(on_release=False)), Led(pin=LED)),
    timeline=(
        Press(at=0.811, hold=0.25),
        Press(at=1.5, hold=0.1),
        Press(at=1.65, hold=0.1),
        Press(at=2.4, hold=0.4),
        Press(at=3.3, hold=0.12),
        Press(at=3.6, hold=1.0),
        Press(at=5.0, hold=0.15),
        Press(at=5.35, hold=0.2),
        Press(at=6.1, hold=0.3),
        Press(at=6.7, hold=0.1),
        Press(at=7.2, hold=0.2),
    ),
    seconds=8,
    seed=303,
)
RELEASES = Scenario(
    name="lab 3: bouncing releases and glitches",
    world=(Button(pin=BUTTON, bounce=Bounce()), Led(pin=LED)),
    timeline=(
        Press(at=0.9, hold=0.3),
        Glitch(at=1.8, width_ms=1),
        Press(at=2.3, hold=1.2),
        Press(at=4.0, hold=0.45),
        Glitch(at=4.9, width_ms=1),
        Glitch(at=5.3, width_ms=1),
        Press(at=5.8, hold=2.0),
        Press(at=8.3, hold=0.6),
        Glitch(at=9.4, width_ms=1),
    ),
    seconds=10,
    seed=304,
)
WRAP = Scenario(
    name="lab 3: ticks_ms() wraps at 5 s",
    world=(Button(pin=BUTTON, bounce=Bounce()), Led(pin=LED)),
    timeline=(
        Press(at=0.7, hold=0.2),
        Press(at=2.1, hold=0.4),
        Press(at=3.5, hold=0.3),
        Press(at=4.5, hold=0.3),
        Press(at=WRAP_AFTER_MS / 1000 - 0.012, hold=0.2),
        Press(at=5.6, hold=0.3),
        Press(at=6.4, hold=0.25),
        Press(at=7.2, hold=0.3),
    ),
    seconds=8,
    seed=305,
    ticks_ms_start=TICKS_PERIOD - WRAP_AFTER_MS,
)
DEMO = RELEASES


@pytest.mark.task(1)
def test_runs(board):
    """the program runs without an error"""
    fail_if_broken(board.run(PRESSES))


@pytest.mark.task(1)
@requires("test_runs")
def test_irq_on_gpio5(board):
    """an IRQ on GPIO5 tells the program when the contacts move"""
    require_irq(board.run(PRESSES), BUTTON)


@pytest.mark.task(1)
@requires("test_irq_on_gpio5")
def test_handler_does_not_print_or_sleep(board):
    """the handler does not print or sleep"""
    require_quiet_handlers(board.run(PRESSES))


@pytest.mark.task(1)
@requires("test_runs")
def test_counts_each_press_once(board):
    """each press prints PRESS n once, n counting 1, 2, 3 …, even two presses 150 ms apart"""
    run = board.run(PRESSES)
    _require_one_line_per_press(run)
    _require_numbered(run)


@pytest.mark.task(1)
@requires("test_runs")
def test_press_within_60_ms(board):
    """each PRESS n comes within 60 ms of the press's first edge"""
    run = board.run(PRESSES)
    for a in answers(run, run.trace.lines(PRESS)):
        if a.delay_us is not None and a.delay_us > LATENCY_US:
            fail(
                f"{a.describe()} got {a.lines[0].text} {msec(a.delay_us)} after its first "
                f"edge, at {sec(a.lines[0].t_us)}; it must come within 60 ms (the contacts "
                f"settled {msec(a.episode.settled_us - a.start_us)} after the first edge)",
                expected="within 60 ms",
                seen=msec(a.delay_us),
                at_us=a.start_us,
                window=around(a.start_us, run, 30_000, a.delay_us + 50_000),
                run=run,
            )


@pytest.mark.task(2)
@requires("test_runs")
def test_bouncing_release_does_not_count(board):
    """a press held 0.3 to 2 s whose release bounces counts once"""
    _require_one_line_per_press(board.run(RELEASES))


@pytest.mark.task(2)
@requires("test_runs")
def test_glitch_is_not_a_press(board):
    """a 1 ms low glitch on the idle line is not a press"""
    run = board.run(RELEASES)
    for a in answers(run, run.trace.lines(PRESS), kinds=("glitch",)):
        if a.lines:
            fail(
                f"the 1 ms glitch at {sec(a.start_us)} printed "
                f"{', '.join(ln.text for ln in a.lines)} at {moments([ln.t_us for ln in a.lines])}"
                "; nobody pressed the button, and a press lasts far longer than 1 ms",
                expected="no PRESS line",
                seen=plural(len(a.lines), "PRESS line"),
                at_us=a.start_us,
                window=around(a.start_us, run, 30_000, 90_000),
                run=run,
            )


@pytest.mark.task(3)
@requires("test_runs")
def test_counts_survive_ticks_wrap(board):
    """with ticks_ms() wrapping from 2**30 - 1 to 0 during the run, every press counts once"""
    run = board.run(WRAP)
    _require_one_line_per_press(run, wrap_us=WRAP_AFTER_MS * 1000)
    _require_numbered(run, wrap_us=WRAP_AFTER_MS * 1000)


# -- shared ---------------------------------------------------------------------------------


def _wrap_note(t_us: int, wrap_us: int | None) -> str:
    """Say that ticks_ms() wrapped, when a failure comes close to or after the wrap."""
    if wrap_us is None or t_us < wrap_us - NEAR_WRAP_US:
        return ""
    return f" (ticks_ms() wrapped from 2**30 - 1 to 0 at {sec(wrap_us)})"


def _require_one_line_per_press(run: Run, wrap_us: int | None = None) -> None:
    lines = run.trace.lines(PRESS)
    require_nothing_before_first(
        run,
        lines,
        lambda early: (
            f"{early[0].text} was printed at {sec(early[0].t_us)}, before the first press"
        ),
        expected="no PRESS before a press",
        seen_word="PRESS line",
        margin_us=100_000,
    )
    for a in answers(run, lines):
        if len(a.lines) != 1:
            fail(
                _why(a, run, lines) + _wrap_note(a.start_us, wrap_us),
                expected="1 PRESS line",
                seen=plural(len(a.lines), "PRESS line"),
                at_us=a.lines[1].t_us if len(a.lines) > 1 else a.start_us,
                window=around(a.start_us, run, 30_000, a.held_us + 150_000),
                run=run,
            )


def _why(a: Answer, run: Run, lines: list) -> str:
    """What went wrong with one press, with the bounces that caused it."""
    press_edges = _edges(run, a.start_us, a.episode.settled_us)
    release_edges = _edges(run, a.episode.end_us, a.episode.released_us)
    if not a.lines:
        return f"{a.describe()} got no PRESS line; {printed(lines, 'PRESS')}"
    said = ", ".join(f"{ln.text} at {sec(ln.t_us)}" for ln in a.lines[:4])
    causes = []
    if any(ln.t_us < a.episode.end_us for ln in a.lines[1:]):
        causes.append(f"its contacts made {press_edges} edges as it closed")
    if any(ln.t_us >= a.episode.end_us for ln in a.lines):
        causes.append(f"its release at {sec(a.episode.end_us)} made {release_edges} edges")
    cause = ": " + " and ".join(causes) if causes else ""
    return f"{a.describe()} printed {plural(len(a.lines), 'PRESS line')} ({said}){cause}"


def _edges(run: Run, a_us: int, b_us: int) -> int:
    return sum(1 for t, _ in run.trace.edges(BUTTON) if a_us <= t <= b_us)


def _require_numbered(run: Run, wrap_us: int | None = None) -> None:
    lines = run.trace.lines(PRESS)
    numbers = [int(re.findall(r"\d+", ln.text)[0]) for ln in lines]
    for i, (n, ln) in enumerate(zip(numbers, lines, strict=True), start=1):
        if n != i:
            fail(
                f"line {i} of the PRESS lines, at {sec(ln.t_us)}, reads {ln.text}: n must "
                f"count the presses 1, 2, 3 … (seen: {', '.join(map(str, numbers[:8]))})"
                + _wrap_note(ln.t_us, wrap_us),
                expected=f"PRESS {i}",
                seen=ln.text,
                at_us=ln.t_us,
                run=run,
            )
