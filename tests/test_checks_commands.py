"""`irqlab list` and `irqlab hint`: progress and hints remembered per student, per course."""

from __future__ import annotations

import json

from irqlab.cli import main
from irqlab.progress import StudentProgress


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def check_own(fakecourse, capsys, submission: str) -> tuple[int, str]:
    """`irqlab check 1` on the student's own lab file, holding one of the fake submissions."""
    own = fakecourse / "labs" / "01-fake" / "main.py"
    own.write_text((fakecourse / "submissions" / submission).read_text())
    return run(capsys, "check", "1")


def status_column(out: str) -> list[str]:
    rows = [line for line in out.splitlines() if line[:3].strip().isdigit()]
    return [row.split("  ")[-1].strip() for row in rows]


def test_list_shows_each_lab_as_not_started_then_failing_then_passed(fakecourse, capsys):
    assert status_column(run(capsys, "list")[1]) == ["not started", "not started"]
    check_own(fakecourse, capsys, "failing.py")
    assert status_column(run(capsys, "list")[1]) == ["failing (2/3)", "not started"]
    check_own(fakecourse, capsys, "passing.py")
    code, out = run(capsys, "list")
    assert code == 0 and status_column(out) == ["passed", "not started"]
    assert out.splitlines()[-1] == "Next: `irqlab check 2` (A lab with a broken check)."


def test_hints_come_one_at_a_time_and_stop_at_the_last(fakecourse, capsys):
    first = run(capsys, "hint", "1", "1")[1].splitlines()
    assert first == [
        "Lab 1, task 1: print PRESS on each press",
        "Hint 1 of 2: Set a flag in the handler and print in the main loop.",
        "Still stuck? `irqlab hint 1 1` shows the next one.",
    ]
    second = run(capsys, "hint", "1", "1")[1].splitlines()
    assert second[1:3] == [
        "Hint 1 of 2: Set a flag in the handler and print in the main loop.",
        "Hint 2 of 2: Clear the flag after printing.",
    ]
    assert second[-1] == "That was the last hint; docs/labs/01-fake.md explains more."
    assert run(capsys, "hint", "1", "1")[1].splitlines() == second


def test_hint_without_a_task_picks_the_first_unfinished_task_of_the_last_check(fakecourse, capsys):
    assert run(capsys, "hint", "1")[1].startswith("Lab 1, task 1:")  # no check yet
    check_own(fakecourse, capsys, "failing.py")
    assert run(capsys, "hint", "1")[1].startswith("Lab 1, task 2: light the LED")


def test_hint_for_a_task_that_passed_the_last_check_says_so(fakecourse, capsys):
    check_own(fakecourse, capsys, "failing.py")
    passed = run(capsys, "hint", "1", "1")[1].splitlines()
    assert passed[1] == "Task 1 passed your last `irqlab check 1`: nothing to fix here."
    assert "passed" not in run(capsys, "hint", "1", "2")[1]


def test_hint_for_a_task_the_lab_does_not_have_is_a_one_line_error(fakecourse, capsys):
    assert main(["hint", "1", "7"]) == 2
    assert capsys.readouterr().err == "irqlab: lab 1 has no task 7 (its tasks are 1 to 2)\n"


def test_progress_lives_in_the_course_and_ignores_itself_in_git(fakecourse, capsys):
    check_own(fakecourse, capsys, "passing.py")
    run(capsys, "hint", "1", "2")
    state = json.loads((fakecourse / ".irqlab" / "progress.json").read_text())
    assert state["results"]["01-fake"]["status"] == "pass"
    assert state["hints"] == {"01-fake": {"2": 1}}
    assert (fakecourse / ".irqlab" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert StudentProgress.load(fakecourse).status("01-fake") == "passed"


def test_only_a_check_of_the_students_own_lab_file_records_progress(
    fakecourse, capsys, monkeypatch
):
    run(capsys, "check", "1", "submissions/passing.py")  # another file: a solution, say
    assert not (fakecourse / ".irqlab" / "progress.json").exists()
    check_own(fakecourse, capsys, "failing.py")
    assert StudentProgress.load(fakecourse).status("01-fake") == "failing (2/3)"
    run(capsys, "check", "1", "submissions/passing.py")  # does not overwrite it
    assert StudentProgress.load(fakecourse).status("01-fake") == "failing (2/3)"
    monkeypatch.setenv("IRQLAB_NO_PROGRESS", "1")  # as irqlab's own test suite runs
    check_own(fakecourse, capsys, "passing.py")
    assert StudentProgress.load(fakecourse).status("01-fake") == "failing (2/3)"


def test_the_course_option_and_variable_find_the_course_from_anywhere(
    fakecourse, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["list"]) == 2
    assert "no course.toml in" in capsys.readouterr().err
    assert status_column(run(capsys, "list", "--course", str(fakecourse))[1])[0] == "not started"
    monkeypatch.setenv("IRQLAB_COURSE", str(fakecourse))
    assert run(capsys, "check", "1", str(fakecourse / "submissions" / "passing.py"))[0] == 0
