"""`irqlab dev check` catches each kind of problem a course can have, naming the lab, the file
and the fix; `irqlab dev new` writes a lab that it names as unfinished, item by item, and
that leaves nothing behind once its files are deleted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from irqlab.cli import main
from irqlab.course import Course, Lab, load_course
from irqlab.dev.check import lab_problems
from irqlab.dev.files import stray_problems
from irqlab.dev.gaps import gap_problems
from irqlab.dev.problems import Problem
from irqlab.dev.verdicts import Job, judge
from irqlab.results import CheckResult, LabResult

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("course.toml", "labs", "solutions", "checks", "docs/labs", "docs/notebooks")
LABS = load_course(ROOT).labs


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """A copy of the course: its index, programs, checks, pages, notebooks and variants."""
    for part in (*PARTS, "tests/bad", "tests/good"):
        source, target = ROOT / part, tmp_path / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    return load_course(tmp_path)


def first_lab(course: Course) -> Lab:
    return course.labs[0]


def said(problems: list[Problem]) -> str:
    return "\n".join(map(str, problems))


def static(lab: Lab) -> str:
    return said(lab_problems(lab)[0])


# -- what needs no run --------------------------------------------------------------------


def test_the_course_copy_has_no_problem_that_needs_no_run(course: Course) -> None:
    assert all(static(lab) == "" for lab in course.labs)
    assert stray_problems(course) == []


def test_a_task_without_a_hint_is_named_with_the_line_to_add(course: Course) -> None:
    lab = first_lab(course)
    text = (course.root / "course.toml").read_text().replace('"3" = [', '"4" = [', 1)
    (course.root / "course.toml").write_text(text)
    found = static(load_course(course.root).labs[0])
    assert f"{lab.slug}: course.toml: task 3 of lab {lab.slug} has no hint" in found
    assert "hints for task 4, which it does not have" in found


def test_a_missing_task_heading_names_the_page_and_the_headings_to_write(course: Course) -> None:
    lab = first_lab(course)
    lab.page.write_text(lab.page.read_text().replace("## Task 2", "## Step 2"))
    assert f"{lab.slug}: docs/labs/{lab.slug}.md: its task headings are [1, 3]" in static(lab)


def test_a_todo_that_names_no_task_and_a_task_without_a_gap_are_named(course: Course) -> None:
    lab = first_lab(course)
    starter = lab.starter.read_text().replace("TODO (task 2)", "TODO: task two")
    lab.starter.write_text(starter)
    found = static(lab)
    assert f"labs/{lab.slug}/main.py: line" in found and "a TODO names no task" in found
    assert "no gap for task 2 (mark where its work goes: `TODO (task 2)`)" in found


def test_a_solution_changed_outside_its_gaps_is_named(course: Course) -> None:
    lab = first_lab(course)
    lab.solution.write_text("x = 1  # a change outside the gaps\n" + lab.solution.read_text())
    assert "which is no TODO gap" in static(lab)


def test_the_gap_rule_catches_changes_outside_gaps_and_fills_without_comments() -> None:
    starter = ["a = 1", "# TODO (task 1): set b", "b = 0", "c = 3"]
    assert gap_problems(starter, ["a = 1", "# b is two", "b = 2", "c = 3"]) == []
    assert len(gap_problems(starter, ["a = 1", "b = 2", "c = 3"])) == 1  # no comment
    assert len(gap_problems(starter, ["a = 5", "# b is two", "b = 2", "c = 3"])) == 1
    assert len(gap_problems(starter, ["a = 1", "# b is two", "b = 2", "c = 3", "d = 4"])) == 1
    assert gap_problems(starter, starter)  # the gap left as it was


def test_a_check_without_a_sentence_or_a_wait_for_the_run_is_named(course: Course) -> None:
    lab = first_lab(course)
    text = lab.checks.read_text()
    start = text.index('"""', text.index("def test_every_press"))
    end = text.index('"""', start + 3) + 3
    text = text[:start] + "pass" + text[end:]
    lab.checks.write_text(text.replace("@requires(test_runs)\ndef test_every", "def test_every"))
    found = static(lab)
    assert "test_every_press_within_60_ms has no docstring" in found
    assert "test_every_press_within_60_ms does not wait for the program to run" in found


def test_a_checks_module_that_does_not_import_is_named_with_its_error(course: Course) -> None:
    lab = first_lab(course)
    lab.checks.write_text(
        lab.checks.read_text().replace("@requires(test_runs)", "@requires(test_run)")
    )
    assert (
        f"checks/{lab.checks.name}: {lab.checks.name} could not be imported: NameError"
        in static(lab)
    )


def test_variants_must_be_five_and_name_a_check_of_their_lab(course: Course) -> None:
    lab = first_lab(course)
    bad = sorted(lab.bad.glob("*.py"))
    for extra in bad[4:]:
        extra.unlink()
    bad[0].write_text("# fails: test_no_such_check\n" + bad[0].read_text().split("\n", 1)[1])
    bad[1].write_text("# a variant with no header\n")
    found = static(lab)
    assert "4 known-bad variants; a lab needs 5 or more" in found
    assert f"it names test_no_such_check, which {lab.checks.name} does not have" in found
    assert "its first line names no check" in found


def test_a_missing_notebook_and_a_stray_file_are_named(course: Course) -> None:
    lab = first_lab(course)
    lab.notebook.unlink()
    (course.root / "checks" / "helpers.py").write_text("")
    (lab.solution.parent / "notes.txt").write_text("")
    assert f"docs/notebooks/{lab.slug}.ipynb: the lab's notebook is missing" in static(lab)
    stray = said(stray_problems(course))
    assert "course: checks/helpers.py: it belongs to no lab in course.toml" in stray
    assert f"course: solutions/{lab.slug}/notes.txt: it belongs to no lab's part" in stray


# -- verdicts -----------------------------------------------------------------------------


def verdict(lab: Lab, path: Path, *checks: tuple[str, int, str]) -> str:
    result = LabResult(lab.slug, "sim:esp32", [CheckResult(i, t, s, i) for i, t, s in checks])
    return said(judge(lab, Job(lab.root, lab.slug, path), result))


def test_a_variant_that_passes_its_check_and_a_check_that_breaks_are_named() -> None:
    lab = LABS[0]
    variant = sorted(lab.bad.glob("*.py"))[0]
    aimed = variant.read_text().splitlines()[0].split(":")[1].strip()
    found = verdict(lab, variant, (aimed, 1, "pass"), ("test_other", 1, "error"))
    assert f"it should fail {aimed} but it was pass (tighten that check" in found
    assert f"{lab.slug}: checks/{lab.checks.name}: test_other broke on tests/bad/" in found


def test_a_variant_that_fails_a_check_of_another_task_it_names_as_kept_is_named(
    course: Course,
) -> None:
    lab = first_lab(course)
    variant = sorted(lab.bad.glob("*.py"))[0]
    aimed, *rest = variant.read_text().split("\n", 1)
    variant.write_text(f"{aimed}\n# passes: test_kept, test_unknown\n{rest[0]}")
    found = verdict(
        lab, variant, (aimed.split(":")[1].strip(), 1, "fail"), ("test_kept", 3, "fail")
    )
    assert "it should pass test_kept, whose task its bug is not, but it was fail" in found
    assert "its `# passes:` names test_unknown" in static(lab)


def test_a_starter_must_run_and_fail_a_check_of_each_task() -> None:
    lab = LABS[0]
    checks = [("test_runs", 1, "fail")] + [(f"test_{t}", t, "pass") for t in (2, 3)]
    found = verdict(lab, lab.starter, *checks)
    assert f"{lab.slug}: labs/{lab.slug}/main.py: the starter does not run" in found
    assert "it fails no check of task 2" in found and "it fails no check of task 1" not in found


# -- whole runs ---------------------------------------------------------------------------


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_a_starter_replaced_by_its_solution_fails_dev_check_naming_its_lab(
    course: Course, lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = course.lab(lab.slug)
    shutil.copy(copy.solution, copy.starter)
    code = main(["dev", "check", "--lab", str(lab.number), "--course", str(course.root)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{lab.slug}: labs/{lab.slug}/main.py: it fails no check of task 1" in out


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".irqlab" not in p.parts
    }


def test_dev_new_writes_a_lab_that_dev_check_names_as_unfinished_and_leaves_no_trace(
    course: Course, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(course.root)
    index = (course.root / "course.toml").read_text()
    args = ["--course", str(course.root)]
    assert main(["dev", "new", "09-scratch", "--title", "Scratch", *args]) == 0
    written = [line.split(" ", 1)[1] for line in capsys.readouterr().out.splitlines()[:-1]]
    assert main(["dev", "check", "--lab", "9", *args]) == 1
    out = capsys.readouterr().out
    for item in (
        "09-scratch: course.toml: lab 09-scratch's summary is still a placeholder",
        "09-scratch: tests/bad/09-scratch: 0 known-bad variants; a lab needs 5 or more",
        "09-scratch: docs/labs/09-scratch.md: it shows no figure made from a run",
        "09-scratch: checks/test_09_scratch.py: line 31 is still the skeleton's",
        "09-scratch: solutions/09-scratch/main.py: starter line 10",
        "09-scratch: solutions/09-scratch/main.py: it does not pass test_task_1",
        "09-scratch: docs/notebooks/09-scratch.ipynb: line 1 of its cells is still the skeleton's",
    ):
        assert item in out
    assert "labs/09-scratch/main.py: the starter does not run" not in out  # the skeleton runs
    (course.root / "course.toml").write_text(index)  # its [[lab]] out again, then its files
    for path in reversed(written[1:]):
        target = course.root / path
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for folder in ("labs/09-scratch", "solutions/09-scratch"):
        (course.root / folder).rmdir()
    assert snapshot(course.root) == before


def test_dev_new_refuses_a_slug_that_is_not_one_or_a_lab_that_exists(
    course: Course, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--title", "T", "--course", str(course.root)]
    assert main(["dev", "new", "scratch", *args]) == 2
    assert main(["dev", "new", LABS[0].slug, *args]) == 2
    err = capsys.readouterr().err
    assert "irqlab: 'scratch' is not a lab's slug" in err
    assert f"irqlab: lab 1 is already {LABS[0].slug}" in err
