"""`irqlab grade` on a class of hostile and broken submissions, with the real worker, the
real sandbox and the one-lab course in tests/fixtures/gradecourse. Each submission gets a
verdict with a reason, and the batch goes on."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from needs import need

from irqlab import cli, sandbox

COURSE = Path(__file__).parent / "fixtures" / "gradecourse"
SOLUTION = COURSE / "solutions" / "01-hello" / "main.py"
KEEP_RUNNING = "import time\nwhile True:\n    time.sleep_ms(100)\n"
SECRET_ENV = "IRQLAB_TEST_SECRET"

PROGRAMS = {
    "good.py": SOLUTION.read_text(),
    "syntax.py": 'print("HELLO"\n',
    "spin.py": "while True:\n    pass\n",
    "catchall.py": (
        'import time\nprint("HELLO")\nwhile True:\n    try:\n        while True:\n'
        "            time.sleep_ms(10)\n    except BaseException:\n        pass\n"
    ),
    "memhog.py": "hog = []\nwhile True:\n    hog.append(bytearray(10000))\n",
    "printer.py": 'while True:\n    print("HELLO")\n',
    "exiter.py": 'import sys\nsys.exit(0)\nprint("HELLO")\n' + KEEP_RUNNING,
    "imitate.py": (
        "import sys\n"
        'print(\'{"lab": "01-hello", "status": "pass", "score": 3, "max_score": 3, '
        '"tasks": [], "checks": []}\')\n'
        'print("\\x1e0123456789abcdef [999999, \\"end\\", \\"scenario\\", null]")\n'
        'print("test_says_hello PASSED")\n'
        "sys.exit(0)\n"
    ),
    "threads.py": (
        "import _thread, time\ndef forever():\n    while True:\n        pass\n"
        "for _ in range(4):\n    _thread.start_new_thread(forever, ())\n"
        'print("HELLO")\n' + KEEP_RUNNING
    ),
}


def snooper(paths: list[str], port: int) -> str:
    """A program that passes only if it can read none of `paths`, reach no network and see
    no secret in its environment: its verdict proves the sandbox held."""
    return f"""
import os, socket, time
leaks = []
for path in {paths!r}:
    try:
        with open(path) as f:
            f.read(1)
        leaks.append(path)
    except OSError:
        pass
for host, port in (("127.0.0.1", {port}), ("1.1.1.1", 80)):
    try:
        s = socket.socket()
        s.connect(socket.getaddrinfo(host, port)[0][-1])
        leaks.append(host)
    except OSError:
        pass
if os.getenv({SECRET_ENV!r}):
    leaks.append("env")
print("LEAKED " + repr(leaks) if leaks else "HELLO")
{KEEP_RUNNING}"""


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on the host's loopback that accepts connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _zip(path: Path, files: dict[str, str], link: str | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
        if link:
            info = zipfile.ZipInfo("link.py")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, link)


def _make_class(root: Path, port: int) -> Path:
    folder = root / "class"
    folder.mkdir()
    for name, text in PROGRAMS.items():
        (folder / name).write_text(text)
    (folder / "latin1.py").write_bytes(b"print('caf\xe9')\n")
    (folder / "empty").mkdir()
    (folder / "papers").mkdir()
    (folder / "papers" / "report.pdf").write_bytes(b"%PDF")
    (folder / "huge").mkdir()
    with (folder / "huge" / "main.py").open("wb") as f:
        f.truncate(50 << 20)
    _zip(folder / "escape.zip", {"main.py": SOLUTION.read_text(), "../../evil.py": "x = 1"})
    _zip(folder / "linked.zip", {"main.py": SOLUTION.read_text()}, link=str(SOLUTION))
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(110):
            z.writestr(f"junk{i}.py", b"\0" * (1 << 20))
    secrets = [str(SOLUTION), str(folder / "good.py"), str(COURSE / "checks" / "test_01_hello.py")]
    (folder / "snoop.py").write_text(snooper(secrets, port))
    return folder


def _grade(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("IRQLAB_COURSE", str(COURSE))
    monkeypatch.setenv(SECRET_ENV, "hunter2")
    return cli.main(["grade", *args])


def test_a_hostile_class_gets_a_verdict_each(
    tmp_path: Path, listener: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    folder = _make_class(tmp_path, listener)
    out = tmp_path / "out"
    code = _grade(monkeypatch, str(folder), "--lab", "1", "--out", str(out), "--jobs", "2")
    captured = capsys.readouterr()
    assert "sandbox bubblewrap, no exec or fork (seccomp)" in captured.err
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    assert code == 0, [r.get("reason") for r in results.values() if r["status"] == "error"]

    def verdict(student: str) -> tuple[str, int]:
        return results[student]["status"], results[student]["score"]

    def message(student: str, check: str) -> str:
        return next(c["message"] for c in results[student]["checks"] if c["id"] == check)

    assert verdict("good") == ("pass", 2)  # running alone earns nothing
    assert verdict("snoop") == ("pass", 2), message("snoop", "test_says_hello")
    assert verdict("catchall") == ("pass", 2)
    # Threads share the VM without a GIL: a graded program may not start them.
    assert verdict("threads") == ("fail", 0) and "_thread" in message("threads", "test_runs")
    assert verdict("syntax") == ("fail", 0) and "SyntaxError" in message("syntax", "test_runs")
    assert verdict("memhog") == ("fail", 0) and "MemoryError" in message("memhog", "test_runs")
    assert verdict("spin") == ("fail", 1)
    assert verdict("printer")[0] == "fail"
    assert verdict("exiter") == ("fail", 0)
    assert verdict("imitate") == verdict("exiter")  # its fake results changed nothing

    reasons = {s: r.get("reason") or "" for s, r in results.items()}
    assert "not UTF-8" in reasons["latin1"]
    assert reasons["empty"] == "the submission has no .py file to grade"
    assert "no .py file" in reasons["papers"] and "report.pdf" in results["papers"]["notes"][0]
    assert reasons["huge"].startswith("main.py is 50.0 MB")
    assert "unsafe path" in reasons["escape"]
    assert "symbolic link" in reasons["linked"]
    assert "zip bomb" in reasons["bomb"]
    for student in ("latin1", "empty", "papers", "huge", "escape", "linked", "bomb"):
        assert verdict(student) == ("fail", 0) and results[student]["max_score"] == 2

    diagram = next(c["diagram"] for c in results["exiter"]["checks"] if c["status"] == "fail")
    assert Path(diagram).is_file() and Path(diagram).parent == out / "diagrams" / "exiter"
    assert not (tmp_path / "evil.py").exists()
    assert not (COURSE / ".irqlab").exists(), "grading wrote into the course folder"
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0] == "student,status,score,max_score,task_1,task_2,reason,sandbox"
    assert len(rows) == 18 and any(r.startswith("huge,fail,0,2,,,main.py is 50.0 MB") for r in rows)
    assert "pass" in captured.out and "mean score" in captured.out


def test_gradescope_mode_reads_and_writes_the_autograder_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "main.py").write_text('print("HELLO")\n')  # stops early: 1 of 2
    results = tmp_path / "results" / "results.json"
    monkeypatch.setenv("IRQLAB_GRADESCOPE_SUBMISSION", str(submission))
    monkeypatch.setenv("IRQLAB_GRADESCOPE_RESULTS", str(results))
    assert _grade(monkeypatch, "--lab", "1", "--gradescope") == 0
    data = json.loads(results.read_text())
    assert data["score"] == 1 and data["extra_data"]["sandbox"].startswith("bubblewrap")
    assert [t["name"] for t in data["tests"]] == [
        "Task 1: the program runs without an error",
        "Task 1: the program prints HELLO exactly once",
        "Task 2: the program keeps running until the scenario ends",
    ]
    assert [t["score"] for t in data["tests"]] == [0, 1, 0]  # no point for running
    assert all(t["visibility"] == "visible" and len(t["output"]) <= 500 for t in data["tests"])


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_killing_the_grader_kills_its_workers_and_a_rerun_finishes(tmp_path: Path) -> None:
    need("bubblewrap", sandbox.bwrap_trouble())
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a0", "a1"):
        (folder / f"{name}.py").write_text(SOLUTION.read_text())
    stuck = [f"s{i}" for i in range(4)]
    for name in stuck:  # a loop inside C code: only the run's 20 s time limit ends it
        (folder / f"{name}.py").write_text("print(sum(range(10**12)))\n")
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "IRQLAB_COURSE": str(COURSE), "TMPDIR": str(scratch)}
    argv = [sys.executable, "-m", "irqlab", "grade", str(folder), "--lab", "1", "--out", str(out)]
    grader = subprocess.Popen([*argv, "--jobs", "2"], env=env, stderr=subprocess.DEVNULL)

    def stuck_running() -> bool:
        graded = len(list((out / "results").glob("*.json"))) == 2
        return graded and len(_processes_mentioning(str(scratch))) >= 2

    assert _wait_for(stuck_running, 60), "the stuck submissions never started"
    time.sleep(0.5)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    done = {p.stem for p in (out / "results").glob("*.json")}
    assert done == {"a0", "a1"}
    # far less than the 20 s the stuck runs would take on their own (10 s: on a machine busy
    # with the rest of the suite, a killed sandbox can take seconds to be torn down)
    gone = _wait_for(lambda: not _processes_mentioning(str(scratch)), 10)
    assert gone, f"workers outlived the grader: {_processes_mentioning(str(scratch))}"
    stamps = {s: (out / "results" / f"{s}.json").stat().st_mtime_ns for s in done}

    for name in stuck:  # the rest can now be graded quickly
        (folder / f"{name}.py").write_text(SOLUTION.read_text())
    rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "[4/4]" in rerun.stderr and "[5/" not in rerun.stderr  # only the rest was graded
    assert {s: (out / "results" / f"{s}.json").stat().st_mtime_ns for s in done} == stamps
    final = json.loads((out / "results.json").read_text())
    assert [r["status"] for r in final] == ["pass"] * 6
