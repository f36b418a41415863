"""The course's index (course.toml): labs numbered 1, 2, 3 … with slugs to match, and each
lab's title, summary, world, tasks and hints written."""

from __future__ import annotations

import re

from irqlab.course import INDEX, Course, Lab
from irqlab.dev.placeholders import MARK
from irqlab.dev.problems import Finder, Problem

SLUG = r"{n:02d}-[a-z0-9]+(-[a-z0-9]+)*"


def course_problems(course: Course) -> list[Problem]:
    """Problems of the course as a whole: the labs' numbering."""
    found = Finder(None, course.root)
    numbers = [lab.number for lab in course.labs]
    if numbers != list(range(1, len(numbers) + 1)):
        found.add(INDEX, f"the labs are numbered {numbers}", "number them 1, 2, 3 … in order")
    return found.found


def lab_problems(lab: Lab) -> list[Problem]:
    found = Finder(lab, lab.root)
    if not re.fullmatch(SLUG.format(n=lab.number), lab.slug):
        found.add(
            INDEX,
            f"lab {lab.number}'s slug {lab.slug!r} does not start with {lab.number:02d}-",
            "start it with the lab's number and use lowercase words joined by -",
        )
    for name in ("title", "summary", "world"):
        if not getattr(lab, name).strip():
            found.add(INDEX, f"lab {lab.slug} has no {name}", f'add {name} = "…" to its [[lab]]')
    if not lab.tasks:
        found.add(INDEX, f"lab {lab.slug} has no tasks", 'add tasks = ["…"] to its [[lab]]')
    _hints(found, lab)
    _placeholders(found, lab)
    return found.found


def _hints(found: Finder, lab: Lab) -> None:
    tasks = set(range(1, len(lab.tasks) + 1))
    given = {t for t, hints in lab.hints.items() if any(h.strip() for h in hints)}
    for task in sorted(tasks - given):
        found.add(INDEX, f"task {task} of lab {lab.slug} has no hint", f'add "{task}" = ["…"]')
    for task in sorted(set(lab.hints) - tasks):
        found.add(
            INDEX,
            f"lab {lab.slug} has hints for task {task}, which it does not have",
            f'remove "{task}" from its [lab.hints], or add the task',
        )


def _placeholders(found: Finder, lab: Lab) -> None:
    fields = {"title": lab.title, "summary": lab.summary, "world": lab.world}
    fields |= {f"task {n}": text for n, text in enumerate(lab.tasks, 1)}
    fields |= {f"hint {t}.{i}": h for t, hs in lab.hints.items() for i, h in enumerate(hs, 1)}
    for name, text in fields.items():
        if MARK in text:
            found.add(INDEX, f"lab {lab.slug}'s {name} is still a placeholder", "write it")
