"""List the course's labs in order, with where you are in each: not started, failing
(checks passed / checks), or passed, from your last `irqlab check`."""

from __future__ import annotations

import argparse

from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.course import Course
from irqlab.progress import StudentProgress

HELP = "list the labs and your progress in each"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_course_option(p)


def main(args: argparse.Namespace) -> int:
    course = course_from(args)
    print(render(course, StudentProgress.load(course.root)))
    return 0


def render(course: Course, progress: StudentProgress) -> str:
    if not course.labs:
        return f"{course.root / 'course.toml'} has no labs yet."
    slug_w = max(len(lab.slug) for lab in course.labs)
    title_w = max(len(lab.title) for lab in course.labs)
    rows = [
        f"{lab.number:>3}  {lab.slug:<{slug_w}}  {lab.title:<{title_w}}  "
        + progress.status(lab.slug)
        for lab in course.labs
    ]
    todo = next((lab for lab in course.labs if progress.status(lab.slug) != "passed"), None)
    if todo is None:
        rows += ["", "Every lab passes."]
    else:
        rows += ["", f"Next: `irqlab check {todo.number}` ({todo.title})."]
    return "\n".join(rows)
