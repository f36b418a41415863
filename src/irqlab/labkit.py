"""Small pieces the labs' checks share: who answered which press, how fast, and how to say it.

Checks ask the same few questions of a run: which printed lines belong to which press (or
approach, or glitch), how long after it they came, how the LED toggled, what the handlers
did. These helpers answer them from the trace and the scenario's ground truth, and format
times the way every failure message does ("1.204 s", "412 ms").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from irqlab.checks import fail
from irqlab.runner import Run
from irqlab.scenario import Episode
from irqlab.trace import Line

MAX_LISTED = 5  # times listed in one message before "…"


# -- words ---------------------------------------------------------------------------------


def sec(t_us: int) -> str:
    """A moment of the run: '1.204 s'."""
    return f"{t_us / 1e6:.3f} s"


def msec(d_us: int) -> str:
    """A duration: '412 ms', or '0.35 ms' below 10 ms."""
    return f"{d_us / 1000:.0f} ms" if abs(d_us) >= 10_000 else f"{d_us / 1000:.2f} ms"


def moments(times: Sequence[int]) -> str:
    """'1.000, 2.000 and 3.000 s' (at most MAX_LISTED, then 'and N more'); 'nowhere' for none."""
    if not times:
        return "nowhere"
    shown = [f"{t / 1e6:.3f}" for t in times[:MAX_LISTED]]
    if len(times) > MAX_LISTED:
        return ", ".join(shown) + f" s and {len(times) - MAX_LISTED} more"
    if len(shown) == 1:
        return shown[0] + " s"
    return ", ".join(shown[:-1]) + " and " + shown[-1] + " s"


def printed(lines: Sequence[Line], what: str) -> str:
    """'PRESS lines came at 1.000 and 2.000 s', or 'no PRESS line was printed at all'."""
    if not lines:
        return f"no {what} line was printed at all"
    return f"{what} lines came at {moments([ln.t_us for ln in lines])}"


def plural(n: int, word: str) -> str:
    """'no press', '1 press', '3 presses', '2 lines'."""
    if n == 0:
        return f"no {word}"
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith(("s", "sh", "ch", "x")) else f"{n} {word}s"


# -- episodes and the lines that answer them ----------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An episode (press, approach, glitch) and the matching lines printed in its window.

    The window runs from the episode's first edge to the next episode's first edge (or the
    end of the run): a line in it can only be about this episode.
    """

    episode: Episode
    window: tuple[int, int]
    lines: tuple[Line, ...]

    @property
    def start_us(self) -> int:
        return self.episode.start_us

    @property
    def held_us(self) -> int:
        return self.episode.end_us - self.episode.start_us

    @property
    def delay_us(self) -> int | None:
        return self.lines[0].t_us - self.start_us if self.lines else None

    def describe(self, noun: str = "press") -> str:
        """'the press at 1.204 s (held 80 ms)'."""
        held = msec(self.held_us) if self.held_us < 1_000_000 else f"{self.held_us / 1e6:.1f} s"
        return f"the {noun} at {sec(self.start_us)} (held {held})"


def answers(run: Run, lines: Sequence[Line], kinds: tuple[str, ...] = ("press",)) -> list[Answer]:
    """Each episode of `kinds` with the lines printed in its window."""
    episodes = sorted(run.compiled.episodes, key=lambda e: e.start_us)
    end = max(run.trace.end_us, run.scenario.duration_us)
    bounds = [e.start_us for e in episodes] + [end]
    out = []
    for e, (a, b) in zip(episodes, itertools.pairwise(bounds), strict=False):
        if e.kind in kinds:
            out.append(Answer(e, (a, b), tuple(ln for ln in lines if a <= ln.t_us < b)))
    return out


def before_first(run: Run, lines: Sequence[Line]) -> list[Line]:
    """Lines printed before anything happened on the input."""
    first = min((e.start_us for e in run.compiled.episodes), default=run.trace.end_us + 1)
    return [ln for ln in lines if ln.t_us < first]


def require_nothing_before_first(
    run: Run,
    lines: Sequence[Line],
    says: Callable[[list[Line]], str],
    *,
    expected: str,
    seen_word: str,
    margin_us: int = 0,
) -> None:
    """Fail if a matching line came before the first press or approach: nothing had happened."""
    early = before_first(run, lines)
    if early:
        fail(
            says(early),
            expected=expected,
            seen=plural(len(early), seen_word),
            at_us=early[0].t_us,
            window=(0, run.compiled.episodes[0].start_us + margin_us),
            run=run,
        )


def around(
    t_us: int, run: Run, before_us: int = 150_000, after_us: int = 450_000
) -> tuple[int, int]:
    """A window for the diagram around a moment, inside the run."""
    end = max(run.trace.end_us, run.scenario.duration_us)
    return max(0, t_us - before_us), min(end, t_us + after_us)


# -- outputs and handlers ------------------------------------------------------------------


def irq_trigger(run: Run, pin: int) -> tuple[int, str | None] | None:
    """(trigger, handler name) of the last IRQ the program set on `pin`, or None."""
    found = run.trace.of("irq", pin=pin)
    if not found:
        return None
    last = found[-1]
    return (last["trigger"], last["handler"]) if last["handler"] else None


def require_irq(run: Run, pin: int, trigger: int | None = None, trigger_name: str = "") -> None:
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
        return
    if trigger is not None and got[0] != trigger:
        fail(
            f"the IRQ on GPIO{pin} uses trigger={got[0]}; this lab needs {trigger_name} "
            f"(= {trigger})",
            expected=f"trigger={trigger_name}",
            seen=f"trigger={got[0]}",
            run=run,
        )


def require_quiet_handlers(run: Run) -> None:
    """Fail if a pin or timer handler printed or slept."""
    prints = run.trace.prints_inside_handlers()
    if prints:
        source, event = prints[0]
        fail(
            f"the {source} handler printed {event['text'].strip()!r} at {sec(event['t_us'])}: "
            f"it printed {plural(len(prints), 'time')} in all; a handler only records, the "
            "main loop prints",
            expected="no print inside the handler",
            seen=f"{len(prints)} prints inside it",
            at_us=event["t_us"],
            window=around(event["t_us"], run, 20_000, 80_000),
            run=run,
        )
    sleeps = [e for e in run.trace.of("sleep") if e["where"] == "handler"]
    if sleeps:
        first = sleeps[0]
        fail(
            f"a handler slept {msec(first['us'])} at {sec(first['t_us'])} "
            f"({plural(len(sleeps), 'sleep')} inside handlers in all); a handler must return "
            "at once",
            expected="no sleep inside the handler",
            seen=f"{len(sleeps)} sleeps inside it",
            at_us=first["t_us"],
            window=around(first["t_us"], run, 20_000, 80_000),
            run=run,
        )


def require_short_handlers(run: Run, limit_us: int) -> None:
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
    slow = [r for r in runs if r.duration_us is not None and r.duration_us > limit_us]
    if slow:
        worst = max(slow, key=lambda r: r.duration_us or 0)
        fail(
            f"the {worst.source} handler took {msec(worst.duration_us or 0)} at "
            f"{sec(worst.start_us)} ({plural(len(slow), 'run')} over {msec(limit_us)}); "
            "record and return, and do the work in the main loop",
            expected=f"every run within {msec(limit_us)}",
            seen=f"{msec(worst.duration_us or 0)}",
            at_us=worst.start_us,
            window=around(worst.start_us, run, 5_000, 10_000),
            run=run,
        )
