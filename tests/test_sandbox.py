"""The sandbox around a run's MicroPython process: what a program inside can and can't reach.

Each confinement test runs the same probe twice: confined (it must see nothing) and with
limits only (it must see everything), so a probe that could not see anyway fails the test."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from needs import need

from irqlab import port, sandbox
from irqlab.runner import BOARD_DIR, run
from irqlab.scenario import Scenario

REPO_FILE = Path(__file__).resolve()  # any file of the course/project: never bound
SHORT = Scenario(seconds=0.5)


@pytest.fixture
def _need_bwrap() -> None:
    need("bubblewrap", sandbox.bwrap_trouble())


uses_bwrap = pytest.mark.usefixtures("_need_bwrap")


def _probe(tmp_path: Path, body: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> str:
    program = tmp_path / "probe" / "main.py"
    program.parent.mkdir(exist_ok=True)
    program.write_text(body)
    monkeypatch.setenv(sandbox.ENV, mode)
    # The OS sandbox is what is tested: the VM's own defences (hardened) are off.
    return run(program, SHORT, hardened=False).stdout


READS = """
import os
for path in {paths!r}:
    try:
        with open(path) as f:
            print("READ", path, repr(f.read(8)))
    except OSError as e:
        print("BLOCKED", path)
"""


@uses_bwrap
def test_files_outside_the_submission_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    neighbour = tmp_path / "other_student" / "main.py"
    neighbour.parent.mkdir()
    neighbour.write_text("SECRET = 42\n")
    (tmp_path / "probe").mkdir()
    own = tmp_path / "probe" / "helper.py"
    own.write_text("X = 1\n")
    paths = [str(REPO_FILE), str(neighbour), "/etc/passwd", "../other_student/main.py"]
    body = READS.format(paths=[*paths, str(own)])
    confined = _probe(tmp_path, body, "bwrap", monkeypatch)
    assert [f"BLOCKED {p}" in confined for p in paths] == [True] * len(paths), confined
    assert f"READ {own}" in confined  # the submission's own files stay readable
    open_ = _probe(tmp_path, body, "limits", monkeypatch)
    assert f"READ {neighbour} 'SECRET =" in open_ and f"READ {REPO_FILE}" in open_


NETWORK = """
import socket
for host, port in {targets!r}:
    try:
        s = socket.socket()
        s.connect(socket.getaddrinfo(host, port)[0][-1])
        print("CONNECTED", host)
    except OSError as e:
        print("NO NETWORK", host, e)
"""


@uses_bwrap
def test_no_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    with server:
        body = NETWORK.format(targets=[("127.0.0.1", server.getsockname()[1])])
        assert "NO NETWORK 127.0.0.1" in _probe(tmp_path, body, "bwrap", monkeypatch)
        assert "CONNECTED 127.0.0.1" in _probe(tmp_path, body, "limits", monkeypatch)


@uses_bwrap
def test_no_shell_no_secrets_and_a_small_private_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IRQLAB_TEST_SECRET", "hunter2")
    marker = Path("/tmp") / f"irqlab-host-marker-{tmp_path.name}"
    marker.write_text("host")
    body = f"""
import os
print("SHELL", os.system("true"))
print("PROC", "proc" in os.listdir("/"))
print("SECRET", os.getenv("IRQLAB_TEST_SECRET"))
print("HOST TMP", {str(marker)!r}.split("/")[-1] in os.listdir("/tmp"))
chunk = bytearray(16384)  # one buffer: the board's heap has no 4 MB
try:
    with open("/tmp/big", "wb") as f:
        for _ in range(256):
            f.write(chunk)
    print("WROTE 4 MB")
except OSError as e:
    print("DISK FULL", e)
"""
    try:
        out = _probe(tmp_path, body, "bwrap", monkeypatch)
    finally:
        marker.unlink()
        Path("/tmp/big").unlink(missing_ok=True)
    assert "SHELL 0" not in out and "SECRET None" in out and "PROC False" in out, out
    assert "HOST TMP False" in out and "DISK FULL" in out and "WROTE" not in out, out


def test_limits_reach_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.ENV, "limits")
    limits = sandbox.Limits(memory_bytes=300 << 20, cpu_s=7, file_bytes=12345, processes=9)
    show = "import resource as r; print([r.getrlimit(getattr(r, n))[0] for n in {names!r}])"
    names = ["RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NPROC"]
    argv = [sys.executable, "-c", show.format(names=names)]
    preexec = functools.partial(sandbox.apply_limits, limits)  # what confine() hands Popen
    out = subprocess.run(argv, preexec_fn=preexec, capture_output=True, text=True)
    assert out.stdout.strip() == str([300 << 20, 7, 12345, 9]), out.stderr


def test_the_sandbox_binds_no_course_files() -> None:
    args = sandbox.bwrap_args([BOARD_DIR])
    binds = {args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"}
    repo = REPO_FILE.parents[1]
    assert str(BOARD_DIR) in binds
    assert not [b for b in binds if repo.is_relative_to(b) or Path(b) == repo], binds
    assert "--unshare-all" in args and "--die-with-parent" in args


@uses_bwrap
def test_a_broken_sandbox_is_the_graders_error_not_the_students(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sandbox.bwrap_args
    monkeypatch.setattr(sandbox, "bwrap_args", lambda r: [*real(r)[:1], "--no-such-option"])
    with pytest.raises(sandbox.SandboxError, match="the sandbox failed to start: bwrap: "):
        _probe(tmp_path, "print('HELLO')\n", "bwrap", monkeypatch)


def test_a_program_cannot_pass_itself_off_as_a_broken_sandbox() -> None:
    sandbox.verify(1, b"bwrap: fake\n", started=True)  # the run had started: the program's
    with pytest.raises(sandbox.SandboxError):
        sandbox.verify(1, b"bwrap: Can't mount proc\n", started=False)


def test_without_bubblewrap_auto_falls_back_and_bwrap_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox.bwrap_trouble.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    try:
        monkeypatch.setenv(sandbox.ENV, "1")
        assert sandbox.mode() == "limits"
        monkeypatch.setenv(sandbox.ENV, "bwrap")
        with pytest.raises(sandbox.SandboxError, match="not installed"):
            sandbox.mode()
    finally:
        sandbox.bwrap_trouble.cache_clear()


def test_the_sandbox_finds_the_ports_own_arguments_in_each_way_it_is_started() -> None:
    args = ["-X", "heapsize=276K", "/tmp/h.py", "-"]
    assert sandbox.micropython_args([*port.micropython_command(), *args]) == args
    assert sandbox.micropython_args(["/venv/bin/micropython", *args]) == args
    assert sandbox.micropython_args(["python", "-c", "run_main()", *args]) == args
    with pytest.raises(sandbox.SandboxError, match="not the MicroPython unix port"):
        sandbox.micropython_args(["/bin/sh", "-c", "true"])
