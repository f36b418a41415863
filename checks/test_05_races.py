"""Lab 5, race conditions: the checks, and the figures of the lab's page.

A person breaking the beam on GPIO5 is one rising edge (a pass). The program prints
`IN n last=t` about every 2 s; t is ticks_ms(), which starts at TICKS0 (the shop opened an
hour before the scenario starts). BUSY: 9 s of people, 150 to 400 ms each, in bursts, some
of them passing while the first reports are sent. EXPLORE: the race explorer's world: one
person as the program starts (so the first report has someone to count), the edge the
explorer places (at every place in the first report cycle, in turn), then a shopper who
stands in the doorway from 2.4 s to the end, so that the explorer stops there and the second
report shows whether the placed person was counted.

The reports are judged by what the program printed, and when. A report's snapshot comes
after the previous line and before its own, and report() waits 120 ms: so the running total
up to report k must count everyone who passed before report k-1's line, or more than
DUE_US before its own, and no one who passed after its own line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

import pytest

from irqlab.checks import (
    around,
    expect_short_masking,
    fail,
    fail_if_broken,
    plural,
    requires,
    sec,
    skip_unless_measured,
)
from irqlab.pagefigures import Figure, LabRuns, claim, timing, window
from irqlab.race import Exploration, Placement, explore
from irqlab.racestory import Sources, handler_name, story
from irqlab.runner import Run, run
from irqlab.scenario import Glitch, Press, Scenario, Sensor

BEAM = 5
TICKS0 = 3_600_000  # ticks_ms() when the scenario starts
MASK_LIMIT_US = 50
DUE_US = 500_000  # a report counts everyone who passed this long before its line
T_SLACK_MS = 1  # t may lag the handler's start by this much (ticks_ms() is whole ms)
REPORT = re.compile(r"IN (\d+) last=(-?\d+)")

BUSY = Scenario(
    name="lab 5: 9 s of people at the door",
    world=(Sensor(pin=BEAM, idle=0),),
    timeline=(
        Press(at=0.40, hold=0.25),
        Press(at=0.75, hold=0.20),
        Press(at=1.05, hold=0.30),
        Press(at=1.80, hold=0.15),
        Press(at=2.03, hold=0.20),  # during the first report
        Press(at=3.20, hold=0.30),
        Press(at=3.60, hold=0.25),
        Press(at=4.06, hold=0.15),  # during the second report (a 2 s deadline)
        Press(at=4.22, hold=0.20),  # during the second report (2 s sleeps)
        Press(at=5.50, hold=0.40),
        Press(at=6.02, hold=0.18),
        Press(at=6.25, hold=0.15),
        Press(at=6.45, hold=0.30),
        Press(at=7.60, hold=0.20),
        Press(at=8.05, hold=0.20),
        Press(at=8.40, hold=0.15),
    ),
    seconds=9,
    seed=505,
    ticks_ms_start=TICKS0,
)
EXPLORE = Scenario(
    name="lab 5: one person, placed by the race explorer",
    world=(Sensor(pin=BEAM, idle=0),),
    timeline=(Press(at=0.01, hold=0.2), Press(at=2.4, hold=2.5)),  # released after the end
    seconds=4.4,
    seed=506,
    ticks_ms_start=TICKS0,
)
DEMO = BUSY


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(BUSY))


@pytest.mark.task(1)
@requires(test_runs)
def test_reports_add_up(bench):
    """with people passing all the time, even during report(), the IN n lines add up to
    every person who passed"""
    result = bench.run(BUSY)
    _expect_reports(result)
    _fail_at_report(result, _totals(Reports.of(result)))


@pytest.mark.task(1)
@requires(test_reports_add_up)
def test_no_placement_of_a_person_loses_them(bench):
    """with one person placed at every place a handler can run in turn, none is lost or
    counted twice (the race explorer)"""
    _expect_no_race(bench, "totals")


@pytest.mark.task(2)
@requires(test_runs)
def test_last_is_when_the_last_person_passed(bench):
    """each IN n last=t gives as t the ticks_ms() when a person passed, the latest one
    counted (within 1 ms)"""
    result = bench.run(BUSY)
    _expect_reports(result)
    reports = Reports.of(result)
    for k, line in enumerate(reports.lines):
        _fail_at_report(result, _last_known(reports, k, line))


@pytest.mark.task(2)
@requires(test_last_is_when_the_last_person_passed)
def test_no_torn_read(bench):
    """with one person placed at every place a handler can run in turn, n and t always
    come from the same moment: no report counts a person whose time it does not give, or
    gives the time of one it does not count (the race explorer)"""
    _expect_no_race(bench, "pair")


@pytest.mark.task(3)
@requires(test_runs)
def test_irqs_off_under_50_us(bench):
    """IRQs are never off (disable_irq() to enable_irq()) for longer than 50 µs"""
    expect_short_masking(bench.run(BUSY), MASK_LIMIT_US)


@pytest.mark.task(3)
@requires(test_runs)
def test_no_print_or_sleep_while_masked(bench):
    """nothing prints or sleeps while IRQs are off"""
    result = bench.run(BUSY)
    inside = result.trace.while_masked("print", "sleep")
    if inside:
        e = inside[0]
        what = f"printed {e['text'].strip()!r}" if e["kind"] == "print" else "slept"
        where = f" (line {e['line']})" if e.get("line") else ""
        fail(
            f"the program {what} at {sec(e['t_us'])}{where} with IRQs off "
            f"({len(inside)} prints and sleeps with IRQs off in all): a print waits "
            "for the UART and a sleep waits for time; with IRQs off, nothing else may happen "
            "meanwhile. Take only the reads and the reset inside, and report after enable_irq()",
            expected="no print or sleep between disable_irq() and enable_irq()",
            seen=f"{e['kind']} at {sec(e['t_us'])}",
            at_us=e["t_us"],
            window=around(e["t_us"], result, 20_000, 200_000),
            run=result,
        )


@pytest.mark.task(3)
@requires(test_no_print_or_sleep_while_masked)
def test_no_handler_runs_while_masked(bench):
    """with one person placed at every place a handler can run in turn, no handler ever
    runs while IRQs are off (a jump or a wait inside the section lets a queued one in)"""
    _expect_no_race(bench, "masked")


# -- the reports, as printed ------------------------------------------------------------------


class Line(NamedTuple):
    t_us: int
    n: int
    last: int
    total: int  # the n of this line and every line before it


class Reports(NamedTuple):
    """A run's IN lines and its passes (rising edges once the IRQ is set), in time order."""

    run: Run
    lines: tuple[Line, ...]
    passes: tuple[int, ...]

    @staticmethod
    def of(result: Run) -> Reports:
        lines, total = [], 0
        for ln in result.trace.lines(REPORT):
            m = REPORT.fullmatch(ln.text.strip())
            assert m is not None
            total += int(m[1])
            lines.append(Line(ln.t_us, int(m[1]), int(m[2]), total))
        return Reports(result, tuple(lines), tuple(_passes(result)))

    def before(self, t_us: int) -> int:
        """How many people had passed before `t_us`."""
        return sum(1 for p in self.passes if p < t_us)

    def previous_us(self, k: int) -> int:
        return self.lines[k - 1].t_us if k else 0


def _passes(result: Run) -> list[int]:
    """The rising edges on the beam once the program's IRQ is set: each one a person."""
    sets = [e["t_us"] for e in result.trace.of("irq", pin=BEAM) if e.get("handler")]
    since = sets[0] if sets else result.trace.end_us + 1
    return [t for t, level in result.trace.edges(BEAM) if level == 1 and t > since]


def _expect_reports(result: Run) -> None:
    odd = [ln for ln in result.trace.lines() if ln.text.startswith("IN")]
    odd = [ln for ln in odd if not REPORT.fullmatch(ln.text.strip())]
    if odd:
        fail(
            f"the line {odd[0].text!r} at {sec(odd[0].t_us)} does not read IN n last=t",
            expected="IN n last=t, as report(n, t) prints it",
            seen=odd[0].text,
            at_us=odd[0].t_us,
            run=result,
        )
    if len(result.trace.lines(REPORT)) < 2:
        fail(
            f"only {plural(len(result.trace.lines(REPORT)), 'IN line')} in "
            f"{sec(result.scenario.duration_us)}: report every 2 s",
            expected="an IN line about every 2 s",
            seen=plural(len(result.trace.lines(REPORT)), "line"),
            run=result,
        )


def _fail_at_report(result: Run, trouble: Trouble | None) -> None:
    """Fail with `trouble`, drawn over the report cycle that ends at its line."""
    if trouble is not None:
        fail(
            trouble.sentence,
            expected=trouble.expected,
            seen=trouble.seen,
            at_us=trouble.at_us,
            window=around(trouble.at_us, result, 2_300_000, 300_000),
            run=result,
        )


def _people(n: int) -> str:
    return "nobody" if n == 0 else "1 person" if n == 1 else f"{n} people"


class Trouble(NamedTuple):
    sentence: str
    expected: str
    seen: str
    at_us: int


def _due(r: Reports, k: int) -> tuple[int, int]:
    """(when, how many): report k must count everyone who passed before `when`: the
    previous line, or DUE_US before its own line, whichever is later."""
    when = max(r.previous_us(k), r.lines[k].t_us - DUE_US)
    return when, r.before(when)


def _totals(r: Reports) -> Trouble | None:
    """The first report whose running total is too low (someone lost) or too high."""
    for k, line in enumerate(r.lines):
        when, low = _due(r, k)
        high = r.before(line.t_us)
        if line.total < low:
            return Trouble(
                f"the IN lines up to the one at {sec(line.t_us)} add up to "
                f"{_people(line.total)}, but {_people(low)} had passed by {sec(when)}: "
                f"{_people(low - line.total)} lost",
                f"at least {low}",
                str(line.total),
                line.t_us,
            )
        if line.total > high:
            return Trouble(
                f"the IN lines up to the one at {sec(line.t_us)} add up to "
                f"{_people(line.total)}, but only {_people(high)} had passed by then: "
                "someone was counted twice",
                f"at most {high}",
                str(line.total),
                line.t_us,
            )
    return None


def _ticks(t_us: int) -> int:
    return TICKS0 + t_us // 1000


def _pass_of(r: Reports, last: int) -> set[int]:
    """Which passes (1, 2, ...) `last` can be the time of: from the edge to its handler's
    start, to the ms (two people a ms apart can share a time)."""
    starts = [h.start_us for h in r.run.trace.handler_runs(f"pin{BEAM}")]
    found = set()
    for i, p in enumerate(r.passes, start=1):
        handled = next((s for s in starts if s >= p), p)
        if _ticks(p) <= last <= _ticks(handled) + T_SLACK_MS:
            found.add(i)
    return found


def _last_known(r: Reports, k: int, line: Line) -> Trouble | None:
    """t must be the time of a pass no older than the latest one before the previous report
    (so it is at least that recent) and before this line: the latest counted."""
    seen = r.before(line.t_us)
    if seen == 0:
        return None  # nobody yet: t is whatever the program started with
    found = _pass_of(r, line.last)
    newest_due = _due(r, k)[1]
    if any(newest_due <= i <= seen for i in found):
        return None
    i = max(found, default=None)
    latest = r.passes[seen - 1]
    what = (
        f"the ticks_ms() of no person's pass (the latest before it passed at {sec(latest)}, "
        f"ticks_ms() {_ticks(latest)})"
        if i is None
        else f"the time of the person at {sec(r.passes[i - 1])}, but {_people(seen - i)} "
        f"passed after them and before {sec(r.previous_us(k))}"
    )
    return Trouble(
        f"the line IN {line.n} last={line.last} at {sec(line.t_us)} gives as t {what}; "
        "note ticks_ms() in the handler, with the count",
        f"last={_ticks(latest)} (within {T_SLACK_MS} ms)",
        f"last={line.last}",
        line.t_us,
    )


def _torn(r: Reports) -> Trouble | None:
    """The first report whose n and t come from different moments, judged only while the
    totals are right (a lost person is task 1's)."""
    for k, line in enumerate(r.lines):
        if not _due(r, k)[1] <= line.total <= r.before(line.t_us):
            return None
        found = _pass_of(r, line.last)
        if line.total in found or (not found and line.total == 0):
            continue
        i = max(found, default=None)
        counted = f"counts {_people(line.total)} so far"
        gives = "the time of no one counted" if i is None else f"the time of person {i}"
        return Trouble(
            f"the line IN {line.n} last={line.last} at {sec(line.t_us)} {counted}, but its t "
            f"is {gives}: n and t were read at different moments, and a handler ran between",
            "n and t read together, with no jump or wait between",
            f"IN {line.n} last={line.last}",
            line.t_us,
        )
    return None


def _masked_handler(result: Run) -> Trouble | None:
    inside = [e for e in result.trace.while_masked("enter") if e["source"] == f"pin{BEAM}"]
    if not inside:
        return None
    e = inside[0]
    span = next(a for a, b in result.trace.masked_spans() if a <= e["t_us"] <= b)
    where = f" after line {e['line']}" if e.get("line") else ""
    return Trouble(
        f"the handler ran at {sec(e['t_us'])}{where}, inside the section that turned IRQs "
        f"off at {sec(span)}: it was queued before disable_irq(), and a jump or a wait "
        "inside the section let it run",
        "no handler between disable_irq() and enable_irq()",
        f"the handler at {sec(e['t_us'])}",
        e["t_us"],
    )


# -- the race explorer, once per program: every check of it reads the same exploration ------

JUDGES: dict[str, Callable[[Run], Trouble | None]] = {
    "totals": lambda result: _totals(Reports.of(result)),
    "pair": lambda result: _torn(Reports.of(result)),
    "masked": _masked_handler,
}
# The latest bench's exploration: its three checks read one; a new bench (another program,
# another session) explores again.
_explored: list[tuple[object, Exploration, tuple[str, ...]]] = []


def _oracle(tags: tuple[str, ...], result: Run) -> str | None:
    """The sentences of the judges named in `tags`, tagged: `tag: sentence` lines."""
    said = [f"{tag}: {t.sentence}" for tag in tags if (t := JUDGES[tag](result))]
    return "\n".join(said) or None


def _exploration(bench) -> tuple[Exploration, tuple[str, ...]]:
    """The race explorer's run of the program, and the judges it asked: those the program
    satisfies with only EXPLORE's shopper at the door."""
    skip_unless_measured(bench.target, "races")
    if not _explored or _explored[0][0] is not bench:
        baseline = bench.run(EXPLORE)
        tags = tuple(tag for tag, judge in JUDGES.items() if judge(baseline) is None)
        oracle = functools.partial(_oracle, tags)
        found = bench.explore_races(EXPLORE, oracle, time_limit_s=None)
        _explored[:] = [(bench, found, tags)]
    return _explored[0][1], _explored[0][2]


def _expect_no_race(bench, tag: str) -> None:
    found, tags = _exploration(bench)
    if found.baseline is not None:
        fail(f"with only two people at the door, {found.baseline}", run=found.baseline_run)
    if tag not in tags:
        trouble = JUDGES[tag](found.baseline_run)
        assert trouble is not None
        fail(
            f"with only two people at the door, no race needed: {trouble.sentence}",
            expected=trouble.expected,
            seen=trouble.seen,
            at_us=trouble.at_us,
            run=found.baseline_run,
        )
    failing = [p for p in found.placements if p.failure and _said(p.failure, tag)]
    if failing:
        _fail_race(bench, found, failing[0], tag, len(failing))


def _said(failure: str, tag: str) -> str | None:
    prefix = f"{tag}: "
    return next((ln[len(prefix) :] for ln in failure.splitlines() if ln.startswith(prefix)), None)


def _fail_race(bench, found: Exploration, p: Placement, tag: str, count: int) -> None:
    result = run(bench.program, _placed(p.at_ns), bench.board)
    trouble = JUDGES[tag](result)
    assert trouble is not None, "the placement fails again the same way"
    told = story(
        p.at_ns,
        p.file,
        p.line,
        trouble.sentence,
        Sources(bench.program.folder),
        handler_name(found.baseline_run.trace),
    )
    fail(
        f"{told} ({plural(count, 'placement')} of the {found.tried} tried fail so)",
        expected=trouble.expected,
        seen=trouble.seen,
        at_us=p.at_us,
        window=around(p.at_us, result, 100_000, 300_000),
        run=result,
    )


def _placed(at_ns: int) -> Scenario:
    """EXPLORE with the explorer's person at `at_ns`: a 1 ms pulse on the beam."""
    return replace(EXPLORE, timeline=(*EXPLORE.timeline, Glitch(at=at_ns / 1e9, pin=BEAM)))


# -- the page's figures ------------------------------------------------------------------------


def _around_report(result: Run) -> tuple[int, int]:
    """The first report: from 300 ms before its line to 250 ms after."""
    first = Reports.of(result).lines[0].t_us
    return window(first - 420_000, first + 250_000, 50_000)


def classic_figure(runs: LabRuns) -> Figure:
    result = runs.run("bad/resets_after_report", BUSY)
    reports = Reports.of(result)
    first = reports.lines[0]
    during = [p for p in reports.passes if first.t_us - 120_000 <= p < first.t_us]
    last = reports.lines[-1]
    numbers = {
        "during": sec(during[0]) if during else "",
        "counted": _people(last.total),
        "passed": _people(reports.before(last.t_us - DUE_US)),
        "lines": ", ".join(f"IN {ln.n}" for ln in reports.lines),
    }
    claim(len(during) == 1, "one person passes during the first report()")
    claim(_totals(reports) is not None, "the classic program loses people")
    numbers["story"] = _first_race(runs, "bad/resets_after_report", "totals")[1]["story"]
    caption = (
        f"The classic program: the person at {numbers['during']} passes during report()'s "
        f"wait. The handler counts them; count = 0 then wipes them. Over 9 s its lines add "
        f"up to {numbers['counted']}; {numbers['passed']} had passed by then."
    )
    return Figure("lab5-classic", timing(result, _around_report(result), ()), caption, numbers)


def _first_race(runs: LabRuns, program: str, tag: str) -> tuple[Run, dict[str, str]]:
    """The first placement the race explorer finds breaking `program` for judge `tag`: its
    run, and what the page says of it."""
    path = runs.lab.program(program)
    found = explore(path, EXPLORE, functools.partial(_oracle, (tag,)), time_limit_s=None)
    failing = [p for p in found.placements if p.failure]
    claim(bool(failing), f"the race explorer finds a race in {program}")
    first = failing[0]
    result = run(path, _placed(first.at_ns), "esp32")
    trouble = JUDGES[tag](result)
    assert trouble is not None
    spread_us = (failing[-1].at_ns - first.at_ns) // 1000 + 1
    told = story(
        first.at_ns,
        first.file,
        first.line,
        trouble.sentence,
        Sources(path.parent),
        handler_name(found.baseline_run.trace),
    )
    return result, {
        "at": f"{first.at_ns / 1e6:.3f} ms",
        "tried": str(found.tried),
        "failing": str(len(failing)),
        "spread": f"{spread_us} µs",
        "story": told,
    }


def _race_figure(runs: LabRuns, name: str, program: str, tag: str, what: str) -> Figure:
    result, numbers = _first_race(runs, program, tag)
    first_us = round(float(numbers["at"].removesuffix(" ms")) * 1000)
    span = window(first_us - 150, first_us + 350, 50)
    caption = (
        f"{what}: the race explorer tried {numbers['tried']} placements; "
        f"{numbers['failing']} of them, all within {numbers['spread']} before the report, "
        f"break it. Drawn: the first, an edge at {numbers['at']}."
    )
    return Figure(name, timing(result, span, ()), caption, numbers)


def branch_figure(runs: LabRuns) -> Figure:
    return _race_figure(
        runs, "lab5-branch", "bad/reset_after_a_branch", "totals", "Read, branch, reset"
    )


def trap_figure(runs: LabRuns) -> Figure:
    return _race_figure(
        runs, "lab5-trap", "bad/branch_inside_the_mask", "masked", "A test inside the mask"
    )


def solution_figure(runs: LabRuns) -> Figure:
    result = runs.run("solution", BUSY)
    reports = Reports.of(result)
    spans = [b - a for a, b in result.trace.masked_spans()]
    found = explore(
        runs.lab.program("solution"),
        EXPLORE,
        functools.partial(_oracle, tuple(JUDGES)),
        time_limit_s=None,
    )
    numbers = {
        "masked": f"{min(spans)} to {max(spans)} µs"
        if min(spans) != max(spans)
        else f"{max(spans)} µs",
        "counted": _people(reports.lines[-1].total),
        "tried": str(found.tried),
        "places": str(found.places),
    }
    claim(
        _totals(reports) is None and not [p for p in found.placements if p.failure],
        "the solution counts everyone wherever the edge falls",
    )
    caption = (
        f"The solution, the same moment: the person during report() is counted in the next "
        f"line. IRQs are off for {numbers['masked']} per report; the explorer's "
        f"{numbers['tried']} placements ({numbers['places']} places) all pass."
    )
    return Figure("lab5-solution", timing(result, _around_report(result), ()), caption, numbers)


FIGURES: dict[str, Callable[[LabRuns], Figure]] = {
    "lab5-classic": classic_figure,
    "lab5-branch": branch_figure,
    "lab5-trap": trap_figure,
    "lab5-solution": solution_figure,
}
