"""The pytest plugin that runs a lab's checks against a student's program.

Loaded in every pytest run (entry point pytest11), it stays silent unless a test uses its
fixtures (`bench`, `lab`) or `--lab` is given. Then it:

- adds the options --lab, --submission, --board, --port, --course, --irqlab-json;
- gives checks the fixtures `bench` (bench.run(scenario) -> Run, once per scenario) and `lab`;
- skips a check, with the reason, when a check it `@requires` did not pass;
- turns each outcome into a CheckResult (irqlab.explain): a `Failure` is the student's fail,
  any other exception an error of the course.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from irqlab.bench import SERIAL_MODULE, Bench
from irqlab.checks.failure import required
from irqlab.course import Course, Lab, find_course, load_course
from irqlab.errors import IrqlabError
from irqlab.explain import explain, student_text
from irqlab.program import load_program
from irqlab.render.json import render as render_json
from irqlab.results import CheckResult, LabResult
from irqlab.runner import Run

BOARDS = ("esp32", "esp8266")
REFERENCE_RUNS_AT_ONCE = 4  # the solution's runs for failure diagrams, beside the checks
FIXTURES = ("bench", "lab")


# -- options and setup -------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("irqlab", "irqlab: check a lab")
    group.addoption("--lab", metavar="N", help="the lab to check: number or slug")
    group.addoption(
        "--submission",
        metavar="PATH",
        help="the program to check: a .py file or a folder with main.py (default: the starter)",
    )
    group.addoption("--board", choices=BOARDS, default="esp32", help="the board (default esp32)")
    group.addoption("--port", metavar="PORT", help="run on a real board on this serial port")
    group.addoption("--course", metavar="DIR", help="the course folder (default: found from cwd)")
    group.addoption("--irqlab-json", metavar="FILE", help="write the lab's results here as JSON")
    group.addoption(
        "--diagrams",
        metavar="DIR",
        help="where failure diagrams go (default: <course>/.irqlab/diagrams/<lab>)",
    )
    group.addoption(
        "--no-solution-lanes",
        action="store_true",
        help="draw failure diagrams without the lab's solution beside them (faster)",
    )
    group.addoption(
        "--run-timeout",
        type=float,
        metavar="S",
        help="wall-clock seconds a run may take before it counts as hung",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "task(n): the lab task (1, 2, ...) this check belongs to")
    state = State(config)
    config.stash[STATE] = state
    config.pluginmanager.register(state, "irqlab-state")
    if config.getoption("port") and importlib.util.find_spec(SERIAL_MODULE) is None:
        raise pytest.UsageError(
            "running on a real board is not available in this install of irqlab "
            "(leave out --port to check on the simulated board)"
        )


@dataclass(eq=False)  # registered as a plugin object, so it must stay hashable
class State:
    """What the plugin knows during one pytest session."""

    config: pytest.Config
    results: list[CheckResult] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> pass/fail/skip/error
    titles: dict[str, str] = field(default_factory=dict)  # nodeid -> docstring
    runs: dict[tuple[str, ...], Run] = field(default_factory=dict)
    labs: dict[Path, Lab] = field(default_factory=dict)  # checks module -> its lab
    setup_error: str | None = None
    course: Course | None = None
    # the lab's solution, run on the scenarios of failures, and the diagrams waiting for it
    references: dict[tuple[str, str, str], Future[Run]] = field(default_factory=dict)
    pending: list[Callable[[], None]] = field(default_factory=list)
    pool: ThreadPoolExecutor | None = None

    @property
    def active(self) -> bool:
        return bool(self.results or self.setup_error or self.config.getoption("lab"))

    def find_course(self, near: Path) -> Course:
        if self.course is None:
            option = self.config.getoption("course")
            self.course = load_course(option) if option else find_course(near)
        return self.course

    def lab_for(self, module_path: Path) -> Lab:
        if module_path not in self.labs:
            course = self.find_course(module_path.parent)
            ref = self.config.getoption("lab")
            lab = course.lab(ref) if ref else course.lab_for_checks(module_path)
            if lab is None:
                raise IrqlabError(
                    f"{module_path.name} belongs to no lab in {course.root / 'course.toml'}",
                    "name it test_NN_slug.py after its lab, or pass --lab N",
                )
            self.labs[module_path] = lab
        return self.labs[module_path]

    def reference(self, lab: Lab, run: Run) -> Callable[[], Run | None]:
        """Start the lab's solution on `run`'s scenario and board, on the simulator, in the
        background (once per session for each scenario), and give what waits for it: what a
        failure's diagram shows beside the student's run."""
        submission = self.config.getoption("submission")
        checked = Path(submission).resolve() if submission else lab.starter.resolve()
        solution = lab.solution.resolve()
        unwanted = self.config.getoption("no_solution_lanes")
        if unwanted or not solution.is_file() or checked in (solution, solution.parent):
            return lambda: None
        key = (str(solution), repr(run.scenario), run.board)
        if key not in self.references:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(REFERENCE_RUNS_AT_ONCE, "irqlab-reference")
            bench = Bench(load_program(solution), board=run.board, runs=self.runs)
            self.references[key] = self.pool.submit(bench.run, run.scenario)
        return self.references[key].result

    def draw_diagrams(self) -> None:
        """Draw the failures' diagrams, once the solution's runs they show are done."""
        for draw in self.pending:
            draw()
        self.pending.clear()
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    def lab_or_none(self, module_path: Path) -> Lab | None:
        try:
            return self.lab_for(module_path)
        except IrqlabError:
            return None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A checks module that can't be loaded is a setup error (only when checking a lab)."""
        if report.failed and self.config.getoption("lab"):
            text = str(report.longrepr).strip().splitlines()
            self.setup_error = text[-1] if text else "the checks could not be loaded"


STATE = pytest.StashKey[State]()


def state_of(config: pytest.Config) -> State:
    return config.stash[STATE]


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest) -> Lab:
    """The lab these checks belong to (its course.toml entry)."""
    return state_of(request.config).lab_for(Path(request.path))


@pytest.fixture(scope="module")
def bench(request: pytest.FixtureRequest, lab: Lab) -> Bench:
    """The student's program on its target: bench.run(scenario) -> Run."""
    config = request.config
    submission = config.getoption("submission")
    return Bench(
        load_program(Path(submission) if submission else lab.starter),
        board=config.getoption("board"),
        port=config.getoption("port"),
        timeout_s=config.getoption("run_timeout"),
        runs=state_of(config).runs,
    )


# -- dependencies ------------------------------------------------------------------------


def _is_check(item: pytest.Item, config: pytest.Config) -> bool:
    names = getattr(item, "fixturenames", ())
    return bool(config.getoption("lab")) or any(f in names for f in FIXTURES)


def _base_name(item: pytest.Item) -> str:
    return getattr(item, "originalname", None) or item.name


def _title(item: pytest.Item) -> str:
    doc = inspect.getdoc(getattr(item, "function", None)) or ""
    first = doc.split("\n\n")[0].replace("\n", " ").strip()
    return first or _base_name(item).removeprefix("test_").replace("_", " ")


def _blocking(item: pytest.Item, state: State) -> str | None:
    """Why `item` can't be checked yet: the sentence of a required check that did not pass
    (one left out of this session, by -k say, holds nothing up)."""
    module_file = item.nodeid.split("::")[0]
    for name in required(getattr(item, "function", None)):
        deps = [
            n
            for n in state.outcomes
            if n.split("::")[0] == module_file and n.split("::")[-1].split("[")[0] == name
        ]
        for dep in deps:
            if state.outcomes[dep] != "pass":
                return f"can't check until “{state.titles[dep]}” passes"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = state_of(item.config)
    if not _is_check(item, item.config):
        return
    state.titles[item.nodeid] = _title(item)
    reason = _blocking(item, state)
    if reason:
        item.stash[BLOCKED] = True
        pytest.skip(reason)


BLOCKED = pytest.StashKey[bool]()


# -- outcomes -> results -----------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    state = state_of(item.config)
    if not _is_check(item, item.config):
        return report
    result = _result(item, call, report, state)
    if result is not None:
        state.results.append(result)
        state.outcomes[item.nodeid] = result.status
        if result.status == "fail":
            report.longrepr = student_text(result)
    return report


def _result(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, state: State
) -> CheckResult | None:
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        return None  # a check's result comes from its setup only when setup did not pass
    title = state.titles.get(item.nodeid) or _title(item)
    result = CheckResult(id=item.name, task=_task(item), status="pass", title=title)
    if report.skipped:
        result.status = "skip"
        result.message = _skip_reason(report)
        result.blocked = item.stash.get(BLOCKED, False)
    elif report.failed and call.excinfo is not None:
        lab = state.lab_or_none(Path(item.path))
        reference = None if lab is None else functools.partial(state.reference, lab)
        explain(
            result,
            call.excinfo,
            Path(item.path),
            lab,
            state.config.getoption("diagrams"),
            reference,
            state.pending.append,
        )
    return result


def _task(item: pytest.Item) -> int:
    marker = item.get_closest_marker("task")
    if marker is None:
        return 0
    value = marker.args[0] if marker.args else marker.kwargs.get("taskno", 0)
    return int(value)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


# -- the session's results --------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    state = state_of(session.config)
    state.draw_diagrams()
    if not state.active:
        return
    labs = {lab.slug for lab in state.labs.values()}
    lab_name = ",".join(sorted(labs)) or str(session.config.getoption("lab") or "")
    target = Bench.target_name(session.config.getoption("board"), session.config.getoption("port"))
    result = LabResult(lab_name, target, list(state.results), state.setup_error)
    session.config.stash[RESULT] = result
    out = session.config.getoption("irqlab_json")
    if out:
        Path(out).write_text(render_json(result) + "\n", encoding="utf-8")


RESULT = pytest.StashKey[LabResult]()


def lab_result(config: pytest.Config) -> LabResult | None:
    """The lab's result once the session has finished (None if no check ran)."""
    return config.stash.get(RESULT, None)


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not config.getoption("lab"):
        return []
    submission = config.getoption("submission") or "the lab's starter"
    target = Bench.target_name(config.getoption("board"), config.getoption("port"))
    return [f"irqlab: lab {config.getoption('lab')}, {submission}, on {target}"]
