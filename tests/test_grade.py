"""Grading a class with a stand-in worker: retries, time limits, resume, reports, and a grader
killed mid-run. (tests/test_grade_e2e.py grades real programs with the real worker.)"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from irqlab.course import Lab
from irqlab.grade import reports, worker
from irqlab.grade.batch import Batch, grade
from irqlab.grade.store import ResultStore

FAKE = Path(__file__).parent / "fixtures" / "fakeworker.py"
LAB = Lab(number=1, slug="01-hello", title="Hello", root=Path(__file__).parent)


def _class(root: Path, students: dict[str, str]) -> Path:
    folder = root / "class"
    folder.mkdir(exist_ok=True)
    for name, marker in students.items():
        (folder / f"{name}.py").write_text(f"# {name}\n{marker}\nprint('HELLO')\n")
    return folder


def _batch(tmp: Path, folder: Path, *, timeout: float = 60, force: bool = False) -> Batch:
    log = tmp / "log"

    def command(sub: Path) -> list[str]:
        return [sys.executable, str(FAKE), str(sub), str(log)]

    spec = worker.WorkerSpec(1, tmp, "limits", timeout, command)
    return Batch(folder, LAB, tmp / "out", spec, jobs=2, force=force)


def _log(tmp: Path) -> list[str]:
    path = tmp / "log"
    return path.read_text().split() if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" not in status.read_text()


def test_each_kind_of_trouble_gets_its_own_verdict(tmp_path: Path) -> None:
    folder = _class(
        tmp_path,
        {"alice": "", "bob": "#FAIL", "carol": "#CRASH", "dan": "#GARBAGE", "frank": "#FLAKY"},
    )
    (folder / "gina").mkdir()
    results = {r["student"]: r for r in grade(_batch(tmp_path, folder), io.StringIO())}

    # running earns nothing alone: only test_hello scores
    assert results["alice"]["status"] == "pass" and results["alice"]["score"] == 1
    assert results["bob"]["status"] == "fail" and results["bob"]["score"] == 0
    assert results["bob"]["max_score"] == 1
    for who in ("carol", "dan"):  # the worker broke: an error, tried twice, never a fail
        assert results[who]["status"] == "error" and results[who]["attempts"] == 2
        assert results[who]["reason"].startswith("grader error: the worker gave no result")
        assert _log(tmp_path).count(who) == 2
    assert results["frank"]["status"] == "pass" and results["frank"]["attempts"] == 2
    assert results["gina"]["status"] == "fail"
    assert results["gina"]["reason"] == "the submission has no .py file to grade"


@pytest.mark.parametrize("marker", ["#HANG", "#SETSID"])
def test_a_hung_worker_is_killed_with_its_children(tmp_path: Path, marker: str) -> None:
    folder = _class(tmp_path, {"eve": marker})
    started = time.monotonic()
    # 4 s: time enough for the worker to start its child even on a loaded machine
    (result,) = grade(_batch(tmp_path, folder, timeout=4), io.StringIO())
    assert time.monotonic() - started < 30
    assert result["status"] == "error" and result["attempts"] == 2
    assert "did not finish in 4 s" in result["reason"]
    child = int((tmp_path / "eve.child").read_text())
    assert not _alive(child), "the hung worker's own child was left running"


def test_a_rerun_skips_what_is_graded_and_retries_errors(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"alice": "", "bob": "#FAIL", "carol": "#CRASH"})
    grade(_batch(tmp_path, folder), io.StringIO())
    assert sorted(_log(tmp_path)) == ["alice", "bob", "carol", "carol"]
    (tmp_path / "log").unlink()
    again = grade(_batch(tmp_path, folder), io.StringIO())
    assert _log(tmp_path) == ["carol", "carol"]  # only the error is tried again
    assert [r["student"] for r in again] == ["alice", "bob", "carol"]
    (tmp_path / "log").unlink()
    grade(_batch(tmp_path, folder, force=True), io.StringIO())
    assert sorted(_log(tmp_path)) == ["alice", "bob", "carol", "carol"]


def test_a_result_is_read_from_the_workers_pipe_never_from_a_file(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"mallory": "#FORGE"})
    (result,) = grade(_batch(tmp_path, folder), io.StringIO())
    assert result["status"] == "error" and "gave no result" in result["reason"]


def test_a_worker_runs_under_a_memory_limit(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"hog": "#MEMORY"})
    (result,) = grade(_batch(tmp_path, folder), io.StringIO())
    assert result["checks"][1]["message"] == str(worker.WORKER_MEMORY)


def test_a_grade_from_another_sandbox_is_graded_again(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"alice": "", "bob": "#FAIL"})
    grade(_batch(tmp_path, folder), io.StringIO())  # the stand-in says "limits"
    (tmp_path / "log").unlink()
    batch = _batch(tmp_path, folder)
    spec = worker.WorkerSpec(1, tmp_path, "bwrap", 60, batch.spec.command)
    again = grade(Batch(folder, LAB, tmp_path / "out", spec, jobs=2), io.StringIO())
    assert sorted(_log(tmp_path)) == ["alice", "bob"]
    assert {r["sandbox"] for r in again} == {"bwrap"}


def test_progress_is_a_plain_line_per_submission_off_a_terminal(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"alice": "", "bob": "#FAIL"})
    stream = io.StringIO()
    grade(_batch(tmp_path, folder), stream)
    head, *lines = stream.getvalue().splitlines()
    assert head == "2 submission(s): 0 already graded and unchanged, 2 to grade"
    assert len(lines) == 2
    assert any(line.endswith("alice: pass 1/1") for line in lines)
    assert any(line.endswith("bob: fail 0/1: HELLO was printed 0 times") for line in lines)


def test_reports_hold_every_student(tmp_path: Path) -> None:
    folder = _class(tmp_path, {"alice": "", "bob": "#FAIL", "carol": "#CRASH"})
    (folder / "dan").mkdir()
    results = grade(_batch(tmp_path, folder), io.StringIO())
    out = tmp_path / "out"
    reports.write_all(out, results)

    rows = list(csv.DictReader((out / "grades.csv").open()))
    head = ["student", "status", "score", "max_score", "task_1", "task_2", "reason", "sandbox"]
    assert list(rows[0]) == head
    by = {r["student"]: r for r in rows}
    assert by["alice"] == {
        "student": "alice",
        "status": "pass",
        "score": "1",
        "max_score": "1",
        "task_1": "pass",
        "task_2": "pass",
        "reason": "",
        "sandbox": reports.SANDBOXES["limits"],
    }
    assert by["bob"]["task_2"] == "fail"
    assert by["bob"]["reason"] == "test_hello: HELLO was printed 0 times"
    assert by["dan"]["status"] == "fail" and by["dan"]["max_score"] == "1"  # filled in
    assert by["dan"]["reason"] == "the submission has no .py file to grade"
    assert by["carol"]["status"] == "error"
    assert by["carol"]["reason"].startswith("grader error: the worker gave no result")

    data = json.loads((out / "results.json").read_text())
    assert [r["student"] for r in data] == ["alice", "bob", "carol", "dan"]
    assert data[1]["checks"][1]["message"] == "HELLO was printed 0 times"

    suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot()}
    assert suites["alice"].get("tests") == "2" and suites["alice"].get("failures") == "0"
    assert suites["bob"].get("failures") == "1"
    failure = suites["bob"].find("testcase[@name='test_hello']/failure")
    assert failure is not None and failure.get("message") == "HELLO was printed 0 times"
    assert suites["carol"].get("errors") == "1"
    assert suites["dan"].find("testcase[@name='submission']/failure") is not None

    assert sorted(p.name for p in (out / "gradescope").iterdir()) == [
        f"{s}.json" for s in ("alice", "bob", "carol", "dan")
    ]
    bob = json.loads((out / "gradescope" / "bob.json").read_text())
    assert bob["score"] == 0 and bob["extra_data"]["sandbox"] == reports.SANDBOXES["limits"]
    assert bob["tests"][0]["max_score"] == 0  # running: shown, worth nothing
    assert bob["tests"][1] == {
        "name": "Task 2: it says hello",
        "score": 0,
        "max_score": 1,
        "status": "failed",
        "output": "HELLO was printed 0 times\nHint: print it",
        "visibility": "visible",
    }
    dan = json.loads((out / "gradescope" / "dan.json").read_text())
    assert dan["output"] == "the submission has no .py file to grade"
    page = (out / "feedback" / "bob.html").read_text()
    assert "HELLO was printed 0 times" in page and "Hint:</em> print it" in page
    assert "task 2: 1/3 passed (33%)" in reports.summary(results)


def test_gradescope_output_is_capped_at_500_characters() -> None:
    long = {"id": "t", "task": 1, "status": "fail", "title": "t", "message": "x" * 5000}
    result = {"student": "s", "status": "fail", "score": 0, "checks": [long], "reason": "y" * 900}
    out = reports.gradescope(result)
    assert len(out["tests"][0]["output"]) == 500 and len(out["output"]) == 500


def test_junit_survives_control_characters_a_program_printed() -> None:
    check = {"id": "t", "task": 1, "status": "fail", "message": "seen \x1b[31m\x00 here"}
    text = reports.junit_xml([{"student": "s", "status": "fail", "checks": [check]}])
    assert ET.fromstring(text.split("?>", 1)[1]).find(".//failure") is not None


@pytest.mark.parametrize(
    ("stdout", "code", "reason"),
    [
        (b"", -9, "killed by signal 9"),
        (b"", 2, "exited with status 2"),
        (b'{"status": "great"}', 0, "status is 'great'"),
        (b'{"status": "pass", "score": "10", "max_score": 1, "checks": []}', 0, "score"),
        (b'{"status": "error", "score": 0, "max_score": 1, "checks": [], "error": "x"}', 2, "x"),
    ],
)
def test_a_worker_without_a_good_result_is_a_grader_error(
    stdout: bytes, code: int, reason: str
) -> None:
    result = worker.parse(stdout, code, "")
    assert result["status"] == "error" and result["reason"].startswith("grader error: ")
    assert reason in result["reason"]


def test_a_half_written_result_is_never_read_as_done(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.path("alice").write_text('{"student": "alice", "status": "pa')  # torn write
    assert not store.done("alice")
    store.save({"student": "alice", "status": "pass"})
    assert store.done("alice") and not list(tmp_path.glob(".*.tmp"))


DRIVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_grade import _batch
    from irqlab.grade.batch import grade
    tmp = Path({tmp!r})
    grade(_batch(tmp, tmp / "class"))
    """
)


def test_a_grader_killed_mid_run_resumes_without_redoing_or_losing_any(tmp_path: Path) -> None:
    names = [f"s{i:02}" for i in range(12)]
    _class(tmp_path, dict.fromkeys(names, "#SLOW"))
    driver = DRIVER.format(tests=str(Path(__file__).parent), tmp=str(tmp_path))
    grader = subprocess.Popen([sys.executable, "-c", driver], stderr=subprocess.DEVNULL)
    results = tmp_path / "out" / "results"
    deadline = time.monotonic() + 60
    while len(list(results.glob("*.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    first = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}
    assert 4 <= len(first) < len(names)
    assert all(r["status"] == "pass" for r in first.values())
    before = _log(tmp_path)

    final = grade(_batch(tmp_path, tmp_path / "class"), io.StringIO())
    assert [r["student"] for r in final] == names and all(r["status"] == "pass" for r in final)
    redone = _log(tmp_path)[len(before) :]
    assert not set(redone) & set(first), "a finished result was graded again"
    assert set(redone) | set(first) == set(names)
    for name in names:
        assert json.loads((results / f"{name}.json").read_text()) == next(
            r for r in final if r["student"] == name
        )
