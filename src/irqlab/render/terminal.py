"""A LabResult for a student's terminal: a line per check, grouped by task, the reasons under
each failure, and one last line that says what to do next."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from irqlab.course import Lab
from irqlab.results import CheckResult, LabResult

SYMBOL = {"pass": "✓", "fail": "✗", "skip": "–", "error": "!"}
COLOR = {"pass": "32", "fail": "31", "skip": "33", "error": "35"}
INDENT = "    "
WIDTH = 80
CODE = re.compile(r"`[^`]*`")
UNIT = re.compile(r"(\d) (s|ms|us|µs|Hz|kHz)\b")


@dataclass(frozen=True)
class Context:
    """What the renderer needs besides the result: the lab, where things are, next lab."""

    lab: Lab
    submission: Path
    next_lab: Lab | None = None
    color: bool = False


def use_color(stream: object = None) -> bool:
    stream = stream or sys.stdout
    return not os.environ.get("NO_COLOR") and bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render(result: LabResult, ctx: Context) -> str:
    lines = [_heading(result, ctx), ""]
    for task in sorted({c.task for c in result.checks}):
        lines.append(_task_title(task, ctx.lab))
        for check in (c for c in result.checks if c.task == task):
            lines.append(_check_line(check, ctx.color))
            lines += failure_lines(check, color=ctx.color, indent=INDENT)
    if result.setup_error:
        lines.append(paint(f"! the checks could not run: {result.setup_error}", "35", ctx.color))
    lines += ["", _summary(result), *_wrap(next_step(result, ctx), "", "")]
    return "\n".join(lines)


def _heading(result: LabResult, ctx: Context) -> str:
    where = "a simulated " + result.target.split(":", 1)[1].upper()
    if result.target.startswith("serial:"):
        where = "the board on " + result.target.split(":", 1)[1]
    return f"Lab {ctx.lab.number}: {ctx.lab.title} · {shown_path(ctx.submission)} on {where}"


def _task_title(task: int, lab: Lab) -> str:
    if task == 0:
        return "Before the tasks"
    title = lab.task_title(task)
    return f"Task {task}: {title}" if title else f"Task {task}"


def _check_line(check: CheckResult, color: bool) -> str:
    symbol = paint(SYMBOL[check.status], COLOR[check.status], color)
    return f"  {symbol} {check.title}"


def failure_lines(check: CheckResult, *, color: bool = False, indent: str = "") -> list[str]:
    """The reasons under a check that did not pass: the sentence, expected vs seen, the hint,
    the waveform and the diagram's path."""
    if check.status == "pass":
        return []
    out = _wrap(check.message, "", indent) if check.message else []
    if check.expected is not None:
        out.append(f"expected: {check.expected}")
    if check.seen is not None:
        out.append(f"seen:     {check.seen}")
    if check.hint:
        out += [paint(line, "36", color) for line in _wrap(check.hint, "hint: ", indent)]
    if check.waveform:
        out += ["", *check.waveform.splitlines(), ""]
    if check.reference:
        out.append(f"the “solution:” lanes show {check.reference} on the same scenario")
    if check.diagram:
        out.append(f"diagram: {shown_path(Path(check.diagram))}")
    return [f"{indent}{line}".rstrip() for line in out]


def _wrap(text: str, lead: str, indent: str) -> list[str]:
    """`text` in lines that fit the terminal's usual 80 columns, continued under its start."""
    width = WIDTH - len(indent)
    # never split "2.000 s" or "`irqlab hint 1 2`" across lines
    glued = UNIT.sub("\\1\u00a0\\2", lead + text)
    glued = CODE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), glued)
    lines = textwrap.wrap(glued, width, subsequent_indent=" " * len(lead)) or [lead]
    return [line.replace("\u00a0", " ") for line in lines]


def _summary(result: LabResult) -> str:
    return f"{result.score}/{result.max_score} checks pass."


def next_step(result: LabResult, ctx: Context) -> str:
    if result.status == "error":
        return (
            "irqlab could not check your program: this is a fault in irqlab or in the lab's "
            "checks, not in your code."
        )
    task = result.first_unfinished_task()
    if result.status == "pass" or task is None:
        if ctx.next_lab is None:
            return "All checks pass: that was the last lab. Well done."
        n = ctx.next_lab.number
        return f"All checks pass: try lab {n} with `irqlab check {n}`."
    blocked = sum(c.blocked for c in result.checks)
    root = next((c for c in result.checks if c.status == "fail"), None)
    if blocked and root is not None:
        return (
            f"Next: fix this first in {shown_path(ctx.submission)}: “{root.title}” "
            f"({blocked} more {'check waits' if blocked == 1 else 'checks wait'} for it)."
        )
    if task == 0:
        return f"Next: make {shown_path(ctx.submission)} run, then check again."
    return (
        f"Next: task {task} — open {shown_path(ctx.submission)}, find TODO (task {task}). "
        f"Stuck? `irqlab hint {ctx.lab.number} {task}`."
    )


def shown_path(path: Path) -> str:
    """`path` relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
