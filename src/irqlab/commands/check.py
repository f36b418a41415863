"""Check your program for lab N: each check says what it looks for, and each failure says
what happened instead, with a hint and a timing diagram. With no FILE, the lab's starter
(labs/NN-slug/main.py) is checked. Exit status: 0 all checks pass, 1 a check fails,
2 the checks could not run."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.course import Course, Lab
from irqlab.errors import IrqlabError
from irqlab.plugin import BOARDS, SERIAL_MODULE, lab_result
from irqlab.program import load_program
from irqlab.progress import Progress
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
    submission = Path(args.file) if args.file else lab.starter
    load_program(submission)  # a bad path or file is a one-line error before anything runs
    result = check(course, lab, submission, board=args.board, port=args.port, timeout=args.timeout)
    _remember(course, result)
    if args.json:
        print(json_render.render(result))
    else:
        ctx = terminal.Context(lab, submission, _next_lab(course, lab), terminal.use_color())
        print(terminal.render(result, ctx))
    return {"pass": 0, "fail": 1}.get(result.status, 2)


@dataclass
class _Catch:
    """A pytest plugin object that keeps the lab's result when the session ends."""

    result: LabResult | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.result = lab_result(session.config)


def check(
    course: Course,
    lab: Lab,
    submission: Path,
    *,
    board: str = "esp32",
    port: str | None = None,
    timeout: float | None = None,
    diagrams: Path | None = None,
) -> LabResult:
    """Run the lab's checks on `submission` in this process and return the result.

    Failure diagrams go to `diagrams` (default: <course>/.irqlab/diagrams/<lab>)."""
    if not lab.checks.is_file():
        raise IrqlabError(f"lab {lab.number} has no checks yet ({lab.checks})", "try another lab")
    if port and importlib.util.find_spec(SERIAL_MODULE) is None:
        raise IrqlabError(
            "checking on a real board is not available in this install",
            "leave out --port to check on the simulated board",
        )
    argv = _pytest_args(course, lab, submission, board, port, timeout)
    if diagrams is not None:
        argv += ["--diagrams", str(diagrams)]
    catch = _Catch()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = pytest.main(argv, plugins=[catch])
    if catch.result is None:
        last = (out.getvalue().strip().splitlines() or [f"pytest exit status {code}"])[-1]
        raise IrqlabError(f"the checks of lab {lab.number} could not run: {last}", "see above")
    return catch.result


def _pytest_args(
    course: Course, lab: Lab, submission: Path, board: str, port: str | None, timeout: float | None
) -> list[str]:
    argv = [
        str(lab.checks),
        *("--lab", str(lab.number), "--submission", str(submission.resolve())),
        *("--board", board, "--course", str(course.root)),
        *("--rootdir", str(course.root), "--confcutdir", str(course.root)),
        *("-c", os.devnull),  # the course's own pytest settings are for its authors, not here
        *("-p", "no:cacheprovider", "--import-mode=importlib", "--capture=sys", "-q"),
    ]
    if port:
        argv += ["--port", port]
    if timeout:
        argv += ["--run-timeout", str(timeout)]
    if not _plugin_autoloads():
        argv += ["-p", "irqlab.plugin"]
    return argv


def _plugin_autoloads() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.name == "irqlab" for ep in importlib.metadata.entry_points(group="pytest11"))


def _next_lab(course: Course, lab: Lab) -> Lab | None:
    return next((other for other in course.labs if other.number > lab.number), None)


def _remember(course: Course, result: LabResult) -> None:
    progress = Progress.load(course.root)
    progress.record(result)
    with contextlib.suppress(OSError):  # a read-only course folder still gets its verdict
        progress.save()
