"""The pytest plugin that runs a lab's checks against a student's program.

Loaded in every pytest run (entry point pytest11), it stays silent unless a test uses its
fixtures (`board`, `lab`) or `--lab` is given. Then it:

- adds the options --lab, --submission, --board, --port, --course, --irqlab-json;
- gives checks the fixtures `board` (board.run(scenario) -> Run, cached per scenario) and `lab`;
- orders checks after the ones they `@requires`, and skips them with a reason if those failed;
- turns each outcome into a CheckResult: a `Failure` is a sentence with expected vs seen, the
  task's hint and a timing diagram; any other exception is an "error" (irqlab or the check broke).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from irqlab.checks import REQUIRES_ATTR, Failure
from irqlab.course import Course, Lab, find_course, load_course
from irqlab.errors import IrqlabError
from irqlab.program import Program, load_program
from irqlab.progress import state_folder
from irqlab.render.json import render as render_json
from irqlab.results import MAX_MESSAGE, MAX_VALUE, CheckResult, LabResult, cut
from irqlab.runner import Run
from irqlab.scenario import Scenario

BOARDS = ("esp32", "esp8266")
FIXTURES = ("board", "lab")
SERIAL_MODULE = "irqlab.serial.target"


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

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A checks module that can't be loaded is a setup error (only when checking a lab)."""
        if report.failed and self.config.getoption("lab"):
            text = str(report.longrepr).strip().splitlines()
            self.setup_error = text[-1] if text else "the checks could not be loaded"

    @property
    def target(self) -> str:
        port = self.config.getoption("port")
        return f"serial:{port}" if port else f"sim:{self.config.getoption('board')}"


STATE = pytest.StashKey[State]()


def state_of(config: pytest.Config) -> State:
    return config.stash[STATE]


# -- fixtures ----------------------------------------------------------------------------


class Board:
    """The board a check runs the student's program on: simulated, or real through --port."""

    def __init__(self, program: Program, state: State) -> None:
        self.program = program
        self.name: str = state.config.getoption("board")
        self.port: str | None = state.config.getoption("port")
        self.timeout_s: float | None = state.config.getoption("run_timeout")
        self.target = state.target
        self._runs = state.runs

    def run(self, scenario: Scenario) -> Run:
        """Run the program under `scenario`; the same scenario runs once per session."""
        key = (str(self.program.path), self.target, repr(scenario))
        if key not in self._runs:
            self._runs[key] = self._run(scenario)
        return self._runs[key]

    def _run(self, scenario: Scenario) -> Run:
        if self.port:
            target = importlib.import_module(SERIAL_MODULE)
            return target.run(self.program, scenario, self.name, self.port)
        from irqlab.runner import run

        return run(self.program, scenario, board=self.name, timeout_s=self.timeout_s)


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest) -> Lab:
    """The lab these checks belong to (its course.toml entry)."""
    return state_of(request.config).lab_for(Path(request.path))


@pytest.fixture(scope="module")
def board(request: pytest.FixtureRequest, lab: Lab) -> Board:
    """The board with the student's program on it: board.run(scenario) -> Run."""
    state = state_of(request.config)
    submission = request.config.getoption("submission")
    path = Path(submission) if submission else lab.starter
    return Board(load_program(path), state)


# -- ordering and dependencies ----------------------------------------------------------


def _is_check(item: pytest.Item, config: pytest.Config) -> bool:
    names = getattr(item, "fixturenames", ())
    return bool(config.getoption("lab")) or any(f in names for f in FIXTURES)


def _requires(item: pytest.Item) -> tuple[str, ...]:
    return getattr(getattr(item, "function", None), REQUIRES_ATTR, ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every check after the checks it requires (otherwise keep the file's order)."""
    if not any(_requires(i) for i in items):
        return
    by_key = {(i.path, _base_name(i)): i for i in items}
    ordered: list[pytest.Item] = []
    placed: set[str] = set()

    def place(item: pytest.Item, chain: tuple[str, ...]) -> None:
        if item.nodeid in placed or item.nodeid in chain:
            return
        for name in _requires(item):
            dep = by_key.get((item.path, name))
            if dep is not None:
                place(dep, (*chain, item.nodeid))
        placed.add(item.nodeid)
        ordered.append(item)

    for item in items:
        place(item, ())
    items[:] = ordered


def _base_name(item: pytest.Item) -> str:
    return getattr(item, "originalname", None) or item.name


def _title(item: pytest.Item) -> str:
    doc = inspect.getdoc(getattr(item, "function", None)) or ""
    first = doc.split("\n\n")[0].replace("\n", " ").strip()
    return first or _base_name(item).removeprefix("test_").replace("_", " ")


def _blocking(item: pytest.Item, state: State) -> str | None:
    """Why `item` can't be checked yet: the sentence of a required check that did not pass."""
    module = getattr(item, "module", None)
    for name in _requires(item):
        if module is None or not hasattr(module, name):
            raise IrqlabError(
                f"{_base_name(item)} requires {name!r}, which {item.path.name} does not define",
                "fix the name in @requires",
            )
        dep_ids = [n for n in state.outcomes if n.split("::")[-1].split("[")[0] == name]
        dep_ids = [n for n in dep_ids if n.split("::")[0] == item.nodeid.split("::")[0]]
        for dep in dep_ids:
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
            report.longrepr = _student_text(result)
    return report


def _result(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, state: State
) -> CheckResult | None:
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        return None  # a check's result comes from its setup only when setup did not pass
    task = _task(item)
    title = state.titles.get(item.nodeid) or _title(item)
    result = CheckResult(id=item.name, task=task, status="pass", title=title)
    if report.skipped:
        result.status = "skip"
        result.message = _skip_reason(report)
        result.blocked = item.stash.get(BLOCKED, False)
    elif report.failed and call.excinfo is not None:
        _explain(result, call.excinfo.value, item, state)
        if result.status == "error":
            result.message = cut(result.message + _where(call.excinfo, item), MAX_MESSAGE)
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


def _explain(result: CheckResult, exc: BaseException, item: pytest.Item, state: State) -> None:
    if isinstance(exc, Failure):
        result.status = "fail"
        result.message = cut(exc.message, MAX_MESSAGE)
        result.expected = None if exc.expected is None else cut(_show(exc.expected), MAX_VALUE)
        result.seen = None if exc.seen is None else cut(_show(exc.seen), MAX_VALUE)
        result.at_us = exc.at_us
        lab = _lab_or_none(item, state)
        result.hint = exc.hint or (lab.hint(result.task) if lab else None)
        if exc.run is not None and lab is not None:
            _draw(result, exc, lab, state.config.getoption("diagrams"))
    elif isinstance(exc, AssertionError):
        result.status = "fail"
        result.message = cut(str(exc).split("\n")[0] or result.title, MAX_MESSAGE)
        lab = _lab_or_none(item, state)
        result.hint = lab.hint(result.task) if lab else None
    else:
        result.status = "error"
        kind = "" if isinstance(exc, IrqlabError) else f"{type(exc).__name__}: "
        result.message = cut(f"{kind}{exc}", MAX_MESSAGE)


def _where(excinfo: pytest.ExceptionInfo[BaseException], item: pytest.Item) -> str:
    """Where in the checks module the error happened, for whoever maintains the checks."""
    lines = [e.lineno + 1 for e in excinfo.traceback if Path(e.path) == Path(item.path)]
    return f" ({item.path.name} line {lines[-1]})" if lines else ""


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _lab_or_none(item: pytest.Item, state: State) -> Lab | None:
    try:
        return state.lab_for(Path(item.path))
    except IrqlabError:
        return None


def _draw(result: CheckResult, failure: Failure, lab: Lab, folder: str | None) -> None:
    """The failure's timing diagram: an SVG file and a waveform for the terminal."""
    from irqlab.diagram import failure_diagram

    assert failure.run is not None
    try:
        svg, text = failure_diagram(
            failure.run, at_us=failure.at_us, window=failure.window, label=failure.message
        )
        where = Path(folder) if folder else state_folder(lab.root) / "diagrams" / lab.slug
        where.mkdir(parents=True, exist_ok=True)
        path = where / f"{result.id}.svg"
        path.write_text(svg, encoding="utf-8")
    except Exception as e:  # a diagram that can't be drawn must not hide the verdict
        result.waveform = f"(no diagram: {type(e).__name__}: {e})"
        return
    result.diagram = str(path)
    result.waveform = text


def _student_text(result: CheckResult) -> str:
    from irqlab.render.terminal import failure_lines

    return "\n".join(failure_lines(result, color=False))


# -- the session's results --------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    state = state_of(session.config)
    if not state.active:
        return
    labs = {lab.slug for lab in state.labs.values()}
    lab_name = ",".join(sorted(labs)) or str(session.config.getoption("lab") or "")
    result = LabResult(lab_name, state.target, list(state.results), state.setup_error)
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
    return [f"irqlab: lab {config.getoption('lab')}, {submission}, on {state_of(config).target}"]
