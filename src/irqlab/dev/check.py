"""`irqlab dev check`: the course is whole. For every lab in course.toml (or the one asked
for): its index entry, its files, its texts and its checks module agree, and its programs get
the verdicts they must, checked several at once. Each problem names the lab, file and fix."""

from __future__ import annotations

from irqlab.course import Course, Lab
from irqlab.dev import files, index, module, texts, verdicts
from irqlab.dev.problems import COURSE, Problem


def check_course(
    course: Course, only: Lab | None = None, workers: int | None = None
) -> list[Problem]:
    """Every problem of the course (of lab `only`), grouped by lab in the course's order."""
    labs = (only,) if only else course.labs
    found = [] if only else index.course_problems(course) + files.stray_problems(course)
    jobs = []
    for lab in labs:
        problems, runnable = lab_problems(lab)
        found += problems
        jobs += verdicts.jobs_of(lab) if runnable else []
    for job, result in verdicts.check_all(jobs, workers or verdicts.default_workers()):
        found += verdicts.judge(course.lab(job.slug), job, result)
    order = {COURSE: -1} | {lab.slug: lab.number for lab in course.labs}
    return sorted(found, key=lambda p: order.get(p.lab, 0))


def lab_problems(lab: Lab) -> tuple[list[Problem], bool]:
    """The problems that need no run, and whether the lab's checks can run at all."""
    found = index.lab_problems(lab) + files.parts_problems(lab)
    checks, load_problems = module.load(lab)
    found += load_problems
    figures = None
    if checks is not None:
        found += module.module_problems(lab, checks)
        found += files.variant_problems(lab, set(module.checks_of(checks)))
        figures = module.figure_names(checks)
    found += texts.text_problems(lab, figures)
    return found, checks is not None
