"""A class that tries to forge its grade through the simulator, graded with and without the OS
sandbox: no hostile program does better than the untouched starter.

On the board as it was, each of these got 4/4 on lab 1: the simulator's modules sat in the
program's reach, with every future edge (`_irqsim._et`), the cost model and the trace writer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from needs import need

from irqlab import cli, sandbox
from irqlab.course import load_course

ROOT = Path(__file__).resolve().parents[1]
LAB = load_course(ROOT).lab(1)  # the hostile programs below are written against it
STARTER = LAB.starter.read_text()

HOSTILE = {
    # Print PRESS at the edges the world will bring, read from the simulator, not the button.
    "future": """
import time
import _irqsim
from machine import Pin
led = Pin(2, Pin.OUT)
for i in range(_irqsim._en):
    if _irqsim._ec[i] == 10:  # GPIO5 going low
        while time.ticks_ms() < _irqsim._et[i] // 1000:
            led.value(time.ticks_ms() // 500 % 2)
        print("PRESS")
""",
    # Make the board's time free, then poll as fast as it likes.
    "free": """
import machine
machine.sim.C_CHECK = 0
machine.sim.C_CALL = 0
"""
    + STARTER,
    # Write the trace itself.
    "forge": """
import _irqsim
for t in range(0, 10_000_000, 500_000):
    _irqsim.tracer.emit_at(t, "print", "PRESS\\n")
""",
    # Wind the board's clock back after each slow step.
    "clock": "_irq_c[0] = 0\n" + STARTER,
    # Find the trace lines' nonce in raw memory.
    "scan": """
import micropython, uctypes
@micropython.viper
def peek(a: int) -> int:
    return ptr8(a)[0]
print(peek(uctypes.addressof(b"x")))
""",
    # Reach the simulator through an argument, which no static check follows.
    "sneaky": """
import micropython
def inside(m):
    return m._sim
sim = inside(micropython)
sim.C_CHECK = 0
"""
    + STARTER,
}


@pytest.mark.parametrize("mode", ["bwrap", "limits"])
def test_no_hostile_program_beats_the_starter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, mode: str
) -> None:
    unsandboxed = []
    if mode == "limits":  # as on a machine where bubblewrap cannot start
        request.getfixturevalue("broken_bwrap")
        unsandboxed = ["--unsandboxed"]
    else:
        need("bubblewrap", sandbox.bwrap_trouble())
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "starter.py").write_text(STARTER)
    for name, text in HOSTILE.items():
        (folder / f"{name}.py").write_text(text)
    out = tmp_path / "out"
    monkeypatch.setenv("IRQLAB_COURSE", str(ROOT))
    args = ["grade", str(folder), "--lab", "1", "--out", str(out), "--jobs", "2", *unsandboxed]
    assert cli.main(args) == 0
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    assert {(r["sandbox"], r["sandboxed"]) for r in results.values()} == {(mode, mode == "bwrap")}
    starter = results["starter"]["score"]
    for name in HOSTILE:
        assert results[name]["status"] == "fail", name
        assert results[name]["score"] <= starter, (name, results[name]["checks"])
