"""Show the next hint for a task of lab N, one more each time you ask (the ones already shown
are repeated above it). With no TASK: the first task your last check found unfinished."""

from __future__ import annotations

import argparse
import contextlib

from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.course import Lab
from irqlab.errors import IrqlabError
from irqlab.progress import StudentProgress

HELP = "show the next hint for a lab's task"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", metavar="N", help="the lab: its number (1) or slug (01-polling)")
    p.add_argument("task", metavar="TASK", type=int, nargs="?", help="the task (default: yours)")
    add_course_option(p)


def main(args: argparse.Namespace) -> int:
    course = course_from(args)
    lab = course.lab(args.lab)
    progress = StudentProgress.load(course.root)
    task = args.task or _current_task(lab, progress)
    if not 0 < task <= max(len(lab.tasks), max(lab.hints, default=0)):
        raise IrqlabError(
            f"lab {lab.number} has no task {task}", f"its tasks are 1 to {len(lab.tasks)}"
        )
    print(render(lab, task, progress))
    with contextlib.suppress(OSError):
        progress.save()
    return 0


def _current_task(lab: Lab, progress: StudentProgress) -> int:
    last = progress.last_result(lab.slug)
    task = last.first_unfinished_task() if last else None
    return task or 1


def _passed(lab: Lab, task: int, progress: StudentProgress) -> list[str]:
    """A line saying the task passed the last check, if it did: no hint is needed."""
    last = progress.last_result(lab.slug)
    if last is None or not any(t.task == task and t.status == "pass" for t in last.tasks):
        return []
    return [f"Task {task} passed your last `irqlab check {lab.number}`: nothing to fix here."]


def render(lab: Lab, task: int, progress: StudentProgress) -> str:
    """The hints shown so far plus the next one; notes in `progress` that it was shown."""
    hints = lab.hints.get(task, ())
    heading = f"Lab {lab.number}, task {task}: {lab.task_title(task)}".rstrip(": ")
    if not hints:
        return f"{heading}\nThis task has no hints: {lab.page.relative_to(lab.root)} explains it."
    shown = min(progress.hints_shown(lab.slug, task) + 1, len(hints))
    progress.note_hint(lab.slug, task, shown)
    passed = _passed(lab, task, progress)
    lines = [heading, *passed]
    lines += [f"Hint {i + 1} of {len(hints)}: {hints[i]}" for i in range(shown)]
    if shown < len(hints) and not passed:
        lines.append(f"Still stuck? `irqlab hint {lab.number} {task}` shows the next one.")
    else:
        lines.append(f"That was the last hint; {lab.page.relative_to(lab.root)} explains more.")
    return "\n".join(lines)
