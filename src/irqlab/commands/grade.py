"""Grade a class: SUBMISSIONS holds one entry per student (a folder with main.py, a .py file
or a .zip). Each is copied to a private folder and checked in its own worker, several at
once, with its program sandboxed (bubblewrap where it works, resource limits always) and a
time limit. Results are saved per student in DIR/results as they finish, so a stopped run
resumes where it was; then DIR gets grades.csv, results.json, junit.xml and gradescope.json.
A failure of the grader itself is status "error", tried again on the next run, never a fail.

With --gradescope, grade the one submission in /autograder/submission and write
/autograder/results/results.json (IRQLAB_GRADESCOPE_SUBMISSION and IRQLAB_GRADESCOPE_RESULTS
move them)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.course import Lab
from irqlab.errors import IrqlabError
from irqlab.grade import reports
from irqlab.grade.batch import Batch, grade, grade_one, sandbox_mode
from irqlab.grade.intake import upload_entry
from irqlab.grade.worker import WorkerSpec

HELP = "grade a class's submissions: isolated, in parallel, resumable"
GRADESCOPE_SUBMISSION = "/autograder/submission"
GRADESCOPE_RESULTS = "/autograder/results/results.json"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", metavar="SUBMISSIONS", nargs="?", help="one entry per student")
    p.add_argument("--lab", required=True, metavar="N", help="the lab: number or slug")
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=os.cpu_count() or 1,
        metavar="J",
        help="submissions graded at once (default: the number of cores)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("grades"), metavar="DIR", help="where results go (grades/)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="wall-clock seconds one submission's checks may take (default 120)",
    )
    p.add_argument("--force", action="store_true", help="grade again those already graded")
    p.add_argument("--gradescope", action="store_true", help="run as a Gradescope autograder")
    add_course_option(p)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def main(args: argparse.Namespace) -> int:
    course = course_from(args)
    lab = course.lab(args.lab)
    if not lab.checks.is_file():
        raise IrqlabError(f"lab {lab.number} has no checks ({lab.checks})", "pick another lab")
    mode, note = sandbox_mode()
    spec = WorkerSpec(lab.number, course.root, mode, args.timeout)
    if args.gradescope:
        return _gradescope(lab, spec)
    if not args.submissions:
        raise IrqlabError("no SUBMISSIONS folder given", "irqlab grade SUBMISSIONS --lab N")
    print(f"grading lab {lab.slug}: sandbox {note}; {args.jobs} at a time", file=sys.stderr)
    batch = Batch(Path(args.submissions), lab, args.out, spec, args.jobs, args.force)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the workers on SIGTERM too
    try:
        results = grade(batch)
    finally:
        signal.signal(signal.SIGTERM, previous)
    written = reports.write_all(args.out, results)
    print(reports.summary(results))
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 1 if any(r["status"] == "error" for r in results) else 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _gradescope(lab: Lab, spec: WorkerSpec) -> int:
    source = Path(os.environ.get("IRQLAB_GRADESCOPE_SUBMISSION", GRADESCOPE_SUBMISSION))
    target = Path(os.environ.get("IRQLAB_GRADESCOPE_RESULTS", GRADESCOPE_RESULTS))
    if not source.is_dir():
        raise IrqlabError(f"{source} is not a folder", "run --gradescope inside the autograder")
    with tempfile.TemporaryDirectory(prefix="irqlab-gradescope-") as tmp:
        batch = Batch(source, lab, Path(tmp), spec)
        entry = upload_entry(source)
        result = grade_one(batch, "submission", entry, Path(tmp) / "work")
    reports.write_atomic(target, json.dumps(reports.gradescope(result), indent=1))
    print(f"{result['status']} {result['score']}/{result.get('max_score')}: wrote {target}")
    return 0
