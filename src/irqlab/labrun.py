"""`irqlab run N`: run your program for lab N in that lab's world, to play with it before
checking it.

The world and what happens in it are the lab's DEMO scenario (in checks/test_NN_slug.py);
the output is the program's printed lines with their times, then a waveform of the whole
run and a close-up of the first thing that happened on the input.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
from pathlib import Path

from irqlab.course import Lab, find_course
from irqlab.diagram import render_text
from irqlab.errors import IrqlabError
from irqlab.outcome import problem
from irqlab.runner import Run, run
from irqlab.scenario import Scenario

DEFAULT_SECONDS = 10.0  # `irqlab run`'s own defaults: a different value means "change it"
DEFAULT_SEED = 0
CLOSE_UP_BEFORE_US = 20_000
CLOSE_UP_AFTER_US = 180_000


def is_lab_number(text: str) -> bool:
    """True when FILE names a lab (`irqlab run 2`) rather than a file."""
    return text.isdigit() and not Path(text).exists()


def demo_scenario(lab: Lab) -> Scenario:
    """The lab's DEMO scenario, from its checks module."""
    if not lab.checks.is_file():
        raise IrqlabError(f"lab {lab.number} has no checks yet ({lab.checks})", "try another lab")
    spec = importlib.util.spec_from_file_location(f"_irqlab_demo_{lab.module_name}", lab.checks)
    if spec is None or spec.loader is None:
        raise IrqlabError(f"can't load {lab.checks}", "check that it is a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scenario = getattr(module, "DEMO", None)
    if not isinstance(scenario, Scenario):
        raise IrqlabError(
            f"{lab.checks.name} defines no DEMO scenario",
            "add DEMO = Scenario(...) to it, or run a FILE instead",
        )
    return scenario


def main(args: argparse.Namespace) -> int:
    """Run the student's program for lab `args.file` and show what happened."""
    lab = find_course().lab(args.file)
    scenario = demo_scenario(lab)
    if args.seconds != DEFAULT_SECONDS:
        scenario = dataclasses.replace(scenario, seconds=args.seconds)
    if args.seed != DEFAULT_SEED:
        scenario = dataclasses.replace(scenario, seed=args.seed)
    result = run(lab.starter, scenario, board=args.board)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(f"Lab {lab.number}, {lab.title}: {_shown(lab.starter)}")
        print(f"World: {lab.world}")
        print()
        from irqlab.commands.run import show  # the same listing as `irqlab run FILE`

        show(result)
        print()
        print(waveforms(result))
        print()
        print(f"Next: `irqlab check {lab.number}` checks it, task by task.")
    return 0 if problem(result) is None else 1


def waveforms(result: Run) -> str:
    """The whole run, then a close-up of the first press (or approach, or glitch)."""
    args = {
        "pins": sorted(result.compiled.idle) or [5],
        "outputs": sorted({e["pin"] for e in result.trace.of("write")}),
        "idle": result.compiled.idle,
        "episodes": result.compiled.episodes,
    }
    end = max(1, min(result.trace.end_us, result.scenario.duration_us) or 1)
    parts = ["The whole run:\n" + render_text(result.trace, start_us=0, end_us=end, **args)]
    if result.compiled.episodes:
        first = result.compiled.episodes[0]
        start = max(0, first.start_us - CLOSE_UP_BEFORE_US)
        stop = min(end, first.start_us + CLOSE_UP_AFTER_US)
        if stop > start:
            close = render_text(result.trace, start_us=start, end_us=stop, **args)
            parts.append(f"The first {first.kind}, close up:\n{close}")
    return "\n\n".join(parts)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
