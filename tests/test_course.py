"""The course is whole: for every lab in course.toml, the parts exist and agree.

- the starter runs, and fails at least one check of every task (each gap is caught);
- the solution passes every check, and differs from the starter only at its TODO gaps,
  each fill with a comment;
- each known-bad variant (tests/bad/SLUG/NAME.py, first line `# fails: CHECK_ID`) fails that
  check; each other correct solution (tests/good/SLUG/NAME.py) passes every check;
- every task has hints, a `## Task N` heading in the page, a TODO in the starter and a check;
- no stray files in the course's folders.

Each failure tells the course's author what to fix.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import inspect
import re
import tempfile
from pathlib import Path

import pytest

from irqlab.checks import REQUIRES_ATTR
from irqlab.commands.check import check
from irqlab.course import Course, Lab, load_course
from irqlab.results import LabResult

ROOT = Path(__file__).resolve().parents[1]
COURSE: Course = load_course(ROOT)
LABS = COURSE.labs
TODO = re.compile(r"TODO \(task (\d+)\)")
ANY_TODO = re.compile(r"\bTODO\b")
FAILS = re.compile(r"#\s*fails:\s*(test_\w+)\s*$")
HEADING = re.compile(r"^## Task (\d+)\b", re.MULTILINE)
DIAGRAMS = Path(tempfile.mkdtemp(prefix="irqlab-course-diagrams-"))
RUNS_CHECK = "test_runs"  # every lab's first check: "the program runs without an error"


def lab_id(lab: Lab) -> str:
    return lab.slug


def variants(kind: str) -> list[tuple[Lab, Path]]:
    return [
        (lab, path)
        for lab in LABS
        for path in sorted((ROOT / "tests" / kind / lab.slug).glob("*.py"))
    ]


def variant_id(pair: tuple[Lab, Path]) -> str:
    return f"{pair[0].slug}/{pair[1].stem}"


@functools.cache
def checked(slug: str, path: Path) -> LabResult:
    lab = COURSE.lab(slug)
    return check(COURSE, lab, path, diagrams=DIAGRAMS / slug / path.stem)


def summary(result: LabResult) -> str:
    return "; ".join(f"{c.id}: {c.status} {c.message}".strip() for c in result.checks)


def broken(result: LabResult) -> list[str]:
    return [f"{c.id}: {c.message}" for c in result.checks if c.status == "error"]


# -- the index -----------------------------------------------------------------------------


def test_labs_are_numbered_one_by_one_with_matching_slugs():
    numbers = [lab.number for lab in LABS]
    assert numbers == list(range(1, len(LABS) + 1)), (
        f"course.toml numbers its labs {numbers}: number them 1, 2, 3 … in order"
    )
    for lab in LABS:
        assert re.fullmatch(rf"{lab.number:02d}-[a-z0-9]+(-[a-z0-9]+)*", lab.slug), (
            f"lab {lab.number}'s slug {lab.slug!r}: start it with {lab.number:02d}- and use "
            "lowercase words joined by -"
        )


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_lab_has_every_part(entry: Lab):
    lab = entry
    for what, path in (
        ("starter", lab.starter),
        ("solution", lab.solution),
        ("checks", lab.checks),
        ("page", lab.page),
    ):
        assert path.is_file(), f"lab {lab.slug} has no {what}: add {path.relative_to(ROOT)}"
    assert lab.title and lab.summary and lab.world, (
        f"lab {lab.slug} in course.toml needs a title, a summary and a world"
    )
    assert lab.tasks, f"lab {lab.slug} has no tasks: add tasks = [...] to course.toml"


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_every_task_has_hints(entry: Lab):
    lab = entry
    tasks = set(range(1, len(lab.tasks) + 1))
    missing = sorted(tasks - {t for t, hints in lab.hints.items() if any(h.strip() for h in hints)})
    assert not missing, (
        f"lab {lab.slug}: tasks {missing} have no hints: add [lab.hints] "
        f'"{missing[0]}" = ["…"] to course.toml'
    )
    extra = sorted(set(lab.hints) - tasks)
    assert not extra, f"lab {lab.slug} has hints for tasks {extra}, which it does not have"


# -- the page and the starter --------------------------------------------------------------


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_page_has_one_heading_per_task(entry: Lab):
    lab = entry
    headings = [int(n) for n in HEADING.findall(lab.page.read_text(encoding="utf-8"))]
    wanted = list(range(1, len(lab.tasks) + 1))
    assert headings == wanted, (
        f"{lab.page.relative_to(ROOT)} has task headings {headings}; course.toml gives "
        f"{len(lab.tasks)} tasks: write `## Task 1` … `## Task {len(lab.tasks)}` in order"
    )


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_starter_marks_a_gap_for_every_task(entry: Lab):
    lab = entry
    lines = lab.starter.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if ANY_TODO.search(line):
            m = TODO.search(line)
            assert m and 1 <= int(m.group(1)) <= len(lab.tasks), (
                f"{lab.starter.relative_to(ROOT)} line {n}: write its TODO as "
                f"`TODO (task N)` with N from 1 to {len(lab.tasks)}"
            )
    gaps = {int(m.group(1)) for line in lines for m in TODO.finditer(line)}
    missing = sorted(set(range(1, len(lab.tasks) + 1)) - gaps)
    assert not missing, (
        f"{lab.starter.relative_to(ROOT)} has no `TODO (task N)` for tasks {missing}: "
        "mark where each task's work goes"
    )


def gap_problems(starter: list[str], solution: list[str]) -> list[str]:
    """Where the solution differs from the starter other than by filling a TODO gap.

    A gap is a `TODO (task N)` line and the starter's lines after it: each changed stretch
    must start at a TODO line (nothing is inserted or changed elsewhere) and carry a comment.
    """
    problems = []
    matcher = difflib.SequenceMatcher(a=starter, b=solution, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            problems += [
                f"starter line {i1 + k + 1} (`{line.strip()}`) is left unchanged in the "
                "solution: fill the gap and drop the TODO"
                for k, line in enumerate(starter[i1:i2])
                if TODO.search(line)
            ]
            continue
        if i1 == i2 or not TODO.search(starter[i1]):
            where = f"starter line {i1 + 1}" if i1 < len(starter) else "the starter's end"
            problems.append(
                f"solution lines {j1 + 1}-{max(j1 + 1, j2)} differ from {where}, which is no "
                "TODO gap: make them the same, or mark a `# TODO (task N)` there in the starter"
            )
        elif not any("#" in line for line in solution[j1:j2]):
            problems.append(
                f"solution lines {j1 + 1}-{max(j1 + 1, j2)} fill the gap at starter line "
                f"{i1 + 1} without a comment: say in one line why the fill works"
            )
    problems += [
        f"solution line {n} still has a TODO: fill it"
        for n, line in enumerate(solution, 1)
        if ANY_TODO.search(line)
    ]
    return problems


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_solution_differs_from_starter_only_at_the_gaps(entry: Lab):
    lab = entry
    starter = lab.starter.read_text(encoding="utf-8").splitlines()
    solution = lab.solution.read_text(encoding="utf-8").splitlines()
    problems = gap_problems(starter, solution)
    assert not problems, f"{lab.solution.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


def test_gap_rule_catches_changes_outside_gaps_and_fills_without_comments():
    starter = ["a = 1", "# TODO (task 1): set b", "b = 0", "c = 3"]
    assert gap_problems(starter, ["a = 1", "# b is two", "b = 2", "c = 3"]) == []
    assert len(gap_problems(starter, ["a = 1", "b = 2", "c = 3"])) == 1  # no comment
    assert len(gap_problems(starter, ["a = 5", "# b is two", "b = 2", "c = 3"])) == 1
    assert len(gap_problems(starter, ["a = 1", "# b is two", "b = 2", "c = 3", "d = 4"])) == 1
    assert gap_problems(starter, starter)  # the gap left as it was


# -- the checks ----------------------------------------------------------------------------


def checks_module(lab: Lab):
    spec = importlib.util.spec_from_file_location(f"_course_{lab.module_name}", lab.checks)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_checks_read_as_sentences_and_wait_for_the_program_to_run(entry: Lab):
    lab = entry
    module = checks_module(lab)
    checks = {n: f for n, f in vars(module).items() if n.startswith("test_") and callable(f)}
    assert RUNS_CHECK in checks, (
        f"{lab.checks.relative_to(ROOT)} has no {RUNS_CHECK}: add a first check "
        '"""the program runs without an error""" that the others @requires'
    )
    for name, func in checks.items():
        assert inspect.getdoc(func), f"{lab.checks.name}: give {name} a docstring for the student"
        if name != RUNS_CHECK:
            assert getattr(func, REQUIRES_ATTR, ()), (
                f"{lab.checks.name}: {name} must @requires({RUNS_CHECK!r}) (or a check that does)"
            )
    assert getattr(module, "DEMO", None) is not None, (
        f"{lab.checks.name} has no DEMO scenario: `irqlab run {lab.number}` needs one"
    )


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_starter_runs_and_fails_every_task(entry: Lab):
    lab = entry
    result = checked(lab.slug, lab.starter)
    assert not broken(result), f"checks of {lab.slug} broke on the starter: {broken(result)}"
    runs = [c for c in result.checks if c.id == RUNS_CHECK]
    assert runs and runs[0].status == "pass", (
        f"the starter of {lab.slug} must run without an error: {summary(result)}"
    )
    for task in range(1, len(lab.tasks) + 1):
        statuses = {c.status for c in result.checks if c.task == task}
        assert "fail" in statuses, (
            f"the starter of {lab.slug} fails no check of task {task} ({lab.task_title(task)}): "
            f"make its `TODO (task {task})` gap one that a task-{task} check catches"
        )


@pytest.mark.parametrize("entry", LABS, ids=lab_id)
def test_solution_passes_every_check(entry: Lab):
    lab = entry
    result = checked(lab.slug, lab.solution)
    failing = [f"{c.id} ({c.status}): {c.message}" for c in result.checks if c.status != "pass"]
    assert not failing, f"the solution of {lab.slug} must pass every check:\n  " + "\n  ".join(
        failing
    )
    tasks = {c.task for c in result.checks}
    assert tasks == set(range(1, len(lab.tasks) + 1)), (
        f"{lab.checks.name} checks tasks {sorted(tasks)}; course.toml has "
        f"{len(lab.tasks)}: give every task a check, and mark each check with its task"
    )


@pytest.mark.parametrize("pair", variants("bad"), ids=variant_id)
def test_bad_variant_fails_the_check_aimed_at_its_bug(pair: tuple[Lab, Path]):
    lab, path = pair
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    m = FAILS.match(first[0]) if first else None
    assert m, f"{path.relative_to(ROOT)}: make its first line `# fails: test_<the check>`"
    aimed = m.group(1)
    result = checked(lab.slug, path)
    by_id = {c.id: c for c in result.checks}
    assert aimed in by_id, (
        f"{path.relative_to(ROOT)} names {aimed}, which {lab.checks.name} does not have "
        f"(it has {', '.join(by_id)})"
    )
    assert by_id[aimed].status == "fail", (
        f"{path.relative_to(ROOT)} should fail {aimed} but it was {by_id[aimed].status}: "
        f"tighten that check or fix the variant ({summary(result)})"
    )


@pytest.mark.parametrize("pair", variants("good"), ids=variant_id)
def test_other_correct_solution_passes_every_check(pair: tuple[Lab, Path]):
    lab, path = pair
    result = checked(lab.slug, path)
    failing = [f"{c.id} ({c.status}): {c.message}" for c in result.checks if c.status != "pass"]
    assert not failing, (
        f"{path.relative_to(ROOT)} is a correct solution the checks must accept; loosen "
        "the check (never towards the bug it catches):\n  " + "\n  ".join(failing)
    )


# -- no stray files ------------------------------------------------------------------------

IGNORED = {"__pycache__", ".DS_Store"}


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in IGNORED) if folder.is_dir() else []


def test_no_stray_files():
    slugs = {lab.slug for lab in LABS}
    stray = []
    for top in ("labs", "solutions"):
        for d in entries(ROOT / top):
            if d.name not in slugs:
                stray.append(f"{top}/{d.name}: no lab has this slug; rename it or add the lab")
            else:
                stray += [f"{top}/{d.name}/{f.name}" for f in entries(d) if f.name != "main.py"]
    modules = {lab.checks.name for lab in LABS}
    stray += [f"checks/{f.name}" for f in entries(ROOT / "checks") if f.name not in modules]
    pages = {lab.page.name for lab in LABS} | {"index.md"}
    stray += [f"docs/labs/{f.name}" for f in entries(ROOT / "docs" / "labs") if f.name not in pages]
    for kind in ("bad", "good"):
        for d in entries(ROOT / "tests" / kind):
            if d.name not in slugs:
                stray.append(f"tests/{kind}/{d.name}: no lab has this slug")
            else:
                stray += [
                    f"tests/{kind}/{d.name}/{f.name}" for f in entries(d) if f.suffix != ".py"
                ]
    assert not stray, "files that belong to no lab (move or delete them):\n  " + "\n  ".join(stray)
