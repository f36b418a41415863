"""Failures that phrase themselves about what the program drives: an output that must toggle
at a steady pace (a heartbeat)."""

from __future__ import annotations

import itertools

from irqlab.checks.failure import fail
from irqlab.checks.replies import around
from irqlab.checks.words import msec, msec_past, plural, sec
from irqlab.runner import Run


def expect_steady_toggles(
    run: Run, pin: int, period_us: int, slack_us: int, *, name: str = "LED"
) -> None:
    """Fail unless the output on `pin` toggles every `period_us` ± `slack_us` from the start
    of the scenario to its end (outputs start low)."""
    times = run.trace.toggles(pin, initial=0)
    end = run.scenario.duration_us
    lo, hi = period_us - slack_us, period_us + slack_us
    pace = f"{msec(lo)} to {msec(hi)}"
    if not times:
        fail(
            f"the {name} on GPIO{pin} never toggled in {sec(end)}",
            expected=f"a toggle every {msec(period_us)}",
            seen="no toggle",
            run=run,
            window=(0, min(end, 4 * period_us)),
        )
    for before, after in itertools.pairwise([0, *times, end]):
        gap = after - before
        inside = before != 0 and after != end  # the first and last stretch may be shorter
        if gap > hi or (gap < lo and inside):
            said = msec_past(gap, hi if gap > hi else lo)
            what = (
                f"the {name} toggled at {sec(after)}, {said} after the toggle at {sec(before)}"
                if inside
                else f"the {name} did not toggle between {sec(before)} and {sec(after)}"
            )
            fail(
                f"{what}; every interval must be {msec(period_us)} ± {msec(slack_us)} "
                f"({plural(len(times), 'toggle')} in {sec(end)})",
                expected=pace,
                seen=said,
                at_us=after if after < end else before,
                window=around(before, run, 300_000, gap + 300_000),
                run=run,
            )
