"""`irqlab check N --port <virtual board>` gives the same verdict on every check as the
simulated target, for the starter, the solution and the known-bad variants of every lab:
the whole serial path (mpremote, the harness on a board, the stimulus player, the trace over
the line) changes nothing a check can see. A check of what only the simulator can measure
(irqlab.checks.targets.SIM_ONLY) is skipped on a board, saying so, and left out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from irqlab.checks.targets import SIM_ONLY_SKIP
from irqlab.course import load_course
from irqlab.serial.vboard import Server

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = [
    (lab.number, path.relative_to(ROOT).as_posix())
    for lab in load_course(ROOT).labs
    for path in [lab.starter, lab.solution, *sorted(lab.bad.glob("*.py"))]
]


@pytest.fixture(scope="module")
def esp32():
    with Server("esp32") as server:
        yield server.address


def check(lab: int, program: str, *extra: str) -> dict[str, str]:
    cmd = [sys.executable, "-m", "irqlab", "check", str(lab), program, "--json", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.stdout, r.stderr
    result = json.loads(r.stdout)
    return {c["id"]: (c["status"], c["message"]) for c in result["checks"]}


@pytest.mark.slow
@pytest.mark.parametrize(("lab", "program"), PROGRAMS, ids=[p for _, p in PROGRAMS])
def test_same_verdicts_on_the_virtual_board(esp32, lab, program):
    sim = check(lab, program)
    board = check(lab, program, "--port", esp32)
    # What only the simulated board measures is a skip on a board, saying so.
    measured = {k: s for k, (s, m) in board.items() if not (s == "skip" and SIM_ONLY_SKIP in m)}
    assert measured == {k: sim[k][0] for k in measured}, (sim, board)
    assert set(board) == set(sim), (sim, board)
    assert not any(s == "error" for s, _ in board.values())
