"""Lab 8, the capstone, an intrusion alarm: the checks, and the figures of the lab's page.

The world: the IR proximity sensor on GPIO5 (clean edges; chattering in FAULTS), the door
contact on GPIO17 (1 open, bouncing), the arm button on GPIO0 (the BOOT button, bouncing),
the siren on GPIO2. The alarm starts armed; every event is a line "t WORD".
APPROACHES: twelve approaches 1.124 s apart, so each meets job() at another phase. ENTRY: the
door opens twice, nobody disarms. DISARM: the button disarms within the entry delay, an
approach and the door while disarmed, then arm, door, alarm, disarm. BURSTS: two bursts of
door openings each followed 15 to 20 ms later by an approach. FAULTS: two minutes across
the ticks_ms() wrap, three chatters (two within a minute), a door opening during each.
LONG_RUN: ten minutes of all of it, for `python bench/lab_checks.py`.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from typing import NamedTuple

import pytest

from irqlab.checks import (
    Answer,
    Replies,
    Reply,
    around,
    expect_irq,
    expect_no_drops,
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
    said,
    sec,
    skip_unless_measured,
)
from irqlab.diagram import render_svg
from irqlab.pagefigures import (
    Figure,
    LabRuns,
    claim,
    handler_lengths,
    inline_svg,
    ms,
    ms_span,
    us_span,
    window,
)
from irqlab.runner import Run
from irqlab.scenario import Bounce, Button, Episode, Glitch, Led, Press, Scenario, Sensor
from irqlab.trace import PrintedLine

SENSOR, DOOR, BUTTON, SIREN = 5, 17, 0, 2
WORDS = ("ALERT", "DOOR", "ALARM", "ARMED", "DISARMED", "FAULT")
LINE = re.compile(r"(-?\d+) (" + "|".join(WORDS) + r")")
ALERT = Reply(r"-?\d+ ALERT", name="ALERT", noun="approach")
ALERT_US = 60_000  # the seed's deadline, against a 100 ms main loop
PROMPT_US = 250_000  # every other line comes this soon after its event
ENTRY_US = 10_000_000
FAULT_US = 1_000_000  # a chatter is reported this soon
FAULT_EVERY_US = 60_000_000
STAMP_EARLY_US = 10_000  # a line's t may read this much early (the program's start, rounding)
STAMP_LATE_US = 60_000  # ... and this much late: the time of its edge, or of its debounce
HANDLER_LIMIT_US = 100
CHATTER_GAP_US = 100_000  # glitches closer than this are one chatter
TICKS_PERIOD_MS = 2**30
WRAP_AFTER_S = 45

HINTS = {
    "bounce": "A door contact bounces: trigger on both edges, as on_button() does, and take "
    "the first edge after 50 ms of stillness as a move; its bounces then change nothing.",
    "queue": "Keep every event in a ring buffer allocated once (when = array('i', [0] * 32), "
    "what = bytearray(32)): the handlers write `head`, consume() alone moves `tail`.",
    "stamp": "Take the time in the handler and keep it with the event (when[head] = t); "
    "print since_start(t), not the time of printing.",
    "order": "Let one reader print every line, oldest event first: consume(), run as a "
    "scheduled call, and watch() scheduled too, calling consume() before its own lines.",
    "wrap": "In since_start(), use time.ticks_diff(t, START): a subtraction goes wrong when "
    "ticks_ms() wraps from 2**30 - 1 to 0.",
}
CONTACT = Bounce(transitions=(2, 4), spread_ms=(0.3, 3.0))


def world() -> tuple[Sensor | Button | Led, ...]:
    return (
        Sensor(pin=SENSOR),
        Sensor(pin=DOOR, bounce=CONTACT),
        Button(pin=BUTTON, bounce=CONTACT),
        Led(pin=SIREN),
    )


def near(at: float, hold: float = 0.06) -> Press:
    return Press(at=at, hold=hold, pin=SENSOR)


def door(at: float, hold: float) -> Press:
    return Press(at=at, hold=hold, pin=DOOR)


def press(at: float) -> Press:
    return Press(at=at, hold=0.2, pin=BUTTON)


def chatter(start: float, seconds: float, seed: int) -> tuple[Glitch, ...]:
    """A sensor gone bad: 0.2 to 1.5 ms pulses 0.3 to 4 ms apart (about 330 a second)."""
    rng = random.Random(seed)
    out, t = [], start
    while t < start + seconds:
        width = round(rng.uniform(0.2, 1.5), 3)
        out.append(Glitch(at=round(t, 6), width_ms=width, pin=SENSOR))
        t += (width + rng.uniform(0.3, 4.0)) / 1000
    return tuple(out)


def _burst(t: float) -> tuple[Press, ...]:
    """Four door openings, each with an approach at once (30 µs later) or 15 to 20 ms later."""
    return (
        door(t, 0.09),
        near(t + 0.00003),
        door(t + 0.200, 0.08),
        near(t + 0.215, 0.05),
        door(t + 0.390, 0.10),
        near(t + 0.39003),
        door(t + 0.600, 0.10),
        near(t + 0.617, 0.05),
    )


APPROACHES = Scenario(
    name="lab 8: twelve approaches",
    world=world(),
    timeline=tuple(near(1.013 + 1.124 * i, (0.05, 0.3, 0.08, 1.0)[i % 4]) for i in range(12)),
    seconds=14.5,
    seed=801,
)
ENTRY = Scenario(
    name="lab 8: the door, and nobody disarms",
    world=world(),
    timeline=(door(1.3, 4.0), door(7.2, 0.8), near(13.0)),
    seconds=14,
    seed=802,
)
DISARM = Scenario(
    name="lab 8: disarmed in time",
    world=world(),
    timeline=(
        door(1.2, 3.0),
        press(5.5),
        near(7.0),
        door(8.0, 1.0),
        press(12.5),
        door(14.0, 2.0),
        press(26.0),
    ),
    seconds=27,
    seed=803,
)
BURSTS = Scenario(
    name="lab 8: bursts",
    world=world(),
    timeline=(*_burst(1.0), *_burst(4.037)),
    seconds=11.6,
    seed=804,
)
FAULTS = Scenario(
    name="lab 8: a chattering sensor, across the ticks wrap",
    world=world(),
    timeline=(
        near(3.0),
        near(9.0),
        *chatter(15.0, 2.0, 1),
        door(16.0, 2.0),
        near(22.0),
        *chatter(30.0, 1.0, 2),
        door(30.5, 1.0),
        near(38.0),
        door(41.0, 1.0),
        near(47.0),
        *chatter(80.0, 1.0, 3),
        door(80.5, 0.5),
        near(90.0),
        near(100.0),
        door(105.0, 1.0),
    ),
    seconds=120,
    seed=805,
    ticks_ms_start=TICKS_PERIOD_MS - WRAP_AFTER_S * 1000,
)


def _shift() -> Scenario:
    """Ten minutes: a day's traffic at the door and the sensor, chatters, the ticks wrap."""
    timeline: list[Press | Glitch] = []
    for minute in range(10):
        base = 60.0 * minute
        timeline += [near(base + 2.0 + 7.3 * i) for i in range(5)]
        timeline += [door(base + 40.0, 3.0), press(base + 46.0), press(base + 50.0)]
        if minute % 3 == 1:
            timeline += chatter(base + 54.0, 2.0, minute)
    return Scenario(
        name="lab 8: ten minutes",
        world=world(),
        timeline=tuple(timeline),
        seconds=600,
        seed=806,
        ticks_ms_start=TICKS_PERIOD_MS - 300_000,
    )


LONG_RUN = _shift()  # `python bench/lab_checks.py` times the solution on it
DEMO = BURSTS


# -- task 1 ---------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(APPROACHES))


@pytest.mark.task(1)
@requires(test_runs)
def test_irq_on_sensor(bench):
    """an IRQ on GPIO5 tells the program when something comes near"""
    expect_irq(bench.run(APPROACHES), SENSOR)


@pytest.mark.task(1)
@requires(test_irq_on_sensor)
def test_handlers_only_record(bench):
    """the handlers only record: they do not print or sleep"""
    expect_quiet_handlers(bench.run(APPROACHES))


@pytest.mark.task(1)
@requires(test_runs)
def test_one_alert_per_approach(bench):
    """armed, each approach prints one t ALERT line, a 1 s approach too"""
    expect_one_each(_alerts(bench.run(APPROACHES)), missing=False)


@pytest.mark.task(1)
@requires(test_runs)
def test_alert_and_siren_within_60_ms(bench):
    """each approach gets its t ALERT within 60 ms, even during job(), and the siren is on"""
    replies = _alerts(bench.run(APPROACHES))
    expect_on_time(replies, ALERT_US)
    for a in replies.answers:
        due = a.start_us + ALERT_US
        if _siren_at(replies.run, due) != 1:
            fail(
                f"{a.describe('approach')} got its ALERT, but the siren (GPIO2) was still off "
                f"{msec(ALERT_US)} later, at {sec(due)}: turn it on as you print ALERT",
                expected="GPIO2 on",
                seen="GPIO2 off",
                at_us=a.start_us,
                window=around(a.start_us, replies.run, 100_000, 300_000),
                run=replies.run,
            )


# -- task 2 ---------------------------------------------------------------------------------


@pytest.mark.task(2)
@requires(test_runs)
def test_door_starts_entry_delay(bench):
    """each bouncing door opening prints one t DOOR; 10 s after the first, t ALARM and the siren"""
    run = bench.run(ENTRY)
    _expect_one_line_each(run, "DOOR")
    _expect_no_stray_door(run)
    _expect_alarms(run)


@pytest.mark.task(2)
@requires(test_door_starts_entry_delay)
def test_disarm_within_delay_is_silent(bench):
    """a press within the entry delay prints t DISARMED; then no ALARM, and the siren stays off"""
    skip_unless_measured(bench.target, "buttons")
    run = bench.run(DISARM)
    _expect_one_line_each(run, "DISARMED", until_us=10_000_000)
    _expect_alarms(run)
    first_door = _episodes(run, DOOR)[0].start_us
    on = [t for t, level in run.trace.writes(SIREN) if level == 1 and t >= first_door]
    end = _expected(run, "ALARM")[0].at_us
    if on and on[0] < end:
        fail(
            f"the siren (GPIO2) went on at {sec(on[0])}, while the alarm was disarmed: nothing "
            "sounds after a disarm in time",
            expected="GPIO2 off",
            seen="GPIO2 on",
            at_us=on[0],
            window=around(on[0], run, 1_000_000, 1_000_000),
            run=run,
        )


@pytest.mark.task(2)
@requires(test_door_starts_entry_delay)
def test_button_arms_and_disarms(bench):
    """disarmed, approaches and the door print nothing; a press prints t ARMED, the next one
    t DISARMED and turns a sounding siren off"""
    skip_unless_measured(bench.target, "buttons")
    run = bench.run(DISARM)
    _expect_lines_match(run, ("ALERT", "DOOR", "ARMED", "DISARMED"))
    last = _episodes(run, BUTTON)[-1].start_us
    due = last + PROMPT_US
    if _siren_at(run, due) != 0:
        fail(
            f"the press at {sec(last)} disarmed the alarm, but the siren (GPIO2) was still on "
            f"at {sec(due)}: DISARMED turns it off",
            expected="GPIO2 off",
            seen="GPIO2 on",
            at_us=last,
            window=around(last, run, 300_000, 600_000),
            run=run,
        )


@pytest.mark.task(2)
@requires(test_runs)
def test_bursts_lose_nothing(bench):
    """in bursts of door openings and approaches, every one gets its line, none lost"""
    run = bench.run(BURSTS)
    for e in _expected(run):
        if not _answering(run, e):
            fail(
                f"{e.describe()} got no {e.word} line: "
                + _seen_near(run, e.at_us)
                + "; keep every event in a queue until the log has printed it",
                expected=f"a {e.word} line",
                seen=f"no {e.word} line",
                hint=HINTS["queue"],
                at_us=e.at_us,
                window=around(e.at_us, run, 100_000, 400_000),
                run=run,
            )


@pytest.mark.task(2)
@requires(test_runs)
def test_log_in_order_with_times(bench):
    """every line comes within 250 ms of its event, its t that event's time (ms since start),
    and the lines in the order the events happened"""
    run = bench.run(BURSTS)
    _expect_stamped(run)
    _expect_in_order(run)


# -- task 3 ---------------------------------------------------------------------------------


@pytest.mark.task(3)
@requires(test_runs)
def test_fault_once_a_minute(bench):
    """a chattering sensor prints t FAULT within 1 s, and not again for a minute"""
    run = bench.run(FAULTS)
    faults = [ln for ln in _lines(run) if _word(ln) == "FAULT"]
    wanted = _expected(run, "FAULT")
    for e in wanted:
        if not any(e.at_us <= ln.t_us <= e.at_us + FAULT_US for ln in faults):
            fail(
                f"{e.describe()} got no FAULT line within {msec(FAULT_US)}; "
                + (f"FAULT came at {moments([ln.t_us for ln in faults])}" if faults else "")
                + ("" if faults else "no FAULT line was printed at all"),
                expected=f"FAULT by {sec(e.at_us + FAULT_US)}",
                seen="no FAULT",
                at_us=e.at_us,
                window=around(e.at_us, run, 200_000, 1_500_000),
                run=run,
            )
    for a, b in itertools.pairwise(faults):
        if b.t_us - a.t_us < FAULT_EVERY_US:
            fail(
                f"FAULT came at {sec(a.t_us)} and again at {sec(b.t_us)}, "
                f"{msec(b.t_us - a.t_us)} later ({plural(len(faults), 'FAULT line')} in "
                f"{sec(run.scenario.duration_us)}, for {len(wanted)} a minute apart): say it "
                "at most once a minute",
                expected="one FAULT a minute at most",
                seen=plural(len(faults), "FAULT line"),
                at_us=b.t_us,
                window=around(b.t_us, run, 2_000_000, 500_000),
                run=run,
            )


@pytest.mark.task(3)
@requires(test_runs)
def test_chatter_raises_at_most_one_alert(bench):
    """a chatter raises one ALERT at most (its first edge looks like an approach)"""
    run = bench.run(FAULTS)
    for start, stop in _chatters(run):
        got = [ln for ln in _lines(run) if _word(ln) == "ALERT" and start <= ln.t_us <= stop]
        if len(got) > 1:
            fail(
                f"the sensor chattered from {sec(start)} to {sec(stop)} and the program "
                f"printed {plural(len(got), 'ALERT line')} ({said(got)}): a chattering "
                "sensor is no approach",
                expected="one ALERT at most",
                seen=plural(len(got), "ALERT line"),
                at_us=got[1].t_us,
                window=around(start, run, 100_000, 500_000),
                run=run,
            )


@pytest.mark.task(3)
@requires(test_runs)
def test_rest_works_through_chatter(bench):
    """through the chatter the door, the entry delay and the log go on, and approaches after
    it raise ALERT again"""
    run = bench.run(FAULTS)
    _expect_one_line_each(run, "DOOR", exact=False)
    _expect_alarms(run)
    chatters = _chatters(run)
    clean = [a for a in _episodes(run, SENSOR) if a.kind == "press"]
    for a in clean:
        after = [stop for _, stop in chatters if stop < a.start_us]
        lines = [ln for ln in _lines(run) if _word(ln) == "ALERT"]
        got = [ln for ln in lines if a.start_us <= ln.t_us <= a.start_us + PROMPT_US]
        if not got:
            since = f", {msec(a.start_us - after[-1])} after a chatter ended" if after else ""
            fail(
                f"the approach at {sec(a.start_us)}{since} got no ALERT within "
                f"{msec(PROMPT_US)}: once the sensor is quiet again, it is trusted again",
                expected=f"ALERT within {msec(PROMPT_US)}",
                seen="no ALERT",
                at_us=a.start_us,
                window=around(a.start_us, run, 200_000, 300_000),
                run=run,
            )


@pytest.mark.task(3)
@requires(test_runs)
def test_no_irq_lost(bench):
    """no IRQ is lost, even while the sensor chatters"""
    expect_no_drops(bench.run(FAULTS))


@pytest.mark.task(3)
@requires(test_irq_on_sensor)
def test_handlers_under_100_us(bench):
    """every handler returns within 100 µs, even while the sensor chatters"""
    expect_short_handlers(bench.run(FAULTS), HANDLER_LIMIT_US)


@pytest.mark.task(3)
@requires(test_runs)
def test_log_right_across_wrap(bench):
    """with ticks_ms() wrapping from 2**30 - 1 to 0 during the run, every t stays right"""
    run = bench.run(FAULTS)
    _expect_stamped(run, wrap_us=WRAP_AFTER_S * 1_000_000)
    _expect_in_order(run)


# -- what the alarm must do: the log a correct program prints for a scenario ------------------


class Expected(NamedTuple):
    """A line the log must hold: its word, and when its event happened."""

    word: str
    at_us: int
    cause: str  # what made it: "the approach at 1.013 s", ...

    def describe(self) -> str:
        return self.cause

    @property
    def stamp_us(self) -> tuple[int, int]:
        """The range its t (in µs) may fall in."""
        if self.word == "ALARM":
            return self.at_us - STAMP_EARLY_US, self.at_us + PROMPT_US
        if self.word == "FAULT":
            return self.at_us - STAMP_EARLY_US, self.at_us + FAULT_US
        return self.at_us - STAMP_EARLY_US, self.at_us + STAMP_LATE_US

    @property
    def due_us(self) -> tuple[int, int]:
        """When it must be printed: from its event to its deadline."""
        if self.word == "FAULT":
            return self.at_us, self.at_us + FAULT_US
        return self.at_us, self.at_us + PROMPT_US


def _episodes(run: Run, pin: int) -> list[Episode]:
    return [e for e in run.compiled.episodes if e.pin == pin]


def _chatters(run: Run) -> list[tuple[int, int]]:
    """(first edge, last edge) of each chatter: glitches on the sensor closer than 100 ms."""
    out: list[list[int]] = []
    for g in (e for e in _episodes(run, SENSOR) if e.kind == "glitch"):
        if out and g.start_us - out[-1][1] < CHATTER_GAP_US:
            out[-1][1] = g.released_us
        else:
            out.append([g.start_us, g.released_us])
    return [(a, b) for a, b in out]


def _events(run: Run) -> Iterator[tuple[int, str]]:
    """What happens in the world, in time order: (when, what)."""
    found = [(e.start_us, "approach") for e in _episodes(run, SENSOR) if e.kind == "press"]
    found += [(e.start_us, "door") for e in _episodes(run, DOOR)]
    found += [(e.start_us, "press") for e in _episodes(run, BUTTON)]
    found += [(start, "chatter") for start, _ in _chatters(run)]
    return iter(sorted(found))


def _expected(run: Run, word: str | None = None) -> list[Expected]:
    """The lines a correct alarm prints for this run's scenario (the alarm starts armed)."""
    out: list[Expected] = []
    armed, delay, last_fault = True, None, None
    end = run.scenario.duration_us - PROMPT_US
    for t, what in [*_events(run), (end, "end")]:
        if delay is not None and delay + ENTRY_US <= t:
            out.append(Expected("ALARM", delay + ENTRY_US, f"the entry delay from {sec(delay)}"))
            delay = None
        cause = f"the {'button press' if what == 'press' else what} at {sec(t)}"
        if what == "press":
            armed, delay = not armed, None
            out.append(Expected("ARMED" if armed else "DISARMED", t, cause))
        elif what == "approach" and armed:
            out.append(Expected("ALERT", t, cause))
        elif what == "door" and armed:
            out.append(Expected("DOOR", t, cause))
            delay = t if delay is None else delay
        elif what == "chatter" and (last_fault is None or t - last_fault >= FAULT_EVERY_US):
            out.append(Expected("FAULT", t, f"the chatter from {sec(t)}"))
            last_fault = t
    return [e for e in out if word is None or e.word == word]


# -- the log as printed ---------------------------------------------------------------------


def _lines(run: Run) -> list[PrintedLine]:
    return run.trace.lines(LINE)


def _word(line: PrintedLine) -> str:
    m = LINE.fullmatch(line.text.strip())
    return m.group(2) if m else ""


def _stamp_us(line: PrintedLine) -> int:
    m = LINE.fullmatch(line.text.strip())
    return int(m.group(1)) * 1000 if m else 0


def _answering(run: Run, e: Expected) -> list[PrintedLine]:
    """The lines of e's word printed from its event to its deadline, or to the next event of
    that word, if that comes first."""
    lo, hi = e.due_us
    later = [x.at_us for x in _expected(run, e.word) if x.at_us > e.at_us]
    hi = min([hi, *(t - 1 for t in later[:1])])
    return [ln for ln in _lines(run) if _word(ln) == e.word and lo <= ln.t_us <= hi]


def _seen_near(run: Run, t_us: int) -> str:
    near_by = [ln for ln in _lines(run) if t_us - 300_000 <= ln.t_us <= t_us + 400_000]
    if not near_by:
        return "the log printed nothing near it"
    return "the log printed " + ", ".join(
        f"{ln.text.strip()} at {sec(ln.t_us)}" for ln in near_by[:6]
    )


def _alerts(run: Run) -> Replies:
    """Each approach (the sensor's presses only) with the ALERT lines in its window."""
    lines = tuple(run.trace.lines(ALERT.pattern))
    approaches = [e for e in _episodes(run, SENSOR) if e.kind == "press"]
    bounds = [e.start_us for e in approaches] + [max(run.trace.end_us, run.scenario.duration_us)]
    found = tuple(
        Answer(e, (a, b), tuple(ln for ln in lines if a <= ln.t_us < b))
        for e, (a, b) in zip(approaches, itertools.pairwise(bounds), strict=False)
    )
    return Replies(ALERT, run, lines, found)


def _siren_at(run: Run, t_us: int) -> int:
    level = 0
    for t, lv in run.trace.writes(SIREN):
        if t > t_us:
            break
        level = lv
    return level


def _expect_one_line_each(
    run: Run, word: str, until_us: int | None = None, *, exact: bool = True
) -> None:
    """Each expected `word` line printed once (at least once, unless `exact`) by its
    deadline."""
    for e in _expected(run, word):
        if until_us is not None and e.at_us > until_us:
            continue
        got = _answering(run, e)
        if not got or (exact and len(got) > 1):
            lo, hi = e.due_us
            fail(
                f"{e.describe()} printed {plural(len(got), word + ' line')}"
                + (f" ({said(got)})" if got else f" by {sec(hi)}; " + _seen_near(run, lo))
                + f"; expected one within {msec(hi - lo)}",
                expected=f"one {word} line",
                seen=plural(len(got), word + " line"),
                at_us=e.at_us,
                window=around(e.at_us, run, 100_000, 400_000),
                run=run,
                hint=HINTS["bounce"] if len(got) > 1 and word == "DOOR" else None,
            )


def _expect_no_stray_door(run: Run) -> None:
    """No DOOR line but for an opening: the door shutting is no event."""
    answered = {ln for e in _expected(run, "DOOR") for ln in _answering(run, e)}
    for ln in _lines(run):
        if _word(ln) == "DOOR" and ln not in answered:
            shut = [e.end_us for e in _episodes(run, DOOR) if e.end_us <= ln.t_us]
            when = f", {msec(ln.t_us - shut[-1])} after the door shut" if shut else ""
            fail(
                f"{ln.text.strip()} came at {sec(ln.t_us)}{when}: only an opening is a DOOR "
                "(the contact bounces as the door shuts, too)",
                expected="no DOOR",
                seen=ln.text.strip(),
                at_us=ln.t_us,
                window=around(ln.t_us, run, 200_000, 200_000),
                run=run,
                hint=HINTS["bounce"],
            )


def _expect_alarms(run: Run) -> None:
    """ALARM 10 s after an entry delay starts, the siren on by then, and no ALARM otherwise."""
    wanted = _expected(run, "ALARM")
    for e in wanted:
        got = _answering(run, e)
        if not got:
            fail(
                f"the entry delay that started with the door at {sec(e.at_us - ENTRY_US)} ran "
                f"out at {sec(e.at_us)}, but no ALARM came by {sec(e.due_us[1])}",
                expected="ALARM",
                seen="no ALARM",
                at_us=e.at_us,
                window=around(e.at_us, run, 300_000, 500_000),
                run=run,
            )
        if _siren_at(run, got[0].t_us + 1_000) != 1:
            fail(
                f"ALARM came at {sec(got[0].t_us)}, but the siren (GPIO2) was off: the alarm "
                "sounds it",
                expected="GPIO2 on",
                seen="GPIO2 off",
                at_us=got[0].t_us,
                run=run,
            )
    allowed = [e.due_us for e in wanted]
    for ln in _lines(run):
        if _word(ln) == "ALARM" and not any(lo <= ln.t_us <= hi for lo, hi in allowed):
            fail(
                f"ALARM came at {sec(ln.t_us)}, "
                + _why_no_alarm(run, ln.t_us)
                + " (an alarm sounds 10 s after the door opens, unless a press disarms it)",
                expected="no ALARM",
                seen=ln.text.strip(),
                at_us=ln.t_us,
                window=around(ln.t_us, run, 11_000_000, 500_000),
                run=run,
            )


def _why_no_alarm(run: Run, t_us: int) -> str:
    doors = [e.start_us for e in _episodes(run, DOOR) if e.start_us < t_us]
    presses = [e.start_us for e in _episodes(run, BUTTON) if e.start_us < t_us]
    if presses and doors and presses[-1] > doors[0]:
        return f"though the button disarmed the alarm at {sec(presses[-1])}"
    if doors:
        return f"{msec(t_us - doors[0])} after the door opened at {sec(doors[0])}"
    return "though the door never opened"


def _expect_lines_match(run: Run, words: tuple[str, ...]) -> None:
    """Each line of `words` answers an expected event, and each expected one got its line."""
    wanted = [e for e in _expected(run) if e.word in words]
    for e in wanted:
        if len(_answering(run, e)) != 1:
            _expect_one_line_each(run, e.word)
    for ln in _lines(run):
        word = _word(ln)
        if word in words and not any(
            e.word == word and e.due_us[0] <= ln.t_us <= e.due_us[1] for e in wanted
        ):
            fail(
                f"{ln.text.strip()} came at {sec(ln.t_us)}, "
                + _state_at(run, ln.t_us)
                + ": a disarmed alarm says nothing about the door or the sensor",
                expected=f"no {word}",
                seen=ln.text.strip(),
                at_us=ln.t_us,
                window=around(ln.t_us, run, 500_000, 500_000),
                run=run,
            )


def _state_at(run: Run, t_us: int) -> str:
    presses = [e.start_us for e in _episodes(run, BUTTON) if e.start_us < t_us]
    if len(presses) % 2:
        return f"while the alarm was disarmed (the button at {sec(presses[-1])})"
    return "with nothing there to print it for"


def _expect_stamped(run: Run, wrap_us: int | None = None) -> None:
    """Each expected line that was printed carries its event's time, and came in time."""
    for e in _expected(run):
        got = _answering(run, e)
        if not got:
            continue  # a missing line is the business of the checks that count them
        first, last = e.stamp_us
        right = [ln for ln in got if first <= _stamp_us(ln) <= last]
        if not right:
            ln = got[0]
            wrapped = (
                f" (ticks_ms() wrapped from 2**30 - 1 to 0 at {sec(wrap_us)})"
                if wrap_us is not None and ln.t_us >= wrap_us
                else ""
            )
            fail(
                f"{e.describe()} was logged as {ln.text.strip()} at {sec(ln.t_us)}: its t must "
                f"be the event's time in ms since the start, {first // 1000} to {last // 1000}"
                + wrapped,
                expected=f"t from {first // 1000} to {last // 1000}",
                seen=ln.text.strip(),
                hint=HINTS["wrap"] if wrapped else HINTS["stamp"],
                at_us=ln.t_us,
                window=around(e.at_us, run, 100_000, 400_000),
                run=run,
            )


def _expect_in_order(run: Run) -> None:
    for a, b in itertools.pairwise(_lines(run)):
        if _stamp_us(b) < _stamp_us(a):
            fail(
                f"{b.text.strip()} was printed at {sec(b.t_us)}, after {a.text.strip()} "
                f"(printed at {sec(a.t_us)}), though it happened first: the log must come out "
                "in the order things happened",
                expected=f"{b.text.strip()} before {a.text.strip()}",
                seen=f"{a.text.strip()}, then {b.text.strip()}",
                hint=HINTS["order"],
                at_us=b.t_us,
                window=around(b.t_us, run, 200_000, 200_000),
                run=run,
            )


# -- the page's figures ----------------------------------------------------------------------


def _draw(result: Run, span: tuple[int, int], pins: tuple[int, ...] = (SENSOR,)) -> str:
    """The run's timing diagram over `span`: the given inputs, handlers, lines, the siren."""
    svg = render_svg(
        result.trace,
        start_us=span[0],
        end_us=span[1],
        pins=pins,
        outputs=(SIREN,),
        idle=result.compiled.idle,
        episodes=result.compiled.episodes,
    )
    return inline_svg(svg)


def _latest(replies: Replies) -> Answer:
    return max(replies.answers, key=lambda a: a.delay_us or 0)


def late_figure(runs: LabRuns) -> Figure:
    """The starter: the log waits for job()."""
    replies = _alerts(runs.run("starter", APPROACHES))
    worst = _latest(replies)
    delays = [a.delay_us for a in replies.answers if a.delay_us is not None]
    late = sum(1 for d in delays if d > ALERT_US)
    numbers = {
        "at": sec(worst.start_us),
        "delay": ms(worst.delay_us or 0),
        "delays": ms_span(delays),
        "late": f"{late} of the {len(delays)}",
    }
    claim(late > 0, "the starter is late for some approaches")
    span = window(worst.start_us - 100_000, worst.start_us + 200_000, 50_000)
    caption = (
        f"The starter: the approach at {numbers['at']} comes early in a job(); its ALERT and "
        f"the siren wait {numbers['delay']}, until job() returns."
    )
    return Figure("lab8-late", _draw(replies.run, span), caption, numbers)


def scheduled_figure(runs: LabRuns) -> Figure:
    """The solution, the same approach: consume() runs within a millisecond."""
    worst = _latest(_alerts(runs.run("starter", APPROACHES)))
    replies = _alerts(runs.run("solution", APPROACHES))
    same = next(a for a in replies.answers if a.start_us == worst.start_us)
    delays = [a.delay_us for a in replies.answers if a.delay_us is not None]
    numbers = {
        "delay": ms(same.delay_us or 0),
        "delays": ms_span(delays),
        "handlers": us_span(handler_lengths(replies.run)),
    }
    claim(max(delays) <= ALERT_US, "the solution answers every approach within 60 ms")
    span = window(same.start_us - 100_000, same.start_us + 200_000, 50_000)
    caption = (
        f"The solution, the same approach: the handler queues consume(), and job()'s sleep "
        f"runs it: ALERT and the siren {numbers['delay']} after the edge."
    )
    return Figure("lab8-scheduled", _draw(replies.run, span), caption, numbers)


def _burst_figure(runs: LabRuns, name: str, program: str, what: str) -> Figure:
    result = runs.run(program, BURSTS)
    wanted = [e for e in _expected(result) if e.at_us < 2_000_000]
    got = [e for e in wanted if _answering(result, e)]
    numbers = {"events": str(len(wanted)), "logged": str(len(got))}
    span = window(950_000, 1_700_000, 50_000)
    caption = (
        f"{what}: the first burst, {len(wanted)} events in 0.62 s (a door opening and an "
        f"approach 30 µs apart among them); the log holds {len(got)}."
    )
    return Figure(name, _draw(result, span, (SENSOR, DOOR)), caption, numbers)


def one_slot_figure(runs: LabRuns) -> Figure:
    figure = _burst_figure(runs, "lab8-one-slot", "bad/one_slot", "One slot")
    claim(int(figure.numbers["logged"]) < int(figure.numbers["events"]), "one slot loses one")
    return figure


def ring_figure(runs: LabRuns) -> Figure:
    figure = _burst_figure(runs, "lab8-ring", "solution", "A ring buffer (the solution)")
    claim(int(figure.numbers["logged"]) == int(figure.numbers["events"]), "the ring loses none")
    return figure


def _chatter_figure(runs: LabRuns, name: str, program: str, what: str) -> Figure:
    result = runs.run(program, FAULTS)
    start, stop = _chatters(result)[0]
    lines = [ln for ln in _lines(result) if start <= ln.t_us <= stop]
    alerts = [ln for ln in lines if _word(ln) == "ALERT"]
    faults = [ln for ln in lines if _word(ln) == "FAULT"]
    edges = sum(1 for t, _ in result.trace.edges(SENSOR) if start <= t <= stop)
    numbers = {
        "edges": f"{edges:,}",
        "seconds": f"{(stop - start) / 1e6:.1f} s",
        "alerts": plural(len(alerts), "ALERT"),
        "faults": plural(len(faults), "FAULT"),
        "fault_after": ms(faults[0].t_us - start) if faults else "never",
    }
    span = window(start - 100_000, start + 700_000, 100_000)
    caption = (
        f"{what}: the sensor chatters, {numbers['edges']} edges in {numbers['seconds']}; "
        f"the log says {numbers['alerts']} and {numbers['faults']}."
    )
    return Figure(name, _draw(result, span, (SENSOR, DOOR)), caption, numbers)


def flood_figure(runs: LabRuns) -> Figure:
    figure = _chatter_figure(runs, "lab8-flood", "starter", "The starter")
    claim(figure.numbers["faults"] == "no FAULT", "the starter says no FAULT")
    return figure


def fault_figure(runs: LabRuns) -> Figure:
    figure = _chatter_figure(runs, "lab8-fault", "solution", "The solution")
    claim(figure.numbers["faults"] == "1 FAULT", "the solution says FAULT once")
    claim(figure.numbers["alerts"] in ("no ALERT", "1 ALERT"), "one ALERT at most")
    return figure


FIGURES = {
    "lab8-late": late_figure,
    "lab8-scheduled": scheduled_figure,
    "lab8-one-slot": one_slot_figure,
    "lab8-ring": ring_figure,
    "lab8-flood": flood_figure,
    "lab8-fault": fault_figure,
}
