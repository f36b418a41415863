"""Figures for a lab's page: timing diagrams of the lab's own programs (starter, solution,
known-bad variants) under its checks' scenarios, with the numbers the page quotes. The
recipes live in the lab's checks module, beside the scenarios they use::

    FIGURES = {"lab1-starter": starter_figure}

    def starter_figure(runs: LabRuns) -> Figure:
        result = runs.run("starter", PRESSES)
        ...
        claim(lines == 0, "the page says the starter misses the short presses")
        return Figure("lab1-starter", timing(result, span), caption, numbers)

A page shows one with {{ irqlab_figure("lab1-starter") }}; a claim that stops holding
fails the site's build. Nothing here needs matplotlib: a checks module may import it.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from irqlab.course import Lab
from irqlab.diagram import render_svg
from irqlab.diagram.lanes import INPUT_PIN, LED_PIN
from irqlab.outcome import problem
from irqlab.runner import Run, run
from irqlab.scenario import Scenario


@dataclass(frozen=True)
class Figure:
    name: str
    svg: str
    caption: str
    numbers: dict[str, str] = field(default_factory=dict)


class FigureError(Exception):
    """A figure could not be made, or no longer shows what its page says."""


def claim(holds: bool, what: str) -> None:
    """Stop the figure (and the site's build) when what the page says no longer holds."""
    if not holds:
        raise FigureError(f"a figure no longer shows what its page says: {what}")


class LabRuns:
    """One lab's programs run on the simulated ESP32, each (program, scenario) once."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._runs: dict[tuple[str, str], Run] = {}

    def run(self, program: str, scenario: Scenario) -> Run:
        """`program`: "starter", "solution", or "bad/NAME" (a file in tests/bad/<slug>/)."""
        key = (program, repr(scenario))
        if key not in self._runs:
            path = self.lab.program(program)
            if not path.is_file():
                raise FigureError(f"a figure of lab {self.lab.slug} needs {path}: it is missing")
            with tempfile.TemporaryDirectory(prefix="irqlab-figure-") as tmp:
                copy = Path(tmp) / path.name
                copy.write_text(committed(path, self.lab.root))
                result = run(copy, scenario, board="esp32")
            # The starter and the solution run to the end; a variant may crash on purpose.
            wrong = problem(result) if program in ("starter", "solution") else None
            if wrong:
                where = path.relative_to(self.lab.root)
                raise FigureError(f"a figure of lab {self.lab.slug} runs {where}, and {wrong}")
            self._runs[key] = result
        return self._runs[key]


def committed(path: Path, root: Path) -> str:
    """The course's own version of `path`: as committed, when the course is a git checkout.
    A student edits the starter in place; the site must not draw their work in progress."""
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    try:
        shown = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:{relative}"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git: a course unpacked from an archive is its own copy
        return path.read_text()
    return shown.stdout if shown.returncode == 0 else path.read_text()


# -- drawing ----------------------------------------------------------------------------------


def inline_svg(document: str) -> str:
    """A timing diagram from irqlab.diagram, to inline in a page: sized by CSS."""
    svg = document[document.index("<svg") :]
    return re.sub(r'\s(width|height)="[\d.]+"', "", svg, count=2).rstrip()


def timing(
    result: Run,
    span: tuple[int, int],
    outputs: Sequence[int] = (LED_PIN,),
    zoom: tuple[int, int] | None = None,
) -> str:
    """The run's timing diagram over `span`, as the checks draw it; with `zoom`, a second
    diagram under it shows that stretch magnified (a bounce's edges, say)."""
    drawn = [_diagram(result, span, outputs)]
    if zoom is not None:
        title = f"zoomed in: {zoom[0] / 1e6:.4f} s to {zoom[1] / 1e6:.4f} s"
        drawn.append(_diagram(result, zoom, outputs, title))
    return "\n".join(drawn)


def _diagram(result: Run, span: tuple[int, int], outputs: Sequence[int], title: str = "") -> str:
    svg = render_svg(
        result.trace,
        start_us=span[0],
        end_us=span[1],
        pins=[INPUT_PIN],
        outputs=outputs,
        idle=result.compiled.idle,
        episodes=result.compiled.episodes,
        title=title,
    )
    return inline_svg(svg)


def window(first_us: int, last_us: int, step_us: int) -> tuple[int, int]:
    """[first_us, last_us] widened to whole steps, so the axis starts on a round time."""
    return (first_us // step_us) * step_us, math.ceil(last_us / step_us) * step_us


# -- what the runs show -----------------------------------------------------------------------


def edges_between(result: Run, pin: int, start_us: int, end_us: int) -> int:
    return sum(1 for t, _ in result.trace.edges(pin) if start_us <= t <= end_us)


def handler_lags(result: Run, pin: int) -> list[int]:
    """For each rising edge on `pin`, how long until a handler started (us)."""
    starts = [r.start_us for r in result.trace.handler_runs()]
    lags = []
    for t, level in result.trace.edges(pin):
        later = [s for s in starts if s >= t]
        if level == 1 and later:
            lags.append(later[0] - t)
    return lags


def handler_lengths(result: Run) -> list[int]:
    return [r.end_us - r.start_us for r in result.trace.handler_runs() if r.end_us is not None]


# -- words, as a page quotes them -------------------------------------------------------------


def ms(d_us: float) -> str:
    return f"{d_us / 1000:.0f} ms" if d_us >= 10_000 else f"{d_us / 1000:.1f} ms"


def ms_span(values_us: Sequence[float]) -> str:
    """'1.1 to 8.6 ms', or one value when they are all the same."""
    low, high = ms(min(values_us)), ms(max(values_us))
    return low if low == high else f"{low.removesuffix(' ms')} to {high}"


def us_span(values_us: Sequence[int]) -> str:
    low, high = min(values_us), max(values_us)
    return f"{low} µs" if low == high else f"{low} to {high} µs"


def count_span(values: Sequence[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low} to {high}"


def listing(words: Sequence[str]) -> str:
    """'`A`, `B` and `C`'."""
    quoted = [f"`{w}`" for w in words]
    if len(quoted) < 2:
        return "".join(quoted) or "nothing"
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
