"""What `irqlab run N` adds to `irqlab run FILE`: the student's program for lab N, in the
lab's world (the DEMO scenario of checks/test_NN_slug.py), and waveforms of what happened:
the whole run, then the first press (or approach, or glitch) close up."""

from __future__ import annotations

from pathlib import Path

from irqlab.checks.replies import end_us
from irqlab.course import Lab
from irqlab.diagram import render_text
from irqlab.runner import Run

CLOSE_UP_BEFORE_US = 20_000
CLOSE_UP_AFTER_US = 180_000


def is_lab_number(text: str) -> bool:
    """True when FILE names a lab (`irqlab run 2`) rather than a file."""
    return text.isdigit() and not Path(text).exists()


def heading(lab: Lab) -> str:
    return f"Lab {lab.number}, {lab.title}: {_shown(lab.starter)}\nWorld: {lab.world}\n"


def waveforms(result: Run) -> str:
    """The whole run, then a close-up of the first thing that happened on the input."""
    episodes = result.compiled.episodes
    end = max(1, end_us(result))

    def draw(start: int, stop: int) -> str:
        return render_text(
            result.trace,
            start_us=start,
            end_us=stop,
            pins=sorted(result.compiled.idle) or [5],
            outputs=sorted({e["pin"] for e in result.trace.of("write")}),
            idle=result.compiled.idle,
            episodes=episodes,
        )

    parts = ["The whole run:\n" + draw(0, end)]
    if episodes:
        first = episodes[0]
        start = max(0, first.start_us - CLOSE_UP_BEFORE_US)
        stop = min(end, first.start_us + CLOSE_UP_AFTER_US)
        if stop > start:
            parts.append(f"The first {first.kind}, close up:\n{draw(start, stop)}")
    return "\n\n".join(parts)


def next_step(lab: Lab) -> str:
    return f"Next: `irqlab check {lab.number}` checks it, task by task."


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
