"""`irqlab run` with bad input: one clear line, a non-zero exit, never a traceback of irqlab's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from programs.simrun import run_source

from irqlab.cli import main
from irqlab.outcome import problem


def irqlab_run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], str]:
    code = main(["run", *map(str, args)])
    out, err = capsys.readouterr()
    assert "site-packages" not in out + err and "src/irqlab" not in out + err
    assert "Traceback" not in err
    return code, out.splitlines(), err


def program(tmp_path: Path, source: str, name: str = "main.py") -> Path:
    path = tmp_path / name
    path.write_text(source)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "nothing.py", "no such file or folder"),
        (lambda d: d, "has no main.py"),
        (lambda d: _write_bytes(d / "latin.py", "print('café')".encode("latin-1")), "not UTF-8"),
        (lambda d: _write_bytes(d / "prog.mpy", b"M\x06\x00\x1f\x00\x02"), "not a text file"),
    ],
    ids=["missing", "folder-without-main", "not-utf8", "binary"],
)
def test_unusable_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, expected: str
) -> None:
    code, out, err = irqlab_run(capsys, make(tmp_path), "--seconds", "0.1")
    assert code == 2
    assert out == []
    (line,) = err.splitlines()
    assert line.startswith("irqlab: ") and expected in line


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\nif x\n    print(x)\n", "SyntaxError: invalid syntax at main.py line 2"),
        ("x = 1\nraise ValueError('boom')\n", "ValueError: boom at main.py line 2"),
        ("import sys\nsys.exit(3)\n", "the program called sys.exit(3)"),
        (
            # The list never grows: the allocation that fails is always the bytearray's,
            # whatever else (the program's path, say) the heap holds.
            "a = [None] * 400\ni = 0\nwhile True:\n    a[i] = bytearray(1000)\n    i += 1\n",
            "MemoryError: memory allocation failed, allocating 1000 bytes at main.py line 4",
        ),
    ],
    ids=["syntax-error", "raises", "sys-exit", "memory-error"],
)
def test_programs_that_fail_say_how_in_the_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, expected: str
) -> None:
    code, out, _ = irqlab_run(capsys, program(tmp_path, source), "--seconds", "0.5")
    assert code == 1
    assert out[-1].startswith("-- ") and out[-1].endswith(expected)


def test_endless_printing_is_cut_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The UART sends ~11.5 kB a virtual second: 30 s of it is over the output limit.
    source = "while True:\n    print('spam ' * 40, end='')\n"
    code, out, _ = irqlab_run(capsys, program(tmp_path, source), "--seconds", "30")
    assert code == 1
    assert "printed more than" in out[-1]


def test_a_handler_that_never_returns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = """
from machine import Pin
import time
def handler(pin):
    while True:
        pass
Pin(5, Pin.IN).irq(handler)
Pin(4, Pin.OUT).value(1)
while True:
    time.sleep_ms(10)
"""
    # The board's clock stops while it runs (no call, no pending check comes back to it):
    # the host's Ctrl-C stops it, and the KeyboardInterrupt names the line it was at.
    code, out, _ = irqlab_run(capsys, program(tmp_path, source), "--seconds", "2", "--timeout", "1")
    assert code == 1
    assert "the handler for pin5 started at 0.000 s and never returned" in out[-1]
    assert "it was still running at main.py line 6" in out[-1]  # `pass`, in its loop


def test_a_handler_that_polls_forever_ends_with_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Calls into the board do cost time: the scenario ends, the handler is still in.
    source = """
from machine import Pin
import time
def handler(pin):
    while pin.value():
        pass
Pin(5, Pin.IN).irq(handler)
Pin(4, Pin.OUT).value(1)
time.sleep_ms(10)
"""
    code, out, _ = irqlab_run(capsys, program(tmp_path, source), "--seconds", "0.5")
    assert code == 1
    assert "the handler for pin5 started at 0.000 s and never returned" in out[-1]


def test_a_handler_stuck_inside_one_call_hits_the_runner_timeout() -> None:
    # No pending check ever comes: only the real-time limit can stop it.
    r = run_source(
        """
        from machine import Pin
        def handler(pin):
            sum(range(10**15))
        Pin(5, Pin.IN).irq(handler)
        Pin(4, Pin.OUT).value(1)
        for i in range(10):
            pass
        """,
        timeout_s=1.0,
    )
    assert r.stopped == "timeout"
    assert r.extra["interrupted"] == "time limit"
    message = problem(r)
    assert message is not None and "handler for pin5" in message and "never returned" in message


def test_a_loop_that_swallows_everything_still_ends_with_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = """
n = 0
while True:
    try:
        n += 1
    except BaseException:
        pass
"""
    code, out, _ = irqlab_run(capsys, program(tmp_path, source), "--seconds", "0.5")
    assert code == 0
    assert out[-1].startswith("-- 0.500 virtual s") and out[-1].endswith("the scenario ended")


def test_json_output_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = "from machine import Pin\nPin(2, Pin.OUT).value(1)\nprint('hi')\n"
    code = main(["run", str(program(tmp_path, source)), "--seconds", "0.2", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"exit", "stdout", "virtual_s", "trace"} <= set(result)
    assert result["exit"] == 0 and result["stdout"] == "hi\n"
    assert isinstance(result["virtual_s"], float)
    assert all(isinstance(e["t_us"], int) and isinstance(e["kind"], str) for e in result["trace"])
    kinds = [e["kind"] for e in result["trace"]]
    assert kinds == ["write", "print", "end"]
    assert result["trace"][0] == {
        "t_us": result["trace"][0]["t_us"],
        "kind": "write",
        "pin": 2,
        "level": 1,
        "file": "main.py",  # where the program did it
        "line": 2,
    }


def test_the_program_cannot_read_the_runs_config_to_forge_trace_lines() -> None:
    # The nonce that marks trace lines reaches the harness on stdin, drained before
    # the program starts; argv is empty, as on a board.
    from programs.simrun import run_source

    r = run_source(
        """
        import sys
        print("argv", sys.argv)
        print("stdin", repr(sys.stdin.read()))
        """
    )
    assert [ln.text for ln in r.trace.lines()] == ["argv []", "stdin ''"]


def test_run_n_plays_the_labs_world_with_the_same_options_as_run_file(
    fakecourse: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from irqlab.commands import run as command

    calls: list[dict[str, object]] = []

    def recorded(program: object, scenario: object, **options: object) -> object:
        calls.append(options)
        return real(program, scenario, **options)

    real = command.run
    monkeypatch.setattr(command, "run", recorded)
    # The fake lab's DEMO is one second long: --seconds and --seed change it, as for a FILE.
    code = main(["run", "1", "--seconds", "0.4", "--seed", "3", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["virtual_s"] == 0.4 and result["problem"] is None
    assert main(["run", "1", "--strict-isr", "--timeout", "30"]) == 0
    assert calls[-1] == {"board": "esp32", "strict_isr": True, "timeout_s": 30.0}
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Lab 1, A fake lab: labs/01-fake/main.py"
    assert "The whole run:" in out and out[-1] == "Next: `irqlab check 1` checks it, task by task."
