"""How long each lab's checks take, on the starter and on the solution (goal: < 1.5 s a lab).

    python bench/lab_checks.py [--repeat N]

Each figure is the real (wall-clock) time of `irqlab check N` minus printing: the
checks run in this process through pytest, as the command runs them. The best of N
repeats is shown. A lab whose checks module has a LONG_RUN scenario (minutes of board time)
also gets the time of one run of its solution through it (goal: < 15 s).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from irqlab.checking import check_program as check
from irqlab.course import Lab, load_course
from irqlab.labmodule import load_checks
from irqlab.runner import run
from irqlab.scenario import Scenario

GOAL_S = 1.5
LONG_GOAL_S = 15.0
ROOT = Path(__file__).resolve().parents[1]


def timed(lab: Lab, program: Path, repeat: int, diagrams: Path) -> tuple[float, str, int]:
    """(best wall seconds, status, checks passed) over `repeat` runs of the lab's checks."""
    best = float("inf")
    status, passed = "", 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = check(load_course(ROOT), lab, program, diagrams=diagrams)
        best = min(best, time.perf_counter() - started)
        status, passed = result.status, sum(c.status == "pass" for c in result.checks)
    return best, status, passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best shown)")
    args = parser.parse_args()
    course = load_course(ROOT)
    print(f"{'lab':<14} {'program':<9} {'real s':>7} {'status':<7} passed  goal < {GOAL_S} s")
    slow = 0
    with tempfile.TemporaryDirectory() as tmp:
        for lab in course.labs:
            for name, program in (("starter", lab.starter), ("solution", lab.solution)):
                seconds, status, passed = timed(lab, program, args.repeat, Path(tmp))
                verdict = "ok" if seconds < GOAL_S else "SLOW"
                slow += seconds >= GOAL_S
                row = f"{lab.slug:<14} {name:<9} {seconds:>7.2f} {status:<7} {passed:>6}"
                print(f"{row}  {verdict}")
    for lab in course.labs:
        slow += long_run(lab, args.repeat)
    return 1 if slow else 0


def long_run(lab: Lab, repeat: int) -> bool:
    """Time the solution through the lab's LONG_RUN, if it has one; True when too slow."""
    scenario = getattr(load_checks(lab), "LONG_RUN", None)
    if not isinstance(scenario, Scenario):
        return False
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = run(lab.solution, scenario)
        best = min(best, time.perf_counter() - started)
    verdict = "ok" if best < LONG_GOAL_S else "SLOW"
    print(
        f"{lab.slug:<14} solution through {scenario.name!r}: {scenario.seconds:.0f} s of board "
        f"time in {best:.2f} s real ({result.stopped}, {len(result.trace):,} trace events); "
        f"goal < {LONG_GOAL_S:.0f} s  {verdict}"
    )
    return best >= LONG_GOAL_S


if __name__ == "__main__":
    raise SystemExit(main())
