"""Run a MicroPython program on the simulated board and see what it printed and when. FILE is
a program, wired as the lab kit (GPIO4 jumpered to GPIO5, an LED on GPIO2); or a lab number,
for your program for that lab in the lab's world, with waveforms of what happened. Sleeping
costs no real time: ten virtual seconds take well under one."""

from __future__ import annotations

import argparse
import dataclasses
import json

from irqlab import labrun
from irqlab.breakdown import breakdown
from irqlab.commands._course_arg import add_course_option, course_from
from irqlab.course import Lab
from irqlab.labmodule import demo_scenario
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
        metavar="S",
        help="virtual seconds to run (default 10, or as long as the lab's world lasts)",
    )
    p.add_argument("--board", choices=sorted(PROFILES), default="esp32")
    p.add_argument(
        "--seed", type=int, metavar="N", help="seed for the world's randomness (default 0)"
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
    add_course_option(p)


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 3600 seconds")
    return value


def main(args: argparse.Namespace) -> int:
    lab = course_from(args).lab(args.file) if labrun.is_lab_number(args.file) else None
    program = lab.starter if lab else args.file
    scenario = _scenario(lab, args)
    result = run(
        program, scenario, board=args.board, strict_isr=args.strict_isr, timeout_s=args.timeout
    )
    trouble = breakdown(result)
    if args.json:
        print(json.dumps({**result.to_json(), "problem": trouble and trouble.sentence}))
    else:
        show(result, lab)
    return 0 if trouble is None else 1


def _scenario(lab: Lab | None, args: argparse.Namespace) -> Scenario:
    """The lab's world (its DEMO scenario), or the lab kit's; with --seconds and --seed."""
    scenario = demo_scenario(lab) if lab else Scenario(seconds=10.0, seed=0)
    if args.seconds is not None:
        scenario = dataclasses.replace(scenario, seconds=args.seconds)
    if args.seed is not None:
        scenario = dataclasses.replace(scenario, seed=args.seed)
    return scenario


def show(result: Run, lab: Lab | None = None) -> None:
    """The printed lines with their times and how the run ended; for a lab, its waveforms."""
    if lab:
        print(labrun.heading(lab))
    for e in result.trace.of("print", "out"):
        for line in e["text"].splitlines():
            print(f"[{e['t_us'] / 1e6:9.6f} s] {line}")
    trouble = breakdown(result)
    how = {"scenario": "the scenario ended", "exit": "the program ended"}.get(
        result.stopped, "stopped"
    )
    print(
        f"-- {result.virtual_s:.3f} virtual s in {result.wall_s:.2f} s on a simulated "
        f"{result.board.upper()}: {trouble.sentence if trouble else how}"
    )
    if lab:
        print(f"\n{labrun.waveforms(result)}\n\n{labrun.next_step(lab)}")
