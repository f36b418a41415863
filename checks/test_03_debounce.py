"""Lab 3, debouncing: the checks, and the figures of the lab's page.

Every press bounces: 2 to 15 extra transitions over 0.3 to 8 ms, drawn from the seed.
PRESSES: eleven presses whose contacts bounce only when pressed, held and released at least
100 ms, with a pair 150 ms apart (start to start). RELEASES: presses held 0.3 to 2 s whose
releases bounce too, and 1 ms glitches on the idle line. WRAP: ticks_ms() starts 5 s before
it wraps at 2**30, with a press 12 ms before the wrap, so its settling straddles it; only
presses bounce there, so a release bug is task 2's alone.
"""

from __future__ import annotations

import re

import pytest

from irqlab.checks import (
    Answer,
    Replies,
    Reply,
    expect_no_allocation,
    expect_nothing_before_first,
    expect_on_time,
    expect_one_each,
    expect_quiet_handlers,
    expect_silent,
    fail,
    fail_if_broken,
    msec,
    plural,
    requires,
    sec,
)
from irqlab.pagefigures import (
    Figure,
    LabRuns,
    claim,
    count_span,
    edges_between,
    listing,
    ms,
    ms_span,
    timing,
    window,
)
from irqlab.runner import Run
from irqlab.scenario import Bounce, Button, Glitch, Led, Press, Scenario

PRESS = Reply(r"PRESS \d+", name="PRESS", noun="press")
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
    world=(Button(pin=BUTTON, bounce=Bounce(on_release=False)), Led(pin=LED)),
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
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(PRESSES))


@pytest.mark.task(1)
@requires(test_runs)
def test_handler_does_not_print_or_sleep(bench):
    """a handler, if the program sets one, does not print or sleep"""
    expect_quiet_handlers(bench.run(PRESSES))


@pytest.mark.task(1)
@requires(test_handler_does_not_print_or_sleep)
def test_handler_allocates_nothing(bench):
    """a handler, if the program sets one, allocates nothing (run with the heap locked)"""
    expect_no_allocation(bench.run(PRESSES, strict_isr=True))


@pytest.mark.task(1)
@requires(test_runs)
def test_counts_each_press_once(bench):
    """each press prints PRESS n once, n counting 1, 2, 3 …, even two presses 150 ms apart"""
    _expect_counted(PRESS.match(bench.run(PRESSES)))


@pytest.mark.task(1)
@requires(test_runs)
def test_press_within_60_ms(bench):
    """each PRESS n comes within 60 ms of the press's first edge"""
    # A press with no line at all is counted by test_counts_each_press_once.
    expect_on_time(PRESS.match(bench.run(PRESSES)), LATENCY_US, missing=False, note=_settled)


@pytest.mark.task(2)
@requires(test_runs)
def test_bouncing_release_does_not_count(bench):
    """a press held 0.3 to 2 s whose release bounces counts once"""
    _expect_one_line_per_press(PRESS.match(bench.run(RELEASES)))


@pytest.mark.task(2)
@requires(test_runs)
def test_glitch_is_not_a_press(bench, lab):
    """a 1 ms low glitch on the idle line is not a press"""
    glitches = PRESS.match(bench.run(RELEASES), kinds=("glitch",))
    why = "nobody pressed the button, and a press lasts far longer"
    expect_silent(glitches, why=why, hint=lab.hint(2, 1))  # the hint about glitches


@pytest.mark.task(3)
@requires(test_runs)
def test_counts_survive_ticks_wrap(bench):
    """with ticks_ms() wrapping from 2**30 - 1 to 0 during the run, every press counts once"""
    # Only the count: the numbers are task 1's, and the releases do not bounce (task 2's).
    _expect_one_line_per_press(PRESS.match(bench.run(WRAP)), wrap_us=WRAP_AFTER_MS * 1000)


# -- what this lab says about a press ------------------------------------------------------


def _expect_counted(replies: Replies, wrap_us: int | None = None) -> None:
    """One PRESS n per press, and n counting the presses 1, 2, 3 …"""
    _expect_one_line_per_press(replies, wrap_us)
    _expect_numbered(replies, wrap_us)


def _expect_one_line_per_press(replies: Replies, wrap_us: int | None = None) -> None:
    expect_nothing_before_first(replies, margin_us=100_000)
    expect_one_each(replies, note=lambda a: _bounces(replies.run, a) + _wrap(a.start_us, wrap_us))


def _expect_numbered(replies: Replies, wrap_us: int | None) -> None:
    numbers = [int(re.findall(r"\d+", ln.text)[0]) for ln in replies.lines]
    for i, (n, ln) in enumerate(zip(numbers, replies.lines, strict=True), start=1):
        if n != i:
            fail(
                f"line {i} of the PRESS lines, at {sec(ln.t_us)}, reads {ln.text}: n must "
                f"count the presses 1, 2, 3 … (seen: {', '.join(map(str, numbers[:8]))})"
                + _wrap(ln.t_us, wrap_us),
                expected=f"PRESS {i}",
                seen=ln.text,
                at_us=ln.t_us,
                run=replies.run,
            )


def _bounces(run: Run, a: Answer) -> str:
    """Which bounces made a press print more than once."""
    e = a.episode
    causes = []
    if any(ln.t_us < e.end_us for ln in a.lines[1:]):
        causes.append(
            f"its contacts made {_edges(run, a.start_us, e.settled_us)} edges as it closed"
        )
    if len(a.lines) > 1 and any(ln.t_us >= e.end_us for ln in a.lines):
        edges = _edges(run, e.end_us, e.released_us)
        causes.append(f"its release at {sec(e.end_us)} made {edges} edges")
    return ": " + " and ".join(causes) if causes else ""


def _edges(run: Run, a_us: int, b_us: int) -> int:
    return sum(1 for t, _ in run.trace.edges(BUTTON) if a_us <= t <= b_us)


def _settled(a: Answer) -> str:
    return f" (the contacts settled {msec(a.episode.settled_us - a.start_us)} after it)"


def _wrap(t_us: int, wrap_us: int | None) -> str:
    """Say that ticks_ms() wrapped, when a failure comes close to or after the wrap."""
    if wrap_us is None or t_us < wrap_us - NEAR_WRAP_US:
        return ""
    return f" (ticks_ms() wrapped from 2**30 - 1 to 0 at {sec(wrap_us)})"


# -- the page's figures: the first press of RELEASES, as three programs count it --------------


def _first_press(runs: LabRuns, program: str) -> tuple[Run, tuple[int, int], Answer]:
    """The run with bouncing releases, the stretch of its first press, and that press."""
    result = runs.run(program, RELEASES)
    press = PRESS.match(result).answers[0]
    e = press.episode
    return result, window(e.start_us - 50_000, e.released_us + 50_000, 50_000), press


def _press_numbers(press: Answer) -> dict[str, str]:
    return {
        "lines": plural(len(press.lines), "line"),
        "printed": listing([ln.text for ln in press.lines]),
    }


def starter_figure(runs: LabRuns) -> Figure:
    result, span, press = _first_press(runs, "starter")
    e = press.episode
    numbers = _press_numbers(press) | {
        "closing": str(edges_between(result, BUTTON, e.start_us, e.settled_us)),
        "settle": ms(e.settled_us - e.start_us),
        "opening": str(edges_between(result, BUTTON, e.end_us, e.released_us)),
        "released_at": sec(e.end_us),
    }
    claim(len(press.lines) > 2, "the starter counts every falling edge of one press")
    caption = (
        f"The starter counts edges: one bouncing press at {sec(e.start_us)} prints "
        f"{numbers['lines']}."
    )
    bounce = (e.start_us - 500, e.settled_us + 1_500)  # the closing contacts, magnified
    caption += f" Below, the first {ms(bounce[1] - bounce[0])} of the press, magnified."
    diagram = timing(result, span, outputs=(), zoom=bounce)
    return Figure("lab3-starter", diagram, caption, numbers)


def lockout_figure(runs: LabRuns) -> Figure:
    result, span, press = _first_press(runs, "bad/lockout_only")
    numbers = _press_numbers(press)
    claim(numbers["lines"] == "2 lines", "a lockout counts the bouncing release again")
    caption = (
        f"A 50 ms lockout, the same press: {numbers['lines']}, because the release bounces "
        "long after the lockout ended."
    )
    return Figure("lab3-lockout", timing(result, span, outputs=()), caption, numbers)


def debounced_figure(runs: LabRuns) -> Figure:
    result, span, press = _first_press(runs, "solution")
    presses = [a for s in (PRESSES, RELEASES) for a in PRESS.match(runs.run("solution", s)).answers]
    glitches = PRESS.match(result, kinds=("glitch",)).answers
    starts = [r.start_us for r in result.trace.handler_runs()]
    runs_per_glitch = [
        sum(1 for s in starts if g.start_us <= s <= g.episode.released_us + 5_000) for g in glitches
    ]
    numbers = _press_numbers(press) | {
        "delay": ms(press.delay_us or 0),
        "delays": ms_span([a.delay_us for a in presses if a.delay_us is not None]),
        "presses": str(len(presses)),
        "glitches": str(len(glitches)),
        "glitch_runs": count_span(runs_per_glitch),
        "glitch_lines": plural(sum(len(g.lines) for g in glitches), "line"),
    }
    claim(numbers["lines"] == "1 line", "the solution counts the bouncing press once")
    claim(numbers["glitch_lines"] == "no line", "the solution counts no glitch")
    caption = (
        f"Still for 20 ms, then read the level: the same press prints {numbers['lines']}, "
        f"{numbers['delay']} after its first edge."
    )
    return Figure("lab3-debounced", timing(result, span, outputs=()), caption, numbers)


FIGURES = {
    "lab3-starter": starter_figure,
    "lab3-lockout": lockout_figure,
    "lab3-debounced": debounced_figure,
}
