"""The virtual board, driven by the real, unmodified mpremote: every command a student uses."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from irqlab.serial.transport import Line
from irqlab.serial.vboard import Server

TIMEOUT = 60


@pytest.fixture(scope="module")
def board():
    with Server("esp32") as server:
        yield server.address


def mpremote(address: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", address, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
    )


def test_exec_prints_what_the_board_computes(board):
    r = mpremote(board, "exec", "print(1 + 1)")
    assert (r.returncode, r.stdout) == (0, "2\n"), r.stderr


def test_machine_is_the_simulated_board_with_the_jumper(board):
    code = (
        "import machine\n"
        "out = machine.Pin(4, machine.Pin.OUT, value=0)\n"
        "inp = machine.Pin(5, machine.Pin.IN)\n"
        "a = inp.value(); out.value(1)\n"
        "print(a, inp.value(), machine.Pin.OUT, machine.freq())\n"
    )
    r = mpremote(board, "exec", code)
    assert r.stdout.split() == ["0", "1", "3", "160000000"], r.stderr


def test_the_second_jumper_carries_gpio16_to_gpio17(board):
    code = (
        "from machine import Pin\n"
        "out = Pin(16, Pin.OUT, value=1)\n"
        "inp = Pin(17, Pin.IN)\n"
        "a = inp.value(); out.value(0)\n"
        "print(a, inp.value(), Pin(5).value())\n"
    )
    r = mpremote(board, "exec", code)
    assert r.stdout.split() == ["1", "0", "0"], r.stderr


def test_state_survives_between_execs_until_a_soft_reset(board):
    assert mpremote(board, "exec", "kept = 41").returncode == 0
    assert mpremote(board, "resume", "exec", "print(kept + 1)").stdout == "42\n"
    assert mpremote(board, "soft-reset").returncode == 0
    r = mpremote(board, "resume", "exec", "print(kept)")
    assert r.returncode == 1 and "NameError" in r.stdout + r.stderr


def test_run_a_file(board, tmp_path):
    (tmp_path / "hello.py").write_text("import sys\nprint('hello', sys.platform, 6 * 7)\n")
    r = mpremote(board, "run", str(tmp_path / "hello.py"))
    assert r.stdout == "hello linux 42\n", r.stderr


def test_fs_cp_ls_and_back(board, tmp_path):
    data = bytes(range(256)) * 8  # every byte, Ctrl-C and Ctrl-D included
    (tmp_path / "blob.bin").write_bytes(data)
    (tmp_path / "mod.py").write_text("VALUE = 'from the board'\n")
    r = mpremote(board, "fs", "cp", str(tmp_path / "blob.bin"), str(tmp_path / "mod.py"), ":")
    assert r.returncode == 0, r.stderr
    listing = mpremote(board, "fs", "ls").stdout
    assert f"{len(data)} blob.bin" in " ".join(listing.split())
    assert mpremote(board, "exec", "import mod; print(mod.VALUE)").stdout == "from the board\n"
    back = tmp_path / "back.bin"
    assert mpremote(board, "fs", "cp", ":blob.bin", str(back)).returncode == 0
    assert back.read_bytes() == data


def test_mount_a_local_folder(board, tmp_path):
    (tmp_path / "local_mod.py").write_text("def answer():\n    return 'mounted'\n")
    (tmp_path / "raw.dat").write_bytes(b"a\x03b\x04c\x1cd")
    code = "import local_mod; print(local_mod.answer()); print(open('raw.dat', 'rb').read())"
    r = mpremote(board, "mount", str(tmp_path), "exec", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-2:] == ["mounted", "b'a\\x03b\\x04c\\x1cd'"]


def test_ctrl_c_interrupts_a_running_program(board):
    """As on a board, a Ctrl-C that lands in a soft callback (here, often the sim's clock)
    stops only that; a person presses it again. It stops the program within a few presses."""
    with Line(board) as line:
        line.raw_repl()
        line.start("while True:\n    pass\n")
        out = None
        for _ in range(20):
            line.write(b"\x03")
            out = line.read_until(b"\x04>", 0.5)
            if out is not None:
                break
    assert out is not None and b"KeyboardInterrupt" in out


def test_one_ctrl_c_stops_a_program_that_calls_the_board_every_time(board):
    """As a board's UART does, a Ctrl-C stops a program at its next call into the board,
    never inside the interpreter's own C code: one press each time, and the board is still
    fine afterwards (a SIGINT there once left the interpreter hung at its next allocation)."""
    program = (
        "import time\nfrom machine import Pin\np = Pin(5, Pin.IN)\nx = []\n"
        "while True:\n    x.append([p.value()] * 8)\n    x = x[-50:]\n    time.sleep_us(50)\n"
    )
    with Line(board) as line:
        for _ in range(20):
            line.raw_repl()
            line.start(program)
            time.sleep(0.1)
            line.write(b"\x03")
            out = line.read_until(b"\x04>", 3.0)
            assert out is not None and b"KeyboardInterrupt" in out, out
        line.raw_repl()
        assert line.exec("print(6 * 7)").strip() == "42"


def test_repl_in_a_terminal(board):
    """`mpremote repl` as a person uses it: type a line, soft-reset with Ctrl-D, leave."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: mpremote with the pty as its terminal
        os.execv(sys.executable, [sys.executable, "-m", "mpremote", "connect", board, "repl"])
    try:
        assert b"Connected to MicroPython" in _read_until(fd, b"to exit this shell")
        os.write(fd, b"\r")
        _read_until(fd, b">>> ")
        os.write(fd, b"print(6 * 7)\r")
        assert b"42" in _read_until(fd, b">>> ")
        os.write(fd, b"\x04")
        seen = _read_until(fd, b">>> ")
        assert b"MPY: soft reboot" in seen and b"MicroPython" in seen
        os.write(fd, b"\x1d")  # Ctrl-]: leave the REPL
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0
                break
            time.sleep(0.05)
        else:
            raise AssertionError("mpremote repl did not exit on Ctrl-]")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def _read_until(fd: int, ending: bytes, timeout: float = TIMEOUT) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while ending not in data:
        left = deadline - time.monotonic()
        assert left > 0, f"waited for {ending!r}, saw {data[-300:]!r}"
        if select.select([fd], [], [], min(left, 0.5))[0]:
            try:
                data += os.read(fd, 4096)
            except OSError:
                break
    return data


def test_a_socket_address():
    with Server("esp8266", socket_port=0) as server:
        assert server.address.startswith("socket://127.0.0.1:")
        r = mpremote(server.address, "exec", "import machine; print(machine.Pin.OUT)")
        assert r.stdout == "1\n", r.stderr  # the ESP8266's value


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_the_interpreter_stops_with_the_board(how):
    server = Server("esp32")
    try:
        assert mpremote(server.address, "exec", "print(1)").stdout == "1\n"
        interpreters = _children(server.proc.pid)
        assert interpreters, "the board runs its interpreter in a child process"
        os.kill(server.proc.pid, how)
        server.proc.wait(timeout=TIMEOUT)
        assert all(_gone(pid) for pid in interpreters)
    finally:
        server.stop()
