"""Run a MicroPython program on the simulated board, wired as the lab kit: GPIO4 jumpered to
GPIO5, an LED on GPIO2. Sleeping costs no real time: ten virtual seconds take well under one."""

from __future__ import annotations

import argparse
import json

from irqlab import labrun
from irqlab.outcome import problem
from irqlab.profiles import PROFILES
from irqlab.runner import Run, run
from irqlab.scenario import Scenario

HELP = "run a program on the simulated board and show its output"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        metavar="FILE",
        help="a .py file, a folder with main.py, or a lab number: your program for that lab, "
        "in the lab's world",
    )
    p.add_argument(
        "--seconds",
        type=_seconds,
        default=10.0,
        metavar="S",
        help="virtual seconds to run (default 10)",
    )
    p.add_argument("--board", choices=sorted(PROFILES), default="esp32")
    p.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed for the world's randomness"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="real seconds before a program stuck inside one step is stopped",
    )
    p.add_argument(
        "--strict-isr",
        action="store_true",
        help="run handlers with the heap locked: the first allocation in one stops it, at its line",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object: exit, stdout, trace")


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 3600 seconds")
    return value


def main(args: argparse.Namespace) -> int:
    if labrun.is_lab_number(args.file):
        return labrun.main(args)
    scenario = Scenario(seconds=args.seconds, seed=args.seed)
    result = run(
        args.file, scenario, board=args.board, strict_isr=args.strict_isr, timeout_s=args.timeout
    )
    if args.json:
        print(json.dumps({**result.to_json(), "problem": problem(result)}))
    else:
        show(result)
    return 0 if problem(result) is None else 1


def show(result: Run) -> None:
    for e in result.trace.of("print", "out"):
        for line in e["text"].splitlines():
            print(f"[{e['t_us'] / 1e6:9.6f} s] {line}")
    trouble = problem(result)
    how = {"scenario": "the scenario ended", "exit": "the program ended"}.get(
        result.stopped, "stopped"
    )
    print(
        f"-- {result.virtual_s:.3f} virtual s in {result.wall_s:.2f} s on a simulated "
        f"{result.board.upper()}: {trouble or how}"
    )
