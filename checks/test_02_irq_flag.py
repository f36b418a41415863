"""Lab 2, the interrupt flag: the checks, and the figures of the lab's page.

APPROACHES: nine approaches over 11 s, 770 ms apart (start to start): 20 ms ones (shorter
than slow_job(), so only an interrupt sees them), an 80 ms, a 0.5 s and a 3 s one, after a
quiet first second. PAIRS: three pairs of 20 ms approaches 60 ms apart, at phases that put
at least two pairs inside one slow_job() whatever the program's rhythm.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from irqlab.checks import (
    Answer,
    Replies,
    Reply,
    around,
    expect_irq,
    expect_no_allocation,
    expect_nothing_before_first,
    expect_on_time,
    expect_one_each,
    expect_quiet_handlers,
    expect_short_handlers,
    fail,
    fail_if_broken,
    moments,
    msec,
    plural,
    requires,
    sec,
)
from irqlab.pagefigures import (
    Figure,
    LabRuns,
    claim,
    handler_lags,
    handler_lengths,
    ms,
    ms_span,
    timing,
    us_span,
    window,
)
from irqlab.runner import Run
from irqlab.scenario import Led, Press, Scenario, Sensor

ALERT = Reply(r"Alert!!!", name="Alert!!!", noun="approach")
SENSOR, LED = 5, 2
IRQ_RISING = 1  # the same value on the ESP32 and the ESP8266
HANDLER_LIMIT_US = 500
LATENCY_US = 400_000
PAIR_GAP_US = 200_000  # approaches closer than this form a pair
CATCH_UP_HINT = (
    "Catch up on everything the handler counted after each slow_job(): while alerted != "
    "approaches prints a line for each approach, where an if prints one per pass."
)

APPROACHES = Scenario(
    name="lab 2: nine approaches",
    world=(Sensor(pin=SENSOR, idle=0), Led(pin=LED)),
    # 770 ms apart (start to start): their phases against a 300 or 600 ms loop are spread
    # out, so a loop that catches up too rarely is late for at least one of them.
    timeline=(
        Press(at=1.043, hold=0.02),
        Press(at=1.813, hold=0.02),
        Press(at=2.583, hold=3.0),
        Press(at=6.353, hold=0.5),
        Press(at=7.123, hold=0.02),
        Press(at=7.893, hold=0.08),
        Press(at=8.663, hold=0.02),
        Press(at=9.433, hold=0.02),
        Press(at=10.203, hold=0.02),
    ),
    seconds=11,
    seed=202,
)
PAIRS = Scenario(
    name="lab 2: three pairs",
    world=(Sensor(pin=SENSOR, idle=0), Led(pin=LED)),
    timeline=(
        Press(at=1.021, hold=0.02),
        Press(at=1.081, hold=0.02),
        Press(at=2.137, hold=0.02),
        Press(at=2.197, hold=0.02),
        Press(at=3.253, hold=0.02),
        Press(at=3.313, hold=0.02),
    ),
    seconds=4.5,
    seed=203,
)
DEMO = APPROACHES


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(APPROACHES), noun="approach")


@pytest.mark.task(1)
@requires(test_runs)
def test_irq_on_rising_edge(bench):
    """an IRQ on GPIO5 calls a handler on each rising edge"""
    expect_irq(bench.run(APPROACHES), SENSOR, IRQ_RISING, "Pin.IRQ_RISING")


@pytest.mark.task(1)
@requires(test_irq_on_rising_edge)
def test_handler_does_not_print_or_sleep(bench):
    """the handler only records: it does not print or sleep"""
    expect_quiet_handlers(bench.run(APPROACHES))


@pytest.mark.task(1)
@requires(test_handler_does_not_print_or_sleep)
def test_handler_allocates_nothing(bench):
    """the handler allocates nothing (run with the heap locked, as a hard IRQ's is)"""
    expect_no_allocation(bench.run(APPROACHES, strict_isr=True))


@pytest.mark.task(1)
@requires(test_irq_on_rising_edge)
def test_handler_returns_within_half_a_ms(bench):
    """the handler returns within 0.5 ms"""
    expect_short_handlers(bench.run(APPROACHES), HANDLER_LIMIT_US)


@pytest.mark.task(2)
@requires(test_runs)
def test_one_alert_per_approach(bench, lab):
    """each approach gives one Alert!!!, a 3 s approach too, and no approach gives none"""
    replies = ALERT.match(bench.run(APPROACHES))
    expect_nothing_before_first(replies, why="nothing had come near the sensor")
    expect_one_each(replies, missing=False, hint=lab.hint(2, 1))  # the hint about two alerts
    expect_one_each(replies)


@pytest.mark.task(2)
@requires(test_runs)
def test_alert_within_400_ms(bench):
    """every approach gets its Alert!!! within 400 ms, even a 20 ms one during slow_job()
    and two during one"""
    expect_on_time(ALERT.match(bench.run(APPROACHES)), LATENCY_US)
    # In a pair, the nth line answers the nth approach; a line missing is task 3's.
    replies = ALERT.match(bench.run(PAIRS))
    paired = []
    for first, second in _pairs(replies):
        got = (*first.lines, *second.lines)
        paired += [replace(first, lines=got[:1]), replace(second, lines=got[1:2])]
    expect_on_time(
        replace(replies, answers=tuple(paired)),
        LATENCY_US,
        missing=False,
        note=_in_pair,
        hint=CATCH_UP_HINT,
    )


@pytest.mark.task(3)
@requires(test_runs)
def test_two_approaches_in_one_slow_job_give_two_alerts(bench):
    """two approaches during the same slow_job() give two Alert!!! lines"""
    replies = ALERT.match(bench.run(PAIRS))
    jobs = [t for t, _ in replies.run.trace.writes(LED)]  # slow_job() toggles the LED first
    for first, second in _pairs(replies):
        got = [ln.t_us for ln in (*first.lines, *second.lines)]
        if len(got) != 2:
            one_job = not any(first.start_us < t <= second.start_us for t in jobs)
            fail(
                f"the approaches at {sec(first.start_us)} and {sec(second.start_us)} "
                f"({msec(second.start_us - first.start_us)} apart"
                + (", during one slow_job()" if one_job else "")
                + f") gave {plural(len(got), 'Alert!!! line')}"
                + (f", at {moments(got)}" if got else "")
                + "; expected two",
                expected="2 Alert!!! lines",
                seen=plural(len(got), "line"),
                at_us=first.start_us,
                window=around(first.start_us, replies.run, 350_000, 650_000),
                run=replies.run,
            )


def _in_pair(a: Answer) -> str:
    return ", one of two approaches 60 ms apart"


def _pairs(replies: Replies) -> list[tuple[Answer, Answer]]:
    """The approaches of PAIRS two by two: each answer's window ends where the next begins,
    so a pair's two windows hold every line printed for it."""
    found = list(replies.answers)
    pairs = list(zip(found[::2], found[1::2], strict=True))
    assert all(b.start_us - a.start_us < PAIR_GAP_US for a, b in pairs), "PAIRS holds pairs"
    return pairs


# -- the page's figures: one approach during slow_job(), and the pairs -------------------------


def _approach(runs: LabRuns, program: str) -> tuple[Run, tuple[int, int], list[Answer]]:
    """The run of the nine approaches, the stretch around the first one, all answers."""
    result = runs.run(program, APPROACHES)
    first = result.compiled.episodes[0]
    span = window(first.start_us - 100_000, first.start_us + LATENCY_US, 100_000)
    return result, span, list(ALERT.match(result).answers)


def approach_figure(runs: LabRuns) -> Figure:
    result, span, got = _approach(runs, "solution")
    numbers = {
        "lag": us_span(handler_lags(result, SENSOR)),
        "length": us_span(handler_lengths(result)),
        "delays": ms_span([a.delay_us for a in got if a.delay_us is not None]),
        "approaches": str(len(got)),
        "delay": ms(got[0].delay_us or 0),
    }
    caption = (
        f"The solution: a {ms(got[0].held_us)} approach at {sec(got[0].start_us)} during "
        f"slow_job(). The handler counts it at once; Alert!!! follows {numbers['delay']} "
        "later, when slow_job() returns."
    )
    return Figure("lab2-approach", timing(result, span), caption, numbers)


def polling_figure(runs: LabRuns) -> Figure:
    result, span, got = _approach(runs, "bad/polls_after_slow_job")
    missed = sum(1 for a in got if not a.lines)
    numbers = {"said": plural(len(got[0].lines), "line"), "missed": f"{missed} of the {len(got)}"}
    claim(numbers["said"] == "no line", "polling after slow_job() misses the first approach")
    caption = (
        f"Polling after slow_job(), the same approach: {numbers['said']}. The sensor is low "
        "again by the time the loop looks."
    )
    return Figure("lab2-polling", timing(result, span), caption, numbers)


def _alerts_per_pair(result: Run) -> list[int]:
    return [len(a.lines) + len(b.lines) for a, b in _pairs(ALERT.match(result))]


def _pairs_figure(runs: LabRuns, name: str, program: str, what: str, alerts: int) -> Figure:
    """The first pair a flag merges into one alert (both inside one slow_job()), as
    `program` answers it."""
    result = runs.run(program, PAIRS)
    flag = _alerts_per_pair(runs.run("bad/flag_not_count", PAIRS))
    chosen = next((i for i, n in enumerate(flag) if n < 2), 0)
    first, second = _pairs(ALERT.match(result))[chosen]
    per_pair = _alerts_per_pair(result)
    span = window(first.start_us - 100_000, second.start_us + LATENCY_US, 100_000)
    numbers = {
        "alerts": plural(per_pair[chosen], "alert"),
        "total": f"{plural(sum(per_pair), 'alert')} for {len(result.compiled.episodes)} approaches",
    }
    claim(numbers["alerts"] == plural(alerts, "alert"), f"{what} gives {plural(alerts, 'alert')}")
    caption = (
        f"{what}: two {ms(first.held_us)} approaches "
        f"{ms(second.start_us - first.start_us)} apart during one slow_job() give "
        f"{numbers['alerts']}; all three pairs give {numbers['total']}."
    )
    return Figure(name, timing(result, span), caption, numbers)


def flag_pairs_figure(runs: LabRuns) -> Figure:
    return _pairs_figure(runs, "lab2-flag-pairs", "bad/flag_not_count", "A flag", 1)


def count_pairs_figure(runs: LabRuns) -> Figure:
    return _pairs_figure(runs, "lab2-count-pairs", "solution", "A count (the solution)", 2)


FIGURES = {
    "lab2-approach": approach_figure,
    "lab2-polling": polling_figure,
    "lab2-flag-pairs": flag_pairs_figure,
    "lab2-count-pairs": count_pairs_figure,
}
