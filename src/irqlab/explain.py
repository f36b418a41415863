"""What one check's outcome becomes for the student: a CheckResult. A `Failure` is a fail with
its sentence, expected vs seen, the task's hint and a timing diagram; any other exception is
an error of the course (the check or irqlab broke), with where it happened in the checks."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from irqlab.checks.failure import Failure
from irqlab.course import Lab
from irqlab.errors import IrqlabError
from irqlab.progress import state_folder
from irqlab.results import MAX_MESSAGE, MAX_VALUE, CheckResult, cut
from irqlab.runner import Run


def explain(
    result: CheckResult,
    excinfo: pytest.ExceptionInfo[BaseException],
    checks_file: Path,
    lab: Lab | None,
    diagrams: str | None,
    reference: Callable[[Run], Callable[[], Run | None]] | None = None,
    later: Callable[[Callable[[], None]], None] | None = None,
) -> None:
    """Fill `result` from the exception that ended the check. `reference(run)` starts the
    lab's solution on run's scenario and gives what waits for it: its lanes are drawn beside
    the student's. `later` takes the drawing to do it at the session's end (while the
    solution runs, the other checks go on); without it the diagram is drawn now."""
    exc = excinfo.value
    if not isinstance(exc, Failure):
        result.status = "error"
        kind = "" if isinstance(exc, IrqlabError) else f"{type(exc).__name__}: "
        first = (str(exc).splitlines() or [""])[0]  # pytest adds the rewritten assert below
        result.message = cut(f"{kind}{first}{_where(excinfo, checks_file)}", MAX_MESSAGE)
        return
    result.status = "fail"
    result.message = cut(exc.message, MAX_MESSAGE)
    result.expected = None if exc.expected is None else cut(_show(exc.expected), MAX_VALUE)
    result.seen = None if exc.seen is None else cut(_show(exc.seen), MAX_VALUE)
    result.at_us = exc.at_us
    result.hint = exc.hint or (lab.hint(result.task) if lab else None)
    if exc.run is not None and lab is not None:
        theirs = reference(exc.run) if reference else _no_reference
        draw = functools.partial(_draw, result, exc, lab, diagrams, theirs)
        if later is None:
            draw()
        else:
            later(draw)


def _no_reference() -> Run | None:
    return None


def _where(excinfo: pytest.ExceptionInfo[BaseException], checks_file: Path) -> str:
    """Where in the checks module the error happened, for whoever maintains the checks."""
    lines = [e.lineno + 1 for e in excinfo.traceback if Path(e.path) == checks_file]
    return f" ({checks_file.name} line {lines[-1]})" if lines else ""


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _draw(
    result: CheckResult,
    failure: Failure,
    lab: Lab,
    folder: str | None,
    reference: Callable[[], Run | None],
) -> None:
    """The failure's timing diagram: an SVG file and a waveform for the terminal, with the
    lab's solution in the same scenario below the student's run when there is one."""
    from irqlab.diagram import failure_diagram

    assert failure.run is not None
    try:
        theirs = reference()
        svg, text = failure_diagram(
            failure.run,
            at_us=failure.at_us,
            window=failure.window,
            label=failure.message,
            reference=theirs,
        )
        where = Path(folder) if folder else state_folder(lab.root) / "diagrams" / lab.slug
        where.mkdir(parents=True, exist_ok=True)
        path = where / f"{result.id}.svg"
        path.write_text(svg, encoding="utf-8")
    except Exception as e:  # a diagram that can't be drawn must not hide the verdict
        result.waveform = f"(no diagram: {type(e).__name__}: {e})"
        return
    result.diagram = str(path)
    result.waveform = text
    if theirs is not None:
        result.reference = str(lab.solution.relative_to(lab.root))


def student_text(result: CheckResult) -> str:
    """The failure as the terminal shows it, for pytest's own report."""
    from irqlab.render.terminal import failure_lines

    return "\n".join(failure_lines(result, color=False))
