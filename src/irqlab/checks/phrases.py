"""Failures that phrase themselves, for the shapes every lab repeats about printed lines: a
line missing, a line too late, too many lines, a line before anything happened. Each takes
the facts once (the replies, the limit) and builds the sentence, expected and seen from them.

A `note` adds what only this lab can say about an answer ("its contacts bounced 7 times");
a `hint` replaces the task's first hint when the check knows which one fits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from irqlab.checks.failure import fail
from irqlab.checks.replies import Answer, Replies, around
from irqlab.checks.words import moments, msec, msec_past, plural, printed, said, sec

Note = Callable[[Answer], str]
DIAGRAM_BEFORE_US = 100_000  # drawn before an episode whose line is late or missing
DIAGRAM_AFTER_US = 200_000  # drawn after its deadline (or its late line)


def _note(note: Note | None, a: Answer) -> str:
    """What the lab adds about `a`, placed right after the fact it explains."""
    return note(a) if note else ""


def _on_time(r: Replies, limit_us: int) -> str:
    n = len(r.answers)
    return f"{n - len(r.late(limit_us))} of {plural(n, r.reply.noun)} on time"


def fail_missing(
    r: Replies, a: Answer, *, note: Note | None = None, why: str = "", hint: str | None = None
) -> NoReturn:
    """The episode got no line at all."""
    name = r.reply.name
    fail(
        f"{a.describe(r.reply.noun)} got no {name} line{_note(note, a)}; "
        f"{printed(r.lines, name)}" + (f" ({why})" if why else ""),
        expected=plural(1, name + " line"),
        seen=plural(0, name + " line"),
        at_us=a.start_us,
        window=around(a.start_us, r.run, DIAGRAM_BEFORE_US, 3 * DIAGRAM_AFTER_US),
        run=r.run,
        hint=hint,
    )


def fail_late(
    r: Replies, a: Answer, limit_us: int, *, note: Note | None = None, hint: str | None = None
) -> NoReturn:
    """The episode's first line came later than `limit_us` after its first edge."""
    delay = a.delay_us
    if delay is None:
        fail_missing(r, a, note=note, why=_on_time(r, limit_us), hint=hint)
    first, late = a.lines[0], msec_past(delay, limit_us)
    fail(
        f"{a.describe(r.reply.noun)} waited {late} for its {r.reply.name} line (printed at "
        f"{sec(first.t_us)}){_note(note, a)}; it must come within {msec(limit_us)} of the "
        f"first edge ({_on_time(r, limit_us)})",
        expected=f"{r.reply.name} within {msec(limit_us)}",
        seen=late,
        at_us=a.start_us,
        window=around(a.start_us, r.run, DIAGRAM_BEFORE_US, delay + DIAGRAM_AFTER_US),
        run=r.run,
        hint=hint,
    )


def fail_count(
    r: Replies,
    a: Answer,
    expected: int = 1,
    *,
    note: Note | None = None,
    hint: str | None = None,
) -> NoReturn:
    """The episode got a number of lines other than `expected`."""
    name, got = r.reply.name, len(a.lines)
    if got == 0:
        fail_missing(r, a, note=note, hint=hint)
    want = "one" if expected == 1 else str(expected)
    fail(
        f"{a.describe(r.reply.noun)} printed {plural(got, name + ' line')} "
        f"({said(a.lines)}){_note(note, a)}; expected {want}",
        expected=plural(expected, name + " line"),
        seen=plural(got, name + " line"),
        at_us=a.lines[min(expected, got - 1)].t_us,
        window=a.window,
        run=r.run,
        hint=hint,
    )


def expect_nothing_before_first(
    r: Replies, *, why: str = "", margin_us: int = 0, hint: str | None = None
) -> None:
    """Fail if a line came before the first episode: nothing had happened yet."""
    early = r.before_first()
    if not early:
        return
    first = r.run.compiled.episodes[0].start_us
    name, noun = r.reply.name, r.reply.noun
    fail(
        f"{name} was printed at {moments([ln.t_us for ln in early])}, before the first "
        f"{noun} at {sec(first)}" + (f": {why}" if why else ""),
        expected=f"no {name} before the first {noun}",
        seen=plural(len(early), f"{name} line"),
        at_us=early[0].t_us,
        window=(0, first + margin_us),
        run=r.run,
        hint=hint,
    )


def expect_one_each(
    r: Replies,
    *,
    missing: bool | Callable[[Answer], bool] = True,
    note: Note | None = None,
    hint: str | None = None,
) -> None:
    """Fail at the first episode with more than one line, or with none when `missing` says
    that counts here (False: another check judges a missing line, by its delay)."""
    for a in r.answers:
        counts_missing = missing(a) if callable(missing) else missing
        if len(a.lines) > 1 or (not a.lines and counts_missing):
            fail_count(r, a, note=note, hint=hint)


def expect_on_time(
    r: Replies,
    limit_us: int,
    *,
    missing: bool = True,
    note: Note | None = None,
    hint: str | None = None,
) -> None:
    """Fail at the first episode whose line came later than `limit_us` (or never, when
    `missing`: False leaves a missing line to the check that counts them); `hint` replaces
    the task's hint."""
    for a in r.late(limit_us):
        if a.lines or missing:
            fail_late(r, a, limit_us, note=note, hint=hint)


def expect_silent(r: Replies, *, why: str = "", hint: str | None = None) -> None:
    """Fail at the first episode that got a line: these episodes must get none."""
    for a in r.answers:
        if a.lines:
            fail(
                f"{a.describe(a.episode.kind)} printed {said(a.lines)}"
                + (f"; {why}" if why else ""),
                expected=f"no {r.reply.name} line",
                seen=plural(len(a.lines), f"{r.reply.name} line"),
                at_us=a.start_us,
                window=around(a.start_us, r.run, DIAGRAM_BEFORE_US // 3, DIAGRAM_AFTER_US),
                run=r.run,
                hint=hint,
            )
