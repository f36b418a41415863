"""Check your program for lab N: each check says what it looks for, and each failure says
what happened instead, with a hint and a timing diagram. With no FILE, the lab's starter
(labs/NN-slug/main.py) is checked. Exit status: 0 all checks pass, 1 a check fails,
2 the checks could not run."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from irqlab.checking import check_program
from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.course import Course
from irqlab.plugin import BOARDS
from irqlab.program import load_program
from irqlab.progress import StudentProgress, is_own_lab_file
from irqlab.render import json as json_render
from irqlab.render import terminal
from irqlab.results import LabResult

HELP = "check your program for a lab and say what to do next"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", metavar="N", help="the lab: its number (1) or slug (01-polling)")
    p.add_argument("file", metavar="FILE", nargs="?", help="your program (default: the starter)")
    p.add_argument("--board", choices=BOARDS, default="esp32", help="the board (default esp32)")
    p.add_argument("--port", metavar="PORT", help="check on a real board on this serial port")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="wall-clock seconds a run may take before it counts as hung",
    )
    add_course_option(p)


def main(args: argparse.Namespace) -> int:
    course = course_from(args)
    lab = course.lab(args.lab)
    program = Path(args.file) if args.file else lab.starter
    load_program(program)  # a bad path or file is a one-line error before anything runs
    result = check_program(
        course, lab, program, board=args.board, port=args.port, timeout=args.timeout
    )
    if is_own_lab_file(program, lab.starter):  # a check of another file is not the student's
        _remember(course, result)
    if args.json:
        print(json_render.render(result))
    else:
        ctx = terminal.Context(lab, program, course.after(lab), terminal.use_color())
        print(terminal.render(result, ctx))
    return {"pass": 0, "fail": 1}.get(result.status, 2)


def _remember(course: Course, result: LabResult) -> None:
    progress = StudentProgress.load(course.root)
    progress.record(result)
    with contextlib.suppress(OSError):  # a read-only course folder still gets its verdict
        progress.save()
