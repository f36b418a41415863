"""Check a program against a lab: run the lab's checks (a pytest session, in this process,
with irqlab's plugin) and return the LabResult. `irqlab check`, the grader's worker and
`irqlab dev check` all check programs through here."""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from irqlab.bench import SERIAL_MODULE
from irqlab.course import Course, Lab
from irqlab.errors import IrqlabError
from irqlab.plugin import lab_result
from irqlab.results import LabResult


@dataclass
class _Catch:
    """A pytest plugin object that keeps the lab's result when the session ends."""

    result: LabResult | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.result = lab_result(session.config)


def check_program(
    course: Course,
    lab: Lab,
    program: Path,
    *,
    board: str = "esp32",
    port: str | None = None,
    timeout: float | None = None,
    diagrams: Path | None = None,
    solution_lanes: bool = True,
) -> LabResult:
    """Run the lab's checks on `program` and return the result.

    Failure diagrams go to `diagrams` (default: <course>/.irqlab/diagrams/<lab>), with the
    lab's solution on the same scenario below the program's lanes unless `solution_lanes`
    is False (where no one reads them: the verdicts are all that is wanted)."""
    if not lab.checks.is_file():
        raise IrqlabError(f"lab {lab.number} has no checks yet ({lab.checks})", "try another lab")
    if port and importlib.util.find_spec(SERIAL_MODULE) is None:
        raise IrqlabError(
            "checking on a real board is not available in this install",
            "leave out --port to check on the simulated board",
        )
    argv = _pytest_args(course, lab, program, board, port, timeout)
    if diagrams is not None:
        argv += ["--diagrams", str(diagrams)]
    if not solution_lanes:
        argv.append("--no-solution-lanes")
    catch = _Catch()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = pytest.main(argv, plugins=[catch])
    if catch.result is None:
        last = (out.getvalue().strip().splitlines() or [f"pytest exit status {code}"])[-1]
        raise IrqlabError(f"the checks of lab {lab.number} could not run: {last}", "see above")
    return catch.result


def _pytest_args(
    course: Course, lab: Lab, program: Path, board: str, port: str | None, timeout: float | None
) -> list[str]:
    argv = [
        str(lab.checks),
        *("--lab", str(lab.number), "--submission", str(program.resolve())),
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
