"""A hostile class, with and without bubblewrap: each attack is contained, gets a clear verdict
(its fail, or a refusal with a reason), never a grader error, and changes no file outside the
grader's output folder. "Without" is a bubblewrap that cannot start (a fake one on PATH), then
graded --unsandboxed, as an instructor must say to grade at all."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from needs import need

from irqlab import cli, runner, sandbox
from irqlab.outcome import problem
from irqlab.scenario import Scenario

COURSE = Path(__file__).parent / "fixtures" / "gradecourse"
SOLUTION = (COURSE / "solutions" / "01-hello" / "main.py").read_text()
SHORT = Scenario(seconds=0.5)
FLOOD = "from machine import Pin\nled = Pin(2, Pin.OUT)\ni = 0\nwhile True:\n"
FLOOD += "    led.value(i & 1)\n    i += 1\n"  # a pin write event each pass, forever


@pytest.fixture(params=["bwrap", "unsandboxed"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each test twice: in bubblewrap, and where it cannot start (--unsandboxed)."""
    if request.param == "bwrap":
        need("bubblewrap", sandbox.bwrap_trouble())
    else:
        request.getfixturevalue("broken_bwrap")
    return str(request.param)


def _run(
    tmp_path: Path,
    body: str,
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario = SHORT,
) -> runner.Run:
    """`body` run as a graded program is, with the VM's own defences off: the OS layer is
    what is tested."""
    program = tmp_path / "probe" / "main.py"
    program.parent.mkdir(exist_ok=True)
    program.write_text(body)
    monkeypatch.setenv(sandbox.ENV, "bwrap" if mode == "bwrap" else "limits")
    return runner.run(program, scenario, hardened=False)


def test_no_program_and_no_process_can_be_started(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "daemon-was-here"
    body = f"""
import os
codes = [os.system("touch {marker}; setsid sleep 100 &") for _ in range(150)]
print("STARTED", sum(1 for c in codes if c == 0))
"""
    run = _run(tmp_path, body, mode, monkeypatch)
    assert "STARTED 0" in run.stdout, (run.stdout, run.stderr)
    assert not marker.exists()


def test_disk_writes_are_capped_and_the_root_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    body = """
total = 0
chunk = bytearray(16384)  # one buffer, written again and again
for path in ("/x", "/dev/x", "/dev/shm/x", "/tmp/x", "main2.py"):
    try:
        with open(path, "wb") as f:
            for _ in range(12800):  # 200 MB each, if it could
                f.write(chunk)
                total += 16384
    except OSError as e:
        print("STOPPED", path, e.errno)
print("TOTAL", total)
"""
    run = _run(tmp_path, body, "bwrap", monkeypatch)
    total = int(run.stdout.split("TOTAL ")[1].split()[0])
    assert run.stdout.count("STOPPED") == 5, run.stdout
    assert total <= sandbox.TMP_BYTES + sandbox.SHM_BYTES, run.stdout
    assert sorted(p.name for p in (tmp_path / "probe").iterdir()) == ["main.py"]


def test_a_flood_of_trace_events_is_stopped_at_the_cap(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "MAX_EVENTS", 3000)
    run = _run(tmp_path, FLOOD, mode, monkeypatch, Scenario(seconds=10))
    assert run.stopped == "output" and run.extra["flooded"] == "events"
    assert len(run.trace.events) <= 3000 + 100
    assert "more events than a run may" in str(problem(run))


def test_output_without_line_ends_is_stopped_and_read_in_linear_time(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "MAX_LINE", 256 << 10)
    body = 'import sys\nwhile True:\n    sys.stdout.write("x" * 4000)\n'
    started = time.monotonic()
    run = _run(tmp_path, body, mode, monkeypatch)
    assert run.stopped == "output" and run.extra["flooded"] == "line"
    assert "more bytes on one line" in str(problem(run))
    assert time.monotonic() - started < 20  # re-splitting the buffer took minutes


def test_a_record_cut_off_mid_line_is_the_programs_crash_not_the_graders() -> None:
    stream = runner._Stream("0123456789abcdef")
    prefix = b"\x1e0123456789abcdef "
    assert not stream.feed(prefix + b'[0, "print", "HEL')  # and then the board died
    stream.flush()  # no exception: the record is dropped, and the run ended without its end
    assert stream.broken and stream.events == []
    other = runner._Stream("0123456789abcdef")
    assert other.feed(prefix + b'[0, "print"\n')  # a record that is not one ends the run
    assert other.broken and other.events == []


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def _hostile_class(root: Path) -> Path:
    folder = root / "class"
    folder.mkdir()
    (folder / "good.py").write_text(SOLUTION)
    (folder / "empty.py").write_text("")
    (folder / "shell.py").write_text('import os\nos.system("rm -rf /")\n' + SOLUTION)
    (folder / "flood.py").write_text(FLOOD)
    (folder / "spam.py").write_text('import sys\nwhile True:\n    sys.stdout.write("x")\n')
    _zip(folder / "clash.zip", {"main.py": SOLUTION, "a.py": "X = 1\n", "a.py/b.py": "Y = 2\n"})
    _zip(  # a whole clone of the course: graded from labs/01-hello/main.py
        folder / "clone.zip",
        {
            "irqlab-course/README.md": "# the course\n",
            "irqlab-course/labs/01-hello/main.py": SOLUTION,
            "irqlab-course/labs/02-other/main.py": "print('x')\n",
            "irqlab-course/solutions/01-hello/main.py": SOLUTION,
            "irqlab-course/.git/config": "[core]\n",
        },
    )
    (folder / "readme.txt").write_text("grade these\n")
    (folder / ".DS_Store").write_bytes(b"\0")
    return folder


def _snapshot(*roots: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for root in roots
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _grade(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("IRQLAB_COURSE", str(COURSE))
    return cli.main(["grade", "--lab", "1", "--jobs", "2", *args])


def test_a_hostile_class_is_contained_with_a_verdict_each(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    folder = _hostile_class(tmp_path)
    before = _snapshot(folder, COURSE)
    out = tmp_path / "out"
    extra = ["--unsandboxed"] if mode == "unsandboxed" else []
    code = _grade(monkeypatch, str(folder), "--out", str(out), *extra)
    captured = capsys.readouterr()
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    assert code == 0, {s: r.get("reason") for s, r in results.items()}
    assert _snapshot(folder, COURSE) == before, "grading changed a file outside its output"
    assert sorted(results) == ["clash", "clone", "empty", "flood", "good", "shell", "spam"]
    assert {r["status"] for s, r in results.items() if s not in ("good", "clone")} == {"fail"}
    assert results["good"]["score"] == results["clone"]["score"] == 2
    assert results["empty"]["score"] == 0  # running without an error earns nothing
    assert "os.system" in results["shell"]["checks"][0]["message"]
    assert "both a file and a folder" in results["clash"]["reason"]
    assert "skipped readme.txt: not a .py file" in captured.err
    assert "skipped .DS_Store: a hidden file" in captured.err
    texts = [p.read_text() for p in out.rglob("*") if p.suffix in (".json", ".csv", ".xml")]
    assert not [t for t in texts if "irqlab-grade-" in t or str(tmp_path) + "/class" in t]
    label = "NONE: graded --unsandboxed" if mode == "unsandboxed" else "bubblewrap"
    assert f"sandbox: {label}" in captured.out  # the terminal summary says how it ran
    scope = json.loads((out / "gradescope" / "good.json").read_text())
    assert scope["extra_data"]["sandbox"].startswith(label)
    assert 'name="sandbox" value="' + label in (out / "junit.xml").read_text()


def test_without_a_sandbox_nothing_runs_and_nothing_is_written(
    tmp_path: Path, broken_bwrap: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    folder = _hostile_class(tmp_path)
    out = tmp_path / "out"
    assert _grade(monkeypatch, str(folder), "--out", str(out)) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("irqlab: no sandbox to grade in: bubblewrap could not start")
    assert "user namespaces" in line and "--unsandboxed" in line
    assert not out.exists()
    results = tmp_path / "autograder.json"
    monkeypatch.setenv("IRQLAB_GRADESCOPE_SUBMISSION", str(folder))
    monkeypatch.setenv("IRQLAB_GRADESCOPE_RESULTS", str(results))
    assert _grade(monkeypatch, "--gradescope") == 2 and not results.exists()
    assert "no sandbox to grade in" in capsys.readouterr().err


def test_unsandboxed_still_needs_the_seccomp_filter(
    tmp_path: Path, broken_bwrap: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    said = "irqlab-noexec: no seccomp filter here (KeyError: 'arm64')"  # as on a Mac
    monkeypatch.setattr(sandbox, "noexec_trouble", lambda: said)
    folder = _hostile_class(tmp_path)
    assert _grade(monkeypatch, str(folder), "--out", str(tmp_path / "out"), "--unsandboxed") == 2
    assert f"even --unsandboxed: {said}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_empty_folder_is_an_error_that_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "readme.txt").write_text("nothing yet\n")
    assert _grade(monkeypatch, str(folder)) == 2
    assert "irqlab: no submissions in" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class"]


def test_a_rerun_grades_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "ben", "cat"):
        (folder / f"{name}.py").write_text('print("HELLO")\n')  # stops early: fails
    assert _grade(monkeypatch, str(folder)) == 0
    out = tmp_path / "class-grades"  # the default: beside the submissions, ignored by git
    assert (out / ".gitignore").read_text().splitlines()[-1] == "*"
    stamps = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    capsys.readouterr()

    (folder / "ben.py").write_text(SOLUTION)  # a resubmission
    assert _grade(monkeypatch, str(folder)) == 0
    err = capsys.readouterr().err
    assert "3 submission(s): 2 already graded and unchanged, 1 to grade" in err
    now = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert [s for s in stamps if now[s] != stamps[s]] == ["ben"]
    final = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    assert final["ben"]["status"] == "pass" and final["ann"]["status"] == "fail"

    assert _grade(monkeypatch, str(folder), "--only", "cat") == 0
    assert "3 submission(s): grading cat again (--only)" in capsys.readouterr().err
    again = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert [s for s in now if again[s] != now[s]] == ["cat"]
    report = json.loads((out / "results.json").read_text())
    assert [r["student"] for r in report] == ["ann", "ben", "cat"]  # still the whole class
    assert _grade(monkeypatch, str(folder), "--only", "dora") == 2
    assert "no submission named 'dora'" in capsys.readouterr().err


def test_output_to_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "IRQLAB_COURSE": str(COURSE)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "irqlab", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `| head` does once it has its lines
    err = proc.stderr.read()
    assert proc.wait(timeout=60) in (0, 141) and err == b"", err


def test_output_without_a_line_end_hides_no_trace_record() -> None:
    stream = runner._Stream("0123456789abcdef")
    prefix = b"\x1e0123456789abcdef "
    assert not stream.feed(b"xxx" + prefix + b'[5, "print", "HELLO\\n"]\n')
    assert [e["kind"] for e in stream.events] == ["out", "print"]
    assert stream.events[0]["text"] == "xxx" and stream.raw_bytes == 3


def test_grading_writes_nothing_into_the_course_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    course = tmp_path / "course"  # a fresh copy: no bytecode cache from earlier imports
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("__pycache__"))
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "good.py").write_text(SOLUTION)
    before = _snapshot(course)
    monkeypatch.setenv("IRQLAB_COURSE", str(course))
    assert cli.main(["grade", "--lab", "1", str(folder), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert _snapshot(course) == before, "grading wrote into the course's tree"
