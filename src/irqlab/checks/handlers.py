"""Failures that phrase themselves about interrupts: no IRQ set, a handler that prints or
sleeps, a handler too slow, a masked span too long, an IRQ lost."""

from __future__ import annotations

from typing import NoReturn

from irqlab.checks.failure import fail
from irqlab.checks.replies import around
from irqlab.checks.targets import skip_unless_measured, target_of
from irqlab.checks.words import msec, msec_past, plural, sec
from irqlab.runner import Run
from irqlab.trace import Event

CLOSE_BEFORE_US, CLOSE_AFTER_US = 20_000, 80_000  # the diagram around one handler's misdeed
# The hint for each handler rule a check finds broken: the task's own hints may be about
# another of its conditions (setting the IRQ, say).
PRINT_HINT = (
    "A handler only records (a flag, a count, a time) and returns: take the print out of it "
    "and print from the main loop, after looking at what the handler recorded."
)
SLEEP_HINT = "A handler returns at once: take the sleep out; the main loop does the waiting."
SLOW_HINT = "A handler records and returns: move the work to the main loop."
ALLOC_HINT = (
    "A handler allocates nothing: no float, no new list, string or tuple, no print, no "
    "number of 2**30 or more. Update integers (or a buffer) made before the IRQ was set."
)


def irq_trigger(run: Run, pin: int) -> tuple[int, str | None] | None:
    """(trigger, handler name) of the last IRQ the program set on `pin`, or None."""
    found = run.trace.of("irq", pin=pin)
    if not found:
        return None
    last = found[-1]
    return (last["trigger"], last["handler"]) if last["handler"] else None


def expect_irq(run: Run, pin: int, trigger: int | None = None, trigger_name: str = "") -> None:
    """Fail unless the program set an IRQ with a handler on `pin` (with exactly `trigger`)."""
    got = irq_trigger(run, pin)
    wanted = f"Pin({pin}).irq(handler=..." + (f", trigger={trigger_name})" if trigger_name else ")")
    if got is None:
        fail(
            f"the program never set an IRQ on GPIO{pin}: no {wanted} ran",
            expected=wanted,
            seen=f"no IRQ on GPIO{pin}",
            run=run,
        )
    if trigger is not None and got[0] != trigger:
        fail(
            f"the IRQ on GPIO{pin} uses trigger={got[0]}; this lab needs {trigger_name} "
            f"(= {trigger})",
            expected=f"trigger={trigger_name}",
            seen=f"trigger={got[0]}",
            run=run,
        )


def expect_quiet_handlers(run: Run) -> None:
    """Fail if a pin or timer handler printed or slept."""
    prints = run.trace.prints_inside_handlers()
    if prints:
        source, event = prints[0]
        _fail_inside(
            run,
            event,
            f"the {source} handler printed {event['text'].strip()!r} at {sec(event['t_us'])}: "
            f"it printed {plural(len(prints), 'time')} in all; a handler only records, the "
            "main loop prints",
            "no print inside the handler",
            f"{len(prints)} prints inside it",
            PRINT_HINT,
        )
    sleeps = [e for e in run.trace.of("sleep") if e["where"] == "handler"]
    if sleeps:
        first = sleeps[0]
        _fail_inside(
            run,
            first,
            f"a handler slept {msec(first['us'])} at {sec(first['t_us'])} "
            f"({plural(len(sleeps), 'sleep')} inside handlers in all); a handler must return "
            "at once",
            "no sleep inside the handler",
            f"{len(sleeps)} sleeps inside it",
            SLEEP_HINT,
        )


def _fail_inside(
    run: Run, event: Event, message: str, expected: str, seen: str, hint: str
) -> NoReturn:
    """Fail at `event`, something a handler did that it must not, drawn close up."""
    t = event["t_us"]
    fail(
        message,
        expected=expected,
        seen=seen,
        at_us=t,
        window=around(t, run, CLOSE_BEFORE_US, CLOSE_AFTER_US),
        run=run,
        hint=hint,
    )


def _fail_longest(
    run: Run,
    span: tuple[int, int],
    count: int,
    limit_us: int,
    what: str,
    fix: str,
    hint: str | None = None,
) -> NoReturn:
    """`count` stretches went over `limit_us`; fail at `span` (start, length), the longest."""
    start, length = span
    fail(
        f"{what} {msec_past(length, limit_us)} at {sec(start)} ({plural(count, 'time')} over "
        f"{msec(limit_us)}); {fix}",
        expected=f"every one within {msec(limit_us)}",
        seen=msec_past(length, limit_us),
        at_us=start,
        window=around(start, run, 5_000, 10_000 + length),
        run=run,
        hint=hint,
    )


def expect_no_allocation(run: Run) -> None:
    """Fail if a handler allocated: `run` must come from bench.run(scenario, strict_isr=True),
    where a handler runs with the heap locked and its first allocation raises MemoryError at
    its line (the board's own API allocates nothing there, as the port's C does not)."""
    found = [e for e in run.trace.exceptions("handler") if e["type"] == "MemoryError"]
    if found:
        first = found[0]
        line = f" {first['file']} line {first['line']}" if first.get("line") else ""
        _fail_inside(
            run,
            first,
            f"a handler allocated memory at {sec(first['t_us'])},{line} "
            f"({plural(len(found), 'handler run')} stopped there with the heap locked); a "
            "handler must allocate nothing, as a hard IRQ on other ports must not",
            "no allocation inside the handler",
            f"an allocation at{line}" if line else "an allocation",
            ALLOC_HINT,
        )


def expect_short_handlers(run: Run, limit_us: int) -> None:
    """Fail if a handler ran longer than `limit_us`, or never returned."""
    runs = run.trace.handler_runs()
    stuck = [r for r in runs if r.end_us is None]
    if stuck:
        fail(
            f"the {stuck[0].source} handler started at {sec(stuck[0].start_us)} and never returned",
            expected=f"back within {msec(limit_us)}",
            seen="never returned",
            at_us=stuck[0].start_us,
            run=run,
        )
    slow = [r for r in runs if (r.duration_us or 0) > limit_us]
    if slow:
        worst = max(slow, key=lambda r: r.duration_us or 0)
        _fail_longest(
            run,
            (worst.start_us, worst.duration_us or 0),
            len(slow),
            limit_us,
            f"the {worst.source} handler took",
            "record and return, and do the work in the main loop",
            SLOW_HINT,
        )


def expect_short_masking(run: Run, limit_us: int) -> None:
    """Fail if IRQs stayed disabled longer than `limit_us` at a stretch."""
    long = [(a, b - a) for a, b in run.trace.masked_spans() if b - a > limit_us]
    if long:
        _fail_longest(
            run,
            max(long, key=lambda s: s[1]),
            len(long),
            limit_us,
            "IRQs were off for",
            "keep only the few lines that must not be split between disable_irq() and enable_irq()",
        )


def expect_no_drops(run: Run) -> None:
    """Fail if the scheduler's queue was full when an IRQ came (skipped where no one can
    see it: on a real board)."""
    skip_unless_measured(target_of(run), "drops")
    drops = run.trace.drops()
    if drops:
        first = drops[0]
        fail(
            f"an IRQ from {first['source']} was lost at {sec(first['t_us'])}: the scheduler's "
            f"queue was full ({plural(len(drops), 'IRQ')} lost in all); handlers must return "
            "faster than the edges come",
            expected="no IRQ lost",
            seen=plural(len(drops), "IRQ") + " lost",
            at_us=first["t_us"],
            window=around(first["t_us"], run, CLOSE_BEFORE_US, CLOSE_AFTER_US),
            run=run,
        )
