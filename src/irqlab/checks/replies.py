"""Printed lines matched to what happened on the input: the one way the checks, the site and
the notebooks decide which line answers which press, approach or glitch.

    PRESS = Reply(r"PRESS \\d+", name="PRESS")
    replies = PRESS.match(run)          # every press, with the PRESS lines in its window
    replies.answers[0].delay_us         # how long the first press waited for its line

An episode's window runs from its first edge to the next episode's first edge (or the end of
the run): a line in it can only be about that episode.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from irqlab.checks.words import msec, sec
from irqlab.runner import Run
from irqlab.scenario import Episode
from irqlab.trace import PrintedLine


def end_us(run: Run) -> int:
    """Where a run's story ends: the scenario's end, or later if the board ran on past it."""
    return max(run.trace.end_us, run.scenario.duration_us)


@dataclass(frozen=True)
class Answer:
    """An episode (press, approach, glitch) and the lines printed in its window."""

    episode: Episode
    window: tuple[int, int]
    lines: tuple[PrintedLine, ...]

    @property
    def start_us(self) -> int:
        return self.episode.start_us

    @property
    def held_us(self) -> int:
        return self.episode.end_us - self.episode.start_us

    @property
    def delay_us(self) -> int | None:
        """From the episode's first edge to its first line; None if it got none."""
        return self.lines[0].t_us - self.start_us if self.lines else None

    def describe(self, noun: str = "press") -> str:
        """'the press at 1.204 s (held 80 ms)'."""
        held = msec(self.held_us) if self.held_us < 1_000_000 else f"{self.held_us / 1e6:.1f} s"
        return f"the {noun} at {sec(self.start_us)} (held {held})"


def answers(
    run: Run, lines: Sequence[PrintedLine], kinds: tuple[str, ...] = ("press",)
) -> list[Answer]:
    """Each episode of `kinds`, in time order, with the lines printed in its window."""
    episodes = sorted(run.compiled.episodes, key=lambda e: e.start_us)
    bounds = [e.start_us for e in episodes] + [end_us(run)]
    out = []
    for e, (a, b) in zip(episodes, itertools.pairwise(bounds), strict=False):
        if e.kind in kinds:
            out.append(Answer(e, (a, b), tuple(ln for ln in lines if a <= ln.t_us < b)))
    return out


def around(
    t_us: int, run: Run, before_us: int = 150_000, after_us: int = 450_000
) -> tuple[int, int]:
    """A window for the diagram around a moment, inside the run."""
    return max(0, t_us - before_us), min(end_us(run), t_us + after_us)


@dataclass(frozen=True)
class Reply:
    """The line a program must print for each episode, and how a failure names the two."""

    pattern: str  # what a line must fullmatch: r"PRESS \d+"
    name: str  # the line, in a sentence: "PRESS", "Alert!!!"
    noun: str = "press"  # what each line answers: "press", "approach"

    def match(self, run: Run, kinds: tuple[str, ...] = ("press",)) -> Replies:
        """The run's matching lines, and each episode of `kinds` with the ones in its window."""
        lines = tuple(run.trace.lines(self.pattern))
        return Replies(self, run, lines, tuple(answers(run, lines, kinds)))


@dataclass(frozen=True)
class Replies:
    """One run's lines of a Reply, matched to the episodes they answer."""

    reply: Reply
    run: Run
    lines: tuple[PrintedLine, ...]
    answers: tuple[Answer, ...]

    def before_first(self) -> list[PrintedLine]:
        """Lines printed before anything happened on the input."""
        episodes = self.run.compiled.episodes
        first = min((e.start_us for e in episodes), default=self.run.trace.end_us + 1)
        return [ln for ln in self.lines if ln.t_us < first]

    def late(self, limit_us: int) -> list[Answer]:
        """The answers that came later than `limit_us` after their episode, or never."""
        return [a for a in self.answers if a.delay_us is None or a.delay_us > limit_us]
