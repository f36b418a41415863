"""Timing diagrams of a run: lanes for the input pin, handler activity, printed lines and the
LED, with marked moments and a time axis; as SVG (for files and the site) or as Unicode text
(for a terminal). Both take the same arguments::

    render_svg(run.trace, start_us=1_000_000, end_us=1_400_000,
               marks=[(1_204_000, "press got no PRESS line")], title="lab 1")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from irqlab.diagram import svg, text
from irqlab.diagram.lanes import INPUT_PIN, LED_PIN, Diagram, build
from irqlab.runner import Run
from irqlab.scenario import Episode
from irqlab.trace import Trace

__all__ = ["Diagram", "build", "failure_diagram", "render_svg", "render_text"]

MARGIN_US = 150_000  # drawn either side of a failing moment when the check gives no window


def render_svg(
    trace: Trace,
    *,
    start_us: int,
    end_us: int,
    pins: Sequence[int] = (INPUT_PIN,),
    outputs: Sequence[int] = (LED_PIN,),
    idle: Mapping[int, int] | None = None,
    marks: Iterable[tuple[int, str]] = (),
    episodes: Iterable[Episode] = (),
    title: str = "",
    reference: Trace | None = None,
) -> str:
    """The window [start_us, end_us] of `trace` as an SVG document (with `reference`, the
    lanes of the lab's solution's run of the same scenario below)."""
    return svg.render(
        build(
            trace,
            start_us=start_us,
            end_us=end_us,
            pins=pins,
            outputs=outputs,
            idle=idle,
            marks=marks,
            episodes=episodes,
            title=title,
            reference=reference,
        )
    )


def render_text(
    trace: Trace,
    *,
    start_us: int,
    end_us: int,
    pins: Sequence[int] = (INPUT_PIN,),
    outputs: Sequence[int] = (LED_PIN,),
    idle: Mapping[int, int] | None = None,
    marks: Iterable[tuple[int, str]] = (),
    episodes: Iterable[Episode] = (),
    title: str = "",
    width: int = text.WIDTH,
    reference: Trace | None = None,
) -> str:
    """The same window as a Unicode waveform about `width` columns wide."""
    return text.render(
        build(
            trace,
            start_us=start_us,
            end_us=end_us,
            pins=pins,
            outputs=outputs,
            idle=idle,
            marks=marks,
            episodes=episodes,
            title=title,
            reference=reference,
        ),
        width,
    )


def window_for(run: Run, at_us: int | None, window: tuple[int, int] | None) -> tuple[int, int]:
    """The stretch to draw: the check's window, or around the failing moment, inside the run."""
    end = max(run.trace.end_us, run.scenario.duration_us if run.stopped == "scenario" else 0, 1)
    if window is not None:
        return window
    if at_us is None:
        return 0, end
    return max(0, at_us - MARGIN_US), min(end, at_us + MARGIN_US)


def failure_diagram(
    run: Run,
    *,
    at_us: int | None,
    window: tuple[int, int] | None,
    label: str,
    reference: Run | None = None,
) -> tuple[str, str]:
    """(SVG, text) of the run around a failing moment, marked with `label`; with
    `reference` (the lab's solution, run on the same scenario), its lanes below."""
    start, end = window_for(run, at_us, window)
    pins = sorted(run.compiled.idle) or [INPUT_PIN]
    both = [run] if reference is None else [run, reference]
    written = sorted({e["pin"] for r in both for e in r.trace.of("write")}) or [LED_PIN]
    marks = [(at_us, _short(label))] if at_us is not None else []
    args: dict[str, Any] = {
        "start_us": start,
        "end_us": end,
        "pins": pins,
        "outputs": written,
        "idle": run.compiled.idle,
        "marks": marks,
        "episodes": run.compiled.episodes,
        "reference": None if reference is None else reference.trace,
    }
    return render_svg(run.trace, title=label, **args), render_text(run.trace, **args)


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
