"""Grade a class: SUBMISSIONS holds one entry per student (a folder with main.py, a .py file,
a .zip, or a whole clone of the course, graded from labs/NN-slug/main.py); anything else
there is listed as skipped. Each is copied to a private folder and checked in its own
worker, several at once, with its program sandboxed (bubblewrap, no exec or fork, resource
limits) and a time limit; with no working bubblewrap, nothing runs unless you say
--unsandboxed. Results are saved per student in DIR/results as they finish; a rerun grades
only what changed since (a submission's files are hashed), --only NAME one student again,
--force everyone. Then DIR gets grades.csv, results.json, junit.xml, a Gradescope
results.json per student (gradescope/) and a feedback page per student (feedback/). DIR
defaults to SUBMISSIONS-grades beside the submissions, and is kept out of git.
A failure of the grader itself is status "error", tried again on the next run, never a fail.

With --gradescope, grade the one submission in /autograder/submission and write
/autograder/results/results.json (IRQLAB_GRADESCOPE_SUBMISSION and IRQLAB_GRADESCOPE_RESULTS
move them)."""

from __future__ import annotations

import argparse
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
        "--out",
        type=Path,
        metavar="DIR",
        help="where results go (default: SUBMISSIONS-grades, beside the submissions)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="wall-clock seconds one submission's checks may take (default 120)",
    )
    p.add_argument("--force", action="store_true", help="grade again those already graded")
    p.add_argument("--only", metavar="NAME", help="grade this one student again, and no other")
    p.add_argument("--gradescope", action="store_true", help="run as a Gradescope autograder")
    p.add_argument(
        "--unsandboxed",
        action="store_true",
        help="grade without bubblewrap: the class's code runs as you (recorded in every report)",
    )
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
    if not args.gradescope and not args.submissions:
        raise IrqlabError("no SUBMISSIONS folder given", "irqlab grade SUBMISSIONS --lab N")
    mode, note = sandbox_mode(args.unsandboxed)  # before anything runs: no sandbox, no grading
    spec = WorkerSpec(lab.number, course.root, mode, args.timeout)
    if args.gradescope:
        return _gradescope(lab, spec)
    print(f"grading lab {lab.slug}: sandbox {note}; {args.jobs} at a time", file=sys.stderr)
    submissions = Path(args.submissions)
    out = args.out or submissions.parent / f"{submissions.resolve().name}-grades"
    batch = Batch(submissions, lab, out, spec, args.jobs, args.force, args.only)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the workers on SIGTERM too
    try:
        results = grade(batch)
    finally:
        signal.signal(signal.SIGTERM, previous)
    written = reports.write_all(batch.out, results)
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
    reports.write_atomic(target, reports.gradescope_json(result))
    score = f"{result['score']}/{result.get('max_score')}"
    print(f"{result['status']} {score} (sandbox: {reports.sandbox_name(result)}): wrote {target}")
    return 0
