"""The lab pages' figures: timing diagrams of the labs' own programs (starter, solution,
known-bad variants) under the scenarios their checks use, with the numbers the pages quote.

    {{ irqlab_figure("lab1-solution") }}
    the 10 ms loop answers each press {{ irqlab_number("lab1-solution", "delays") }} after it

Each figure takes the build's LabRuns, so a run that several figures show is made once.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Sequence

from irqlab.diagram import render_svg
from irqlab.labkit import Answer, answers, plural, sec
from irqlab.runner import Run
from irqlab.scenario import Episode
from irqlab.site.figures import Figure, inline_svg
from irqlab.site.lab_runs import (
    LabRuns,
    edges_between,
    handler_lags,
    handler_lengths,
    window,
)

INPUT, LED = 5, 2
LAB1, LAB2, LAB3 = "01-polling", "02-irq-flag", "03-debounce"


# -- words ------------------------------------------------------------------------------------


def ms(d_us: float) -> str:
    return f"{d_us / 1000:.0f} ms" if d_us >= 10_000 else f"{d_us / 1000:.1f} ms"


def ms_span(values_us: Sequence[float]) -> str:
    """'1.1 to 8.6 ms', or one value when they are all the same."""
    low, high = ms(min(values_us)), ms(max(values_us))
    return low if low == high else f"{low.removesuffix(' ms')} to {high}"


def us_span(values_us: Sequence[int]) -> str:
    low, high = min(values_us), max(values_us)
    return f"{low} µs" if low == high else f"{low} to {high} µs"


def count_span(values: Sequence[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low} to {high}"


def listing(words: Sequence[str]) -> str:
    """'`A`, `B` and `C`'."""
    quoted = [f"`{w}`" for w in words]
    if len(quoted) < 2:
        return "".join(quoted) or "nothing"
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def timing(result: Run, span: tuple[int, int], outputs: Sequence[int] = (LED,)) -> str:
    """The run's timing diagram over `span`, as the checks draw it."""
    svg = render_svg(
        result.trace,
        start_us=span[0],
        end_us=span[1],
        pins=[INPUT],
        outputs=outputs,
        idle=result.compiled.idle,
        episodes=result.compiled.episodes,
    )
    return inline_svg(svg)


def delays(got: Sequence[Answer]) -> list[int]:
    return [a.delay_us for a in got if a.delay_us is not None]


def missed(got: Sequence[Answer]) -> int:
    return sum(1 for a in got if not a.lines)


# -- lab 1: polling -------------------------------------------------------------------------


def _lab1(runs: LabRuns, program: str) -> tuple[Run, tuple[int, int], list[Answer], list[Answer]]:
    """The run, the stretch of the three short presses, all answers, the answers in it."""
    m = runs.checks(LAB1)
    result = runs.run(LAB1, program, "PRESSES")
    short = [e for e in result.compiled.episodes if e.end_us - e.start_us < 100_000]
    span = window(short[0].start_us - 100_000, short[-1].end_us + 100_000, 100_000)
    got = answers(result, result.trace.lines(m.PRESS))
    shown = [a for a in got if span[0] <= a.start_us < span[1]]
    return result, span, got, shown


def lab1_starter(runs: LabRuns) -> Figure:
    result, span, got, shown = _lab1(runs, "starter")
    longest = max(got, key=lambda a: a.held_us)
    numbers = {
        "shown": plural(sum(len(a.lines) for a in shown), "PRESS line"),
        "missed": f"{missed(got)} of {len(got)}",
        "hold_lines": plural(len(longest.lines), "PRESS line"),
    }
    caption = (
        f"The starter (time.sleep(1)) from {sec(span[0])} to {sec(span[1])} of the checks' "
        f"scenario: {numbers['shown']} for {len(shown)} presses."
    )
    return Figure("lab1-starter", timing(result, span), caption, numbers)


def lab1_every_100ms(runs: LabRuns) -> Figure:
    result, span, got, shown = _lab1(runs, "polls_every_100_ms")
    seen = [a for a in shown if a.lines]
    longest = max(got, key=lambda a: a.held_us)
    numbers = {
        "seen": f"{len(seen)} of the {len(shown)}",
        "late": " and ".join(ms(a.delay_us or 0) for a in seen) or "never",
        "missed": f"{missed(got)} of {len(got)}",
        "hold_late": ms(longest.delay_us) if longest.delay_us is not None else "never",
    }
    caption = (
        f"A loop that sleeps 100 ms, same stretch: it answers {numbers['seen']} presses, "
        f"{numbers['late']} late."
    )
    return Figure("lab1-every-100ms", timing(result, span), caption, numbers)


def lab1_solution(runs: LabRuns) -> Figure:
    result, span, got, shown = _lab1(runs, "solution")
    flips = result.trace.toggles(LED, initial=0)
    intervals = [b - a for a, b in itertools.pairwise(flips)]
    numbers = {
        "delays": ms_span(delays(got)),
        "median": ms(statistics.median(delays(got))),
        "missed": f"{missed(got)} of {len(got)}",
        "heartbeat": ms_span(intervals),
    }
    caption = (
        f"The solution (sleep_ms(10), heartbeat from the clock), same stretch: one PRESS per "
        f"press, {ms_span(delays(shown))} after it starts."
    )
    return Figure("lab1-solution", timing(result, span), caption, numbers)


# -- lab 2: the interrupt flag --------------------------------------------------------------


def _approach(runs: LabRuns, program: str) -> tuple[Run, tuple[int, int], list[Answer]]:
    """The run of the nine approaches, the stretch around the first one, all answers."""
    m = runs.checks(LAB2)
    result = runs.run(LAB2, program, "APPROACHES")
    first = result.compiled.episodes[0]
    span = window(first.start_us - 100_000, first.start_us + m.LATENCY_US, 100_000)
    return result, span, answers(result, result.trace.lines(m.ALERT))


def lab2_approach(runs: LabRuns) -> Figure:
    result, span, got = _approach(runs, "solution")
    numbers = {
        "lag": us_span(handler_lags(result, INPUT)),
        "length": us_span(handler_lengths(result)),
        "delays": ms_span(delays(got)),
        "approaches": str(len(got)),
        "delay": ms(got[0].delay_us or 0),
    }
    caption = (
        f"The solution: a {ms(got[0].held_us)} approach at {sec(got[0].start_us)} during "
        f"slow_job(). The handler counts it at once; Alert!!! follows {numbers['delay']} "
        "later, when slow_job() returns."
    )
    return Figure("lab2-approach", timing(result, span), caption, numbers)


def lab2_polling(runs: LabRuns) -> Figure:
    result, span, got = _approach(runs, "polls_after_slow_job")
    numbers = {
        "said": plural(len(got[0].lines), "line"),
        "missed": f"{missed(got)} of the {len(got)}",
    }
    caption = (
        f"Polling after slow_job(), the same approach: {numbers['said']}. The sensor is low "
        "again by the time the loop looks."
    )
    return Figure("lab2-polling", timing(result, span), caption, numbers)


def _pair(runs: LabRuns, program: str) -> tuple[Run, tuple[Episode, Episode], int, int]:
    """The pairs run, the first pair whose approaches fall inside one slow_job() (a flag
    gives them one alert), that pair's alerts and all the alerts."""
    m = runs.checks(LAB2)
    result = runs.run(LAB2, program, "PAIRS")
    flag = runs.run(LAB2, "flag_not_count", "PAIRS")
    merged = [i for i, n in enumerate(_alerts_per_pair(flag, m.ALERT)) if n < 2]
    chosen = merged[0] if merged else 0
    episodes = result.compiled.episodes
    first, second = episodes[2 * chosen], episodes[2 * chosen + 1]
    per_pair = _alerts_per_pair(result, m.ALERT)
    return result, (first, second), per_pair[chosen], sum(per_pair)


def _alerts_per_pair(result: Run, pattern: str) -> list[int]:
    got = answers(result, result.trace.lines(pattern))
    return [len(got[i].lines) + len(got[i + 1].lines) for i in range(0, len(got) - 1, 2)]


def _pairs_figure(runs: LabRuns, name: str, program: str, what: str) -> Figure:
    m = runs.checks(LAB2)
    result, (first, second), alerts, total = _pair(runs, program)
    span = window(first.start_us - 100_000, second.start_us + m.LATENCY_US, 100_000)
    approaches = len(result.compiled.episodes)
    numbers = {
        "alerts": plural(alerts, "alert"),
        "total": f"{plural(total, 'alert')} for {approaches} approaches",
    }
    caption = (
        f"{what}: two {ms(first.end_us - first.start_us)} approaches "
        f"{ms(second.start_us - first.start_us)} apart during one slow_job() give "
        f"{numbers['alerts']}; all three pairs give {numbers['total']}."
    )
    return Figure(name, timing(result, span), caption, numbers)


def lab2_flag_pairs(runs: LabRuns) -> Figure:
    return _pairs_figure(runs, "lab2-flag-pairs", "flag_not_count", "A flag")


def lab2_count_pairs(runs: LabRuns) -> Figure:
    return _pairs_figure(runs, "lab2-count-pairs", "solution", "A count (the solution)")


# -- lab 3: debouncing ----------------------------------------------------------------------


def _first_press(runs: LabRuns, program: str) -> tuple[Run, tuple[int, int], Answer]:
    """The run with bouncing releases, the stretch of its first press, and that press."""
    m = runs.checks(LAB3)
    result = runs.run(LAB3, program, "RELEASES")
    got = answers(result, result.trace.lines(m.PRESS))
    e = got[0].episode
    return result, window(e.start_us - 50_000, e.released_us + 50_000, 50_000), got[0]


def _press_numbers(press: Answer) -> dict[str, str]:
    return {
        "lines": plural(len(press.lines), "line"),
        "printed": listing([ln.text for ln in press.lines]),
    }


def lab3_starter(runs: LabRuns) -> Figure:
    result, span, press = _first_press(runs, "starter")
    e = press.episode
    numbers = _press_numbers(press) | {
        "closing": str(edges_between(result, INPUT, e.start_us, e.settled_us)),
        "settle": ms(e.settled_us - e.start_us),
        "opening": str(edges_between(result, INPUT, e.end_us, e.released_us)),
        "released_at": sec(e.end_us),
    }
    caption = (
        f"The starter counts edges: one bouncing press at {sec(e.start_us)} prints "
        f"{numbers['lines']}."
    )
    return Figure("lab3-starter", timing(result, span, outputs=()), caption, numbers)


def lab3_lockout(runs: LabRuns) -> Figure:
    result, span, press = _first_press(runs, "lockout_only")
    numbers = _press_numbers(press)
    caption = (
        f"A 50 ms lockout, the same press: {numbers['lines']}, because the release bounces "
        "long after the lockout ended."
    )
    return Figure("lab3-lockout", timing(result, span, outputs=()), caption, numbers)


def lab3_debounced(runs: LabRuns) -> Figure:
    m = runs.checks(LAB3)
    result, span, press = _first_press(runs, "solution")
    everything = [runs.run(LAB3, "solution", name) for name in ("PRESSES", "RELEASES")]
    presses = [a for r in everything for a in answers(r, r.trace.lines(m.PRESS))]
    glitches = answers(result, result.trace.lines(m.PRESS), kinds=("glitch",))
    starts = [r.start_us for r in result.trace.handler_runs()]
    runs_per_glitch = [
        sum(1 for s in starts if g.start_us <= s <= g.episode.released_us + 5_000) for g in glitches
    ]
    numbers = _press_numbers(press) | {
        "delay": ms(press.delay_us or 0),
        "delays": ms_span(delays(presses)),
        "presses": str(len(presses)),
        "glitches": str(len(glitches)),
        "glitch_runs": count_span(runs_per_glitch),
        "glitch_lines": plural(sum(len(g.lines) for g in glitches), "line"),
    }
    caption = (
        f"Still for 20 ms, then read the level: the same press prints {numbers['lines']}, "
        f"{numbers['delay']} after its first edge."
    )
    return Figure("lab3-debounced", timing(result, span, outputs=()), caption, numbers)


LAB_FIGURES: dict[str, Callable[[LabRuns], Figure]] = {
    "lab1-starter": lab1_starter,
    "lab1-every-100ms": lab1_every_100ms,
    "lab1-solution": lab1_solution,
    "lab2-approach": lab2_approach,
    "lab2-polling": lab2_polling,
    "lab2-flag-pairs": lab2_flag_pairs,
    "lab2-count-pairs": lab2_count_pairs,
    "lab3-starter": lab3_starter,
    "lab3-lockout": lab3_lockout,
    "lab3-debounced": lab3_debounced,
}
