"""Lab 6, interrupt storms and starvation: the checks, and the figures of the lab's page.

A flow meter on GPIO5 sends one pulse per 2.2 ml: 7.5 pulses a second per L/min, up to
450 Hz. STEADY: 5.3 s of clean flow at 40, 450, 200 and 450 Hz; the program's 5 s log falls
in the last stretch at 450 Hz. BRIEF: 0.3 s at 450 Hz, run with the heap locked in handlers.
STORM: 2.2 s of flow at 120 Hz, with 50 ms of 30 kHz chatter from a loose wire at 0.96 s
(5 us spikes, 1,500 of them), across a heartbeat and a FLOW; the flow's own pulses are lost
under it, and the second FLOW shows whether the count came back. GUSTS: 0.8 s of flow at
120 Hz with five 12 ms bursts of the same chatter, 100 ms apart, each across a tick of the
heartbeat (a Timer started at boot ticks at 0.1 s, 0.2 s, ...) 4 to 9 ms into it, when a
queue that nothing empties is full: the heartbeat's verdict, sampled five times. The LED on
GPIO2 is the heartbeat.
"""

from __future__ import annotations

import bisect
import itertools
import re

import pytest

from irqlab.checks import (
    expect_steady_toggles,
    fail,
    fail_if_broken,
    msec,
    plural,
    requires,
    sec,
)
from irqlab.checks.replies import around
from irqlab.diagram import render_svg
from irqlab.diagram.lanes import INPUT_PIN
from irqlab.pagefigures import Figure, LabRuns, claim, inline_svg, ms, window
from irqlab.runner import Run
from irqlab.scenario import Episode, Led, Scenario, SquareWave, Wave
from irqlab.trace import PrintedLine

FLOW_PIN, LED = 5, 2
CHATTER_HZ = 30_000
SPIKE_DUTY = 0.15  # 5 us spikes: shorter than a Counter's 12.8 us glitch filter can take
SLOWEST_FLOW_NS = 1_000_000  # a wave with a shorter period is chatter, not flow (< 1 kHz)
SECOND_US, SLACK_US = 1_000_000, 50_000
BEAT_US, BEAT_SLACK_US = 100_000, 10_000
NOISE_US = 20_000
HANDLER_LAG_US = 2_000
FLOW = re.compile(r"FLOW (\d+)")
NOISE = re.compile(r"NOISE")
LOG = re.compile(r"LOG")
LOG_ROWS = 5


def _pulses(hz: float, start: float, stop: float, duty: float = 0.5) -> SquareWave:
    """Whole pulses of `hz` from `start`, each ended before `stop` (the next wave's start)."""
    n = int((stop - start) * hz)
    return SquareWave(pin=FLOW_PIN, hz=hz, start=start, stop=start + (n - 0.5) / hz, duty=duty)


def _flow(rates: list[tuple[float, float]], bursts: tuple[tuple[float, float], ...] = ()) -> tuple:
    """Flow at each (hz, until) in turn; chatter replaces it during each (start, length)."""
    waves, t = [], 0.0
    cuts = sorted([(b, b + length) for b, length in bursts])
    for hz, until in rates:
        for b, e in [c for c in cuts if t <= c[0] < until]:
            waves += [_pulses(hz, t, b), _pulses(CHATTER_HZ, b, e, SPIKE_DUTY)]
            t = e
        waves.append(_pulses(hz, t, until))
        t = until
    return (*waves, Led(pin=LED))


STEADY = Scenario(
    name="lab 6: clean flow at 40 to 450 Hz",
    world=_flow([(40, 1.2), (450, 2.4), (200, 3.6), (450, 5.3)]),
    seconds=5.3,
    seed=601,
)
STORM = Scenario(
    name="lab 6: flow at 120 Hz, 50 ms of 30 kHz chatter at 0.96 s",
    world=_flow([(120, 2.2)], bursts=((0.96, 0.05),)),
    seconds=2.2,
    seed=602,
)
# One tick in one burst is a coin toss for a short handler that never disarms: its queue is
# full, but each run frees a slot for a few us before the next spike takes it, and a tick
# that lands then gets in. Five bursts, each with the tick at another depth, take the luck out.
GUST_US = (196_000, 295_000, 394_000, 493_000, 592_000)
GUSTS = Scenario(
    name="lab 6: flow at 120 Hz, five 12 ms bursts of 30 kHz chatter across heartbeat ticks",
    world=_flow([(120, 0.8)], bursts=tuple((t / 1e6, 0.012) for t in GUST_US)),
    seconds=0.8,
    seed=604,
)
BRIEF = Scenario(
    name="lab 6: 0.3 s of flow at 450 Hz",
    world=_flow([(450, 0.3)]),
    seconds=0.3,
    seed=603,
)
DEMO = STORM


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(STEADY))


@pytest.mark.task(1)
@requires(test_runs)
def test_handler_allocates_nothing(bench):
    """the handler only counts: no float maths, nothing allocated (run with the heap locked)"""
    result = bench.run(BRIEF, strict_isr=True)
    errors = [e for e in result.trace.exceptions() if e["where"] != "main"]
    if errors:
        first = errors[0]
        line = f" at line {first['line']}" if first.get("line") else ""
        fail(
            f"a handler raised {first['type']}{line} at {sec(first['t_us'])} with the heap "
            f"locked ({plural(len(errors), 'time')} in all): it allocates, and a float always "
            "does; count in the handler, and do the maths in the main loop",
            expected="a handler that allocates nothing",
            seen=f"{first['type']}: {first.get('message') or ''}".strip(),
            at_us=first["t_us"],
            window=around(first["t_us"], result, 2_000, 8_000),
            run=result,
            hint="Let the handler do pulses += 1 and nothing else; work out litres and L/min "
            "from n in the main loop, after FLOW.",
        )


@pytest.mark.task(1)
@requires(test_runs)
def test_flow_every_second(bench):
    """FLOW n comes once a second, every 1 s ± 50 ms"""
    _expect_every_second(bench.run(STEADY))


@pytest.mark.task(1)
@requires(test_runs)
def test_flow_counts_pulses(bench):
    """each FLOW n is within 2% (± 2 pulses) of the pulses since the last FLOW, at 40 to 450 Hz"""
    _expect_counted(bench.run(STEADY))


@pytest.mark.task(2)
@requires(test_runs)
def test_heartbeat_survives_the_storm(bench):
    """the heartbeat LED toggles every 100 ms ± 10 ms, through five bursts of chatter too"""
    expect_steady_toggles(bench.run(GUSTS), LED, BEAT_US, BEAT_SLACK_US, name="heartbeat LED")


@pytest.mark.task(2)
@requires(test_flow_every_second)
def test_flow_on_time_through_the_storm(bench):
    """FLOW n still comes every 1 s ± 50 ms through the burst of chatter"""
    _expect_every_second(bench.run(STORM))


@pytest.mark.task(2)
@requires(test_flow_counts_pulses)
def test_chatter_is_not_flow(bench):
    """each FLOW n counts the flow's pulses only (within 2%, ± 2), never the chatter"""
    _expect_counted(bench.run(STORM))


@pytest.mark.task(2)
@requires(test_runs)
def test_noise_once_per_burst(bench):
    """NOISE is printed once per burst of chatter, within 20 ms of its start, and never else"""
    result = bench.run(STORM)
    noise = result.trace.lines(NOISE)
    bursts = _bursts(result)
    starts = [b for b, _ in bursts] + [result.scenario.duration_us]
    early = [ln for ln in noise if ln.t_us < starts[0]]
    if early:
        _fail_noise(result, early[0], "before any chatter came", "no NOISE", "a NOISE line")
    for (b, e), until in zip(bursts, starts[1:], strict=True):
        said = [ln for ln in noise if b <= ln.t_us < until]
        burst = f"the burst of chatter at {sec(b)} ({msec(e - b)})"
        if not said:
            fail(
                f"{burst} got no NOISE line",
                expected="NOISE within 20 ms",
                seen="no NOISE",
                at_us=b,
                window=around(b, result, 50_000, 150_000),
                run=result,
            )
        if said[0].t_us - b > NOISE_US:
            _fail_noise(result, said[0], f"{msec(said[0].t_us - b)} after {burst} began", "", "")
        if len(said) > 1:
            _fail_noise(result, said[1], f"again, for {burst} (one a burst)", "1", str(len(said)))


@pytest.mark.task(3)
@requires(test_flow_every_second)
def test_log_still_printed(bench):
    """the LOG block (a LOG line and its five rows) is still printed after the fifth FLOW"""
    result = bench.run(STEADY)
    lines = result.trace.lines()
    flows = [ln for ln in lines if FLOW.fullmatch(ln.text.strip())]
    logs = [i for i, ln in enumerate(lines) if LOG.fullmatch(ln.text.strip())]
    rows = [ln for ln in lines[logs[0] + 1 :] if "pulses" in ln.text] if logs else []
    if not logs or len(rows) < LOG_ROWS:
        fail(
            f"after the fifth FLOW at {sec(flows[4].t_us)} the log printed "
            f"{'no LOG line' if not logs else plural(len(rows), 'row')}; the PC's logger "
            "needs the LOG line and its five rows: print them in pieces, not not at all",
            expected="LOG and 5 rows",
            seen="no LOG" if not logs else plural(len(rows), "row"),
            at_us=flows[4].t_us,
            run=result,
        )


@pytest.mark.task(3)
@requires(test_runs)
def test_handlers_start_within_2_ms(bench):
    """every flow pulse's handler starts within 2 ms of its edge, while the log prints too"""
    result = bench.run(STEADY)
    lags = _handler_lags(result)
    late = [(lag, t) for lag, t in lags if lag > HANDLER_LAG_US]
    if late:
        lag, t = min(late, key=lambda late_pulse: late_pulse[1])  # the first: where it began
        printing = _printing_before(result, t + lag)
        fail(
            f"the flow pulse at {sec(t)} waited {msec(lag)} for its handler "
            f"({plural(len(late), 'pulse')} over {msec(HANDLER_LAG_US)}){printing}; a handler "
            "runs only between the main loop's statements: keep every stretch short",
            expected=f"within {msec(HANDLER_LAG_US)}",
            seen=msec(lag),
            at_us=t,
            window=around(t, result, 10_000, 20_000 + lag),
            run=result,
        )


# -- what this lab says about flow, chatter and handlers -------------------------------------


def _waves(result: Run) -> list[Wave]:
    return [w for w in result.compiled.waves if w.pin == FLOW_PIN]


def _flow_rises(result: Run) -> list[int]:
    """When each of the flow's own pulses began (us): the chatter's are not flow."""
    rises = [
        t for w in _waves(result) if w.period_ns >= SLOWEST_FLOW_NS for t, _, lv in w.edges() if lv
    ]
    return sorted(rises)


def _bursts(result: Run) -> list[tuple[int, int]]:
    """(first edge, last edge) of each burst of chatter, in us."""
    return [
        (w.start_ns // 1000, w.last_fall_ns // 1000)
        for w in _waves(result)
        if w.period_ns < SLOWEST_FLOW_NS
    ]


def _expect_every_second(result: Run) -> None:
    flows = result.trace.lines(FLOW)
    end = result.scenario.duration_us
    times = [0, *[ln.t_us for ln in flows]]
    for before, after in itertools.pairwise(times):
        if abs(after - before - SECOND_US) > SLACK_US:
            what = "the first FLOW" if before == 0 else f"the FLOW after the one at {sec(before)}"
            fail(
                f"{what} came at {sec(after)}, {msec(after - before)} later; FLOW must come "
                f"every 1 s ± {msec(SLACK_US)}",
                expected=f"{msec(SECOND_US - SLACK_US)} to {msec(SECOND_US + SLACK_US)}",
                seen=msec(after - before),
                at_us=after,
                window=around(after, result, 300_000, 200_000),
                run=result,
            )
    if end - times[-1] > SECOND_US + SLACK_US:
        fail(
            f"no FLOW came after {sec(times[-1])} ({plural(len(flows), 'FLOW line')} in "
            f"{sec(end)}); FLOW must come every 1 s ± {msec(SLACK_US)}",
            expected="a FLOW line every second",
            seen=f"none for {msec(end - times[-1])}",
            at_us=times[-1] + SECOND_US,
            window=around(times[-1] + SECOND_US, result, 1_200_000, 200_000),
            run=result,
        )


def _expect_counted(result: Run) -> None:
    rises = _flow_rises(result)
    bursts = _bursts(result)
    before = 0
    for ln in result.trace.lines(FLOW):
        told = int(FLOW.fullmatch(ln.text.strip())[1])  # type: ignore[index]
        came = bisect.bisect_right(rises, ln.t_us) - bisect.bisect_right(rises, before)
        if abs(told - came) > _allowed(came):
            chatter = [b for b, e in bursts if before <= b < ln.t_us]
            note = f"; the burst of chatter at {sec(chatter[0])} is not flow" if chatter else ""
            fail(
                f"{ln.text.strip()} at {sec(ln.t_us)}, but {came} flow pulses came since "
                f"{'the start' if before == 0 else sec(before)}{note}; it must be within 2% "
                f"(± 2): {came - _allowed(came)} to {came + _allowed(came)}",
                expected=f"FLOW {came}",
                seen=ln.text.strip(),
                at_us=ln.t_us,
                window=around(ln.t_us, result, 60_000, 40_000),
                run=result,
            )
        before = ln.t_us


def _allowed(pulses: int) -> int:
    """2% of the pulses, and 2 more: a pulse at each end of the second may fall either side."""
    return pulses * 2 // 100 + 2


def _fail_noise(result: Run, line: PrintedLine, why: str, expected: str, seen: str) -> None:
    fail(
        f"NOISE was printed at {sec(line.t_us)}, {why}",
        expected=expected or f"NOISE within {msec(NOISE_US)}",
        seen=seen or sec(line.t_us),
        at_us=line.t_us,
        window=around(line.t_us, result, 80_000, 80_000),
        run=result,
    )


def _handler_lags(result: Run) -> list[tuple[int, int]]:
    """(lag, edge time) for each flow pulse while a pin handler was set: from its rising edge
    to the next start of a GPIO5 handler. None for a program that counts with no handler."""
    starts = [r.start_us for r in result.trace.handler_runs(f"pin{FLOW_PIN}")]
    irqs = result.trace.of("irq", pin=FLOW_PIN)
    if not starts or not irqs:
        return []
    armed_at = irqs[0]["t_us"]
    out = []
    for t, level in result.trace.edges(FLOW_PIN):
        i = bisect.bisect_left(starts, t)
        if level and t > armed_at and i < len(starts):
            out.append((starts[i] - t, t))
    return out


def _printing_before(result: Run, t_us: int) -> str:
    """Say what the main loop was printing when a handler waited, if it was."""
    printed = [e for e in result.trace.of("print") if e["t_us"] <= t_us]
    if not printed or t_us - printed[-1]["t_us"] > HANDLER_LAG_US:
        return ""
    size = len(printed[-1]["text"].encode())
    return (
        f", while print sent {size} bytes (the UART takes 87 us a byte once its 128-byte "
        "buffer is full, and no handler runs while print waits)"
    )


# -- the page's figures: the starter and the solution in the burst of chatter ----------------


def _timing(
    result: Run, span: tuple[int, int], marked: Episode, outputs: tuple[int, ...] = (LED,)
) -> str:
    """The run's timing diagram over `span`, with `marked` shaded: the burst, or the wait."""
    svg = render_svg(
        result.trace,
        start_us=span[0],
        end_us=span[1],
        pins=[INPUT_PIN],
        outputs=outputs,
        idle=result.compiled.idle,
        episodes=[marked],
    )
    return inline_svg(svg)


def _chatter(result: Run) -> Episode:
    b, e = _bursts(result)[0]
    return Episode("chatter", FLOW_PIN, b, b, e, e)


def _burst_span(result: Run) -> tuple[int, int]:
    b, e = _bursts(result)[0]
    return window(b - 140_000, e + 120_000, 10_000)


def _storm_numbers(result: Run) -> dict[str, str]:
    b, e = _bursts(result)[0]
    toggles = result.trace.toggles(LED, initial=0)
    gaps = [y - x for x, y in itertools.pairwise(toggles) if y >= b and x <= e + BEAT_US]
    drops = [d for d in result.trace.drops() if b <= d["t_us"] <= e + 10_000]
    runs = [r for r in result.trace.handler_runs(f"pin{FLOW_PIN}") if b <= r.start_us <= e]
    flows = result.trace.lines(FLOW)
    after = [ln for ln in flows if ln.t_us > b]
    before = max([ln.t_us for ln in flows if ln.t_us <= b], default=0)
    rises = _flow_rises(result)
    came = bisect.bisect_right(rises, after[0].t_us) - bisect.bisect_right(rises, before)
    return {
        "flow_came": str(came) if after else "no",
        "scenario_edges": f"{len(result.compiled.edges):,}",
        "spikes": str(sum(1 for t, lv in result.trace.edges(FLOW_PIN) if lv and b <= t <= e)),
        "edges": str(sum(1 for t, _ in result.trace.edges(FLOW_PIN) if b <= t <= e)),
        "handlers": str(len(runs)),
        "drops": str(len(drops)),
        "longest_beat": ms(max(gaps, default=0)),
        "flow_after": after[0].text if after else "no FLOW",
    }


def starter_storm_figure(runs: LabRuns) -> Figure:
    result = runs.run("starter", STORM)
    numbers = _storm_numbers(result)
    claim(int(numbers["drops"]) > 100, "the starter's queue overflows in the burst")
    claim(numbers["longest_beat"] == "200 ms", "the starter's heartbeat misses a toggle")
    caption = (
        f"The starter in 50 ms of chatter: {numbers['spikes']} spikes, {numbers['edges']} "
        f"edges for its IRQ on both edges, {numbers['handlers']} handler runs, "
        f"{numbers['drops']} IRQs dropped with the queue full, the Timer's heartbeat among "
        f"them: the LED stays put for {numbers['longest_beat']}."
    )
    svg = _timing(result, _burst_span(result), _chatter(result))
    return Figure("lab6-starter-storm", svg, caption, numbers)


def solution_storm_figure(runs: LabRuns) -> Figure:
    result = runs.run("solution", STORM)
    numbers = _storm_numbers(result)
    claim(numbers["drops"] == "0", "the solution drops nothing")
    caption = (
        f"The solution, the same burst: the handler disarms itself at the second spike; "
        f"{numbers['handlers']} handler runs, {numbers['drops']} IRQs dropped, the heartbeat "
        f"steady, and then {numbers['flow_after']}."
    )
    svg = _timing(result, _burst_span(result), _chatter(result))
    return Figure("lab6-solution-storm", svg, caption, numbers)


def log_figure(runs: LabRuns) -> Figure:
    result = runs.run("bad/prints_log_at_once", STEADY)
    lag, t = next((lag, t) for lag, t in _handler_lags(result) if lag > HANDLER_LAG_US)
    printed = [e for e in result.trace.of("print") if e["t_us"] <= t + lag]
    numbers = {"lag": ms(lag), "at": sec(t), "bytes": str(len(printed[-1]["text"].encode()))}
    claim(lag > HANDLER_LAG_US, "one long print holds the handlers back")
    caption = (
        f"The log printed in one go: print waits for the UART, and the flow pulse at "
        f"{numbers['at']} waits {numbers['lag']} for its handler."
    )
    span = window(t - 4_000, t + lag + 6_000, 2_000)
    waited = Episode("pulse", FLOW_PIN, t, t, t + lag, t + lag)  # from its edge to its handler
    return Figure("lab6-log", _timing(result, span, waited, outputs=()), caption, numbers)


FIGURES = {
    "lab6-starter-storm": starter_storm_figure,
    "lab6-solution-storm": solution_storm_figure,
    "lab6-log": log_figure,
}
