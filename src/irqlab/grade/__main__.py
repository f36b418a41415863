"""The grader's worker: `python -m irqlab.grade LAB FOLDER` checks one submission and prints
the result as `irqlab check --json` does.

It differs from `irqlab check` in what a grader needs: it dies with the grader (a killed
grader leaves no workers behind), it records nothing in the course folder (no progress, and
failure diagrams go to ./diagrams, in the worker's own scratch folder), and the student's
program is sandboxed (IRQLAB_SANDBOX, set by the grader, reaches irqlab.runner).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from irqlab.sandbox import die_with_parent


def main(argv: list[str]) -> int:
    try:
        return _check(argv)
    finally:
        _kill_descendants()  # nothing a run started outlives the worker


def _kill_descendants() -> None:
    import contextlib
    import signal

    from irqlab.grade.worker import descendants

    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _check(argv: list[str]) -> int:
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the grader went away before we asked
        return 3
    if len(argv) != 2:
        print("usage: python -m irqlab.grade LAB FOLDER", file=sys.stderr)
        return 2
    from irqlab.checking import check_program
    from irqlab.course import find_course
    from irqlab.errors import IrqlabError
    from irqlab.render import json as json_render

    try:
        course = find_course()
        lab, program = course.lab(argv[0]), Path(argv[1])
        result = check_program(course, lab, program, diagrams=Path.cwd() / "diagrams")
    except IrqlabError as e:
        print(f"irqlab: {e}", file=sys.stderr)
        return 2
    print(json_render.render(result))
    return {"pass": 0, "fail": 1}.get(result.status, 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
