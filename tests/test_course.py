"""The course is whole: `irqlab dev check` finds no problem in it.

What that proves is irqlab.dev.check's to say (every part of every lab in course.toml, and
the verdicts on its starter, solution and variants); tests/test_dev.py shows it catching
each kind of problem."""

from __future__ import annotations

from pathlib import Path

from irqlab.course import load_course
from irqlab.dev.check import check_course

ROOT = Path(__file__).resolve().parents[1]


def test_irqlab_dev_check_finds_no_problem_in_the_course() -> None:
    course = load_course(ROOT)
    assert course.labs, "course.toml lists no labs"
    problems = check_course(course)
    assert not problems, "irqlab dev check:\n" + "\n".join(map(str, problems))
