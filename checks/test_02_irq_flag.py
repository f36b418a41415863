"""Lab 2, the interrupt flag: the checks.

APPROACHES: nine approaches over 11 s, 770 ms apart (start to start): 20 ms ones (shorter
than slow_job(), so only an interrupt sees them), an 80 ms, a 0.5 s and a 3 s one, after a
quiet first second. PAIRS: three pairs of 20 ms approaches 60 ms apart, at phases that put
at least two pairs inside one slow_job() whatever the program's rhythm.
"""

from __future__ import annotations

import pytest

from irqlab.checks import fail, fail_if_broken, requires
from irqlab.labkit import (
    answers,
    around,
    moments,
    msec,
    plural,
    printed,
    require_irq,
    require_nothing_before_first,
    require_quiet_handlers,
    require_short_handlers,
    sec,
)
from irqlab.scenario import Led, Press, Scenario, Sensor

ALERT = r"Alert!!!"
SENSOR, LED = 5, 2
IRQ_RISING = 1  # the same value on the ESP32 and the ESP8266
HANDLER_LIMIT_US = 500
LATENCY_US = 400_000
PAIR_GAP_US = 200_000  # approaches closer than this form a pair

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
def test_runs(board):
    """the program runs without an error"""
    fail_if_broken(board.run(APPROACHES))


@pytest.mark.task(1)
@requires("test_runs")
def test_irq_on_rising_edge(board):
    """an IRQ on GPIO5 calls a handler on each rising edge"""
    require_irq(board.run(APPROACHES), SENSOR, IRQ_RISING, "Pin.IRQ_RISING")


@pytest.mark.task(1)
@requires("test_irq_on_rising_edge")
def test_handler_does_not_print_or_sleep(board):
    """the handler only records: it does not print or sleep"""
    require_quiet_handlers(board.run(APPROACHES))


@pytest.mark.task(1)
@requires("test_irq_on_rising_edge")
def test_handler_returns_within_half_a_ms(board):
    """the handler returns within 0.5 ms"""
    require_short_handlers(board.run(APPROACHES), HANDLER_LIMIT_US)


@pytest.mark.task(2)
@requires("test_runs")
def test_one_alert_per_approach(board):
    """each approach gives one Alert!!!, a 3 s approach too, and no approach gives none"""
    run = board.run(APPROACHES)
    lines = run.trace.lines(ALERT)
    require_nothing_before_first(
        run,
        lines,
        lambda early: (
            f"Alert!!! was printed at {moments([ln.t_us for ln in early])}, before "
            "anything came near the sensor"
        ),
        expected="no Alert!!! without an approach",
        seen_word="line",
    )
    for a in answers(run, lines):
        if len(a.lines) != 1:
            seen = [ln.t_us for ln in a.lines]
            fail(
                f"{a.describe('approach')} gave {plural(len(seen), 'Alert!!! line')}"
                + (f", at {moments(seen)}" if seen else "")
                + "; expected one",
                expected="1 Alert!!!",
                seen=plural(len(seen), "line"),
                at_us=seen[1] if len(seen) > 1 else a.start_us,
                window=a.window,
                run=run,
            )


@pytest.mark.task(2)
@requires("test_runs")
def test_alert_within_400_ms(board):
    """every approach, even a 20 ms one during slow_job(), gets its Alert!!! within 400 ms"""
    run = board.run(APPROACHES)
    lines = run.trace.lines(ALERT)
    all_answers = answers(run, lines)
    late = [a for a in all_answers if a.delay_us is None or a.delay_us > LATENCY_US]
    if not late:
        return
    a = late[0]
    summary = f"{len(all_answers) - len(late)} of {len(all_answers)} approaches were on time"
    seen = "no Alert!!!" if a.delay_us is None else f"after {msec(a.delay_us)}"
    fail(
        f"{a.describe('approach')} got {seen}; {printed(lines, 'Alert!!!')} ({summary})",
        expected="Alert!!! within 400 ms",
        seen=seen,
        at_us=a.start_us,
        window=around(a.start_us, run, 350_000, 650_000),
        run=run,
    )


@pytest.mark.task(3)
@requires("test_runs")
def test_two_approaches_in_one_slow_job_give_two_alerts(board):
    """two approaches during the same slow_job() give two Alert!!! lines"""
    run = board.run(PAIRS)
    lines = run.trace.lines(ALERT)
    jobs = [t for t, _ in run.trace.writes(LED)]  # slow_job() toggles the LED as it starts
    for first, second, window in _pairs(run):
        got = [ln.t_us for ln in lines if window[0] <= ln.t_us < window[1]]
        if len(got) != 2:
            one_job = not any(first < t <= second for t in jobs)
            fail(
                f"the approaches at {sec(first)} and {sec(second)} "
                f"({msec(second - first)} apart"
                + (", during one slow_job()" if one_job else "")
                + f") gave {plural(len(got), 'Alert!!! line')}"
                + (f", at {moments(got)}" if got else "")
                + "; expected two",
                expected="2 Alert!!! lines",
                seen=plural(len(got), "line"),
                at_us=first,
                window=around(first, run, 350_000, 650_000),
                run=run,
            )


def _pairs(run):
    """(first start, second start, window) of each pair of approaches in the scenario."""
    starts = sorted(e.start_us for e in run.compiled.episodes)
    end = max(run.trace.end_us, run.scenario.duration_us)
    firsts = [i for i in range(0, len(starts) - 1, 2)]
    out = []
    for n, i in enumerate(firsts):
        a, b = starts[i], starts[i + 1]
        assert b - a < PAIR_GAP_US, "PAIRS must hold pairs of close approaches"
        close = starts[firsts[n + 1]] if n + 1 < len(firsts) else end
        out.append((a, b, (a, close)))
    return out
