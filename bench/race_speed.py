"""How long `irqlab race` takes on a program with about 150 pending checks.

    python bench/race_speed.py [--passes N] [--workers W]

The program is the racy counter of lab 5's shape: a loop whose every pass has two pending
checks (the `if` and the loop's own jump), so 75 passes give about 150. The goal: under 20 s
on a 2-core machine. Prints the placements tried and collapsed, the places found, the race
and the real time; then what one run of the program costs on this machine right now, in the
same pool, so that a figure taken on a busy machine can be read for what it is.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from irqlab.race import explore
from irqlab.runner import run
from irqlab.scenario import Scenario

PROGRAM = """\
from machine import Pin

count = 0
presses = 0


def on_edge(pin):
    global count, presses
    count += 1
    presses += 1


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
total = 0
for i in range({passes}):
    n = count
    if n:
        total += n
    count = 0
assert total + count == presses, "a press was lost"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=75)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="irqlab-bench-") as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(PROGRAM.format(passes=args.passes), encoding="utf-8")
        started = time.monotonic()
        found = explore(path, workers=args.workers, time_limit_s=None)
        took = time.monotonic() - started
    checks = sum(1 for _ in found.lines())
    print(f"{args.passes} passes, {args.workers} workers: {took:.1f} s")
    print(
        f"  {found.tried} placements tried, {found.collapsed} collapsed, {found.places} places "
        f"after {checks} lines, in {(found.end_ns - found.start_ns) / 1000:.0f} us of board time"
    )
    for race in found.races:
        print(f"  race after line {race.line}: {race.placements} placements fail there")
    per_run = _run_cost(path_text=PROGRAM.format(passes=args.passes), workers=args.workers)
    print(
        f"  one run costs {per_run * 1000:.1f} ms of real time here now ({args.workers} at a "
        f"time): the search took {took / per_run:.0f} run-times for {found.tried} runs"
    )
    return 0 if took < 20 else 1


def _run_cost(path_text: str, workers: int, runs: int = 40) -> float:
    """Real seconds per run of the program, `workers` runs at a time."""
    with tempfile.TemporaryDirectory(prefix="irqlab-bench-") as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(path_text, encoding="utf-8")
        started = time.monotonic()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: run(path, Scenario(seconds=1.0)), range(runs)))
        return (time.monotonic() - started) / runs


if __name__ == "__main__":
    sys.exit(main())
