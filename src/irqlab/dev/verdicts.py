"""The course's programs checked by their lab's checks, several at once: every starter fails
a check of each task, every solution and other correct solution passes every check, every
known-bad variant fails the check it names; no check breaks on any of them."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from irqlab.checking import check_program
from irqlab.course import Lab, load_course
from irqlab.dev.files import aimed_check, kept_checks, variants
from irqlab.dev.module import RUNS_CHECK
from irqlab.dev.problems import Finder, Problem
from irqlab.errors import IrqlabError
from irqlab.results import LabResult


@dataclass(frozen=True)
class Job:
    """One program of one lab to check."""

    root: Path
    slug: str
    path: Path


def jobs_of(lab: Lab) -> list[Job]:
    """The lab's starter, solution, known-bad variants and other correct solutions."""
    paths = [lab.starter, lab.solution, *variants(lab.bad), *variants(lab.good)]
    return [Job(lab.root, lab.slug, p) for p in paths if p.is_file()]


def check_job(job: Job) -> LabResult | str:
    """The program's result, or why its checks could not run (in a worker process)."""
    course = load_course(job.root)
    with tempfile.TemporaryDirectory(prefix="irqlab-dev-") as diagrams:
        try:
            lab = course.lab(job.slug)
            return check_program(
                course, lab, job.path, diagrams=Path(diagrams), solution_lanes=False
            )
        except IrqlabError as e:
            return str(e)


def check_all(jobs: list[Job], workers: int) -> Iterator[tuple[Job, LabResult | str]]:
    """Each job with its result, in order; `workers` processes at once (1: in this one)."""
    if workers <= 1 or len(jobs) <= 1:
        yield from ((job, check_job(job)) for job in jobs)
        return
    # spawn: a fork of a process with threads (a pytest-xdist worker, say) may hang
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        yield from zip(jobs, pool.map(check_job, jobs), strict=True)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def judge(lab: Lab, job: Job, result: LabResult | str) -> list[Problem]:
    """What is wrong with the verdicts of `job`, one of `lab`'s programs."""
    found = Finder(lab, lab.root)
    if isinstance(result, str):
        found.add(job.path, f"its checks could not run: {result}", "fix what it names")
        return found.found
    for c in result.checks:
        if c.status == "error":
            found.add(
                lab.checks,
                f"{c.id} broke on {job.path.relative_to(lab.root)}: {c.message}",
                "fix the check: only a fail() is the student's",
            )
    if job.path == lab.starter:
        _starter(found, lab, result)
    elif job.path == lab.solution or job.path.parent == lab.good:
        _passes(found, job.path, result)
    else:
        _fails_its_check(found, job.path, result)
    return found.found


def _starter(found: Finder, lab: Lab, result: LabResult) -> None:
    runs = [c for c in result.checks if c.id == RUNS_CHECK]
    if runs and runs[0].status != "pass":
        found.add(
            lab.starter,
            f"the starter does not run: {runs[0].message}",
            "make it run to the end of the scenario: only its gaps may be wrong",
        )
    for task in range(1, len(lab.tasks) + 1):
        if not any(c.status == "fail" for c in result.checks if c.task == task):
            found.add(
                lab.starter,
                f"it fails no check of task {task} ({lab.task_title(task)})",
                f"make its `TODO (task {task})` gap one that a task-{task} check catches",
            )


def _passes(found: Finder, path: Path, result: LabResult) -> None:
    for c in result.checks:
        if c.status in ("fail", "skip"):
            found.add(
                path,
                f"it does not pass {c.id} ({c.status}: {c.message})",
                "fix the program, or loosen the check (never towards the bug it catches)",
            )


def _fails_its_check(found: Finder, path: Path, result: LabResult) -> None:
    aimed = aimed_check(path)
    status = {c.id: c.status for c in result.checks}.get(aimed or "")
    if aimed and status is not None and status != "fail":
        found.add(
            path,
            f"it should fail {aimed} but it was {status}",
            "tighten that check, or give the variant the bug it names",
        )
    for c in result.checks:
        if c.id in kept_checks(path) and c.status != "pass":
            found.add(
                path,
                f"it should pass {c.id}, whose task its bug is not, but it was {c.status}: "
                f"{c.message}",
                "keep that check's scenario free of this bug's trigger (one task per scenario)",
            )
