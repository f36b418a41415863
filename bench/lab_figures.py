"""The numbers and waveforms the lab pages quote, measured on the simulated ESP32.

    python bench/lab_figures.py

Run it after changing the simulator's cost model or a lab's scenarios, and update
docs/labs/*.md where a figure moved. Each section names the program and scenario it ran.
"""

from __future__ import annotations

import importlib.util
import statistics
from pathlib import Path
from types import ModuleType

from irqlab.diagram import render_text
from irqlab.labkit import answers, toggles
from irqlab.runner import Run, run
from irqlab.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]


def checks(name: str) -> ModuleType:
    path = ROOT / "checks" / f"test_{name}.py"
    spec = importlib.util.spec_from_file_location(f"_figures_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def delays(result: Run, pattern: str, noun: str = "presses") -> str:
    got = answers(result, result.trace.lines(pattern))
    ms = [a.delay_us / 1000 for a in got if a.delay_us is not None]
    missed = sum(a.delay_us is None for a in got)
    extra = sum(max(0, len(a.lines) - 1) for a in got)
    if not ms:
        return f"{len(got)} {noun}: none answered"
    return (
        f"{len(got)} {noun}: delay {min(ms):.1f} to {max(ms):.1f} ms "
        f"(median {statistics.median(ms):.1f}), {missed} missed, {extra} extra lines"
    )


def wave(program: str, scenario: Scenario, start_s: float, end_s: float, led: bool) -> None:
    result = run(ROOT / program, scenario)
    print(f"\n{program}, {start_s:.3f} to {end_s:.3f} s:")
    print(
        render_text(
            result.trace,
            start_us=round(start_s * 1e6),
            end_us=round(end_s * 1e6),
            pins=[5],
            outputs=[2] if led else [],
            idle=result.compiled.idle,
            episodes=result.compiled.episodes,
        )
    )


def lab1() -> None:
    m = checks("01_polling")
    print("== lab 1")
    for program in ("labs", "tests/bad/01-polling/polls_every_100_ms.py", "solutions"):
        path = f"{program}/01-polling/main.py" if "/" not in program else program
        result = run(ROOT / path, m.PRESSES)
        gaps = [b - a for a, b in zip(toggles(result, 2), toggles(result, 2)[1:], strict=False)]
        span = f"{min(gaps) / 1000:.1f} to {max(gaps) / 1000:.1f} ms" if gaps else "none"
        print(f"{path}: {delays(result, m.PRESS)}; heartbeat intervals {span}")
    for path in ("labs/01-polling/main.py", "tests/bad/01-polling/polls_every_100_ms.py"):
        wave(path, m.PRESSES, 3.8, 4.6, led=True)
    wave("solutions/01-polling/main.py", m.PRESSES, 3.8, 4.6, led=True)


def lab2() -> None:
    m = checks("02_irq_flag")
    print("\n== lab 2")
    for path in (
        "solutions/02-irq-flag/main.py",
        "tests/bad/02-irq-flag/polls_after_slow_job.py",
        "tests/bad/02-irq-flag/flag_not_count.py",
    ):
        result = run(ROOT / path, m.APPROACHES)
        rises = [t for t, level in result.trace.edges(5) if level == 1]
        handlers = result.trace.handler_runs()
        starts = [h.start_us - t for h, t in zip(handlers, rises, strict=False)]
        lengths = [h.duration_us for h in handlers]
        pairs = len(run(ROOT / path, m.PAIRS).trace.lines(m.ALERT))
        print(f"{path}: {delays(result, m.ALERT, 'approaches')}")
        print(f"  edge to handler {starts} us, handler runs {lengths} us; pairs: {pairs} alerts")
    wave("solutions/02-irq-flag/main.py", m.APPROACHES, 0.9, 1.5, led=True)
    wave("tests/bad/02-irq-flag/flag_not_count.py", m.PAIRS, 0.9, 1.5, led=True)
    wave("solutions/02-irq-flag/main.py", m.PAIRS, 0.9, 1.5, led=True)


def lab3() -> None:
    m = checks("03_debounce")
    print("\n== lab 3")
    for path in (
        "labs/03-debounce/main.py",
        "tests/bad/03-debounce/lockout_only.py",
        "solutions/03-debounce/main.py",
    ):
        for name in ("PRESSES", "RELEASES"):
            result = run(ROOT / path, getattr(m, name))
            glitches = answers(result, result.trace.lines(m.PRESS), kinds=("glitch",))
            noisy = sum(bool(g.lines) for g in glitches)
            print(f"{path} {name}: {delays(result, m.PRESS)}; {noisy} glitches printed")
    result = run(ROOT / "solutions/03-debounce/main.py", m.RELEASES)
    for e in result.compiled.episodes:
        edges = result.trace.edges(5)
        closing = sum(e.start_us <= t <= e.settled_us for t, _ in edges)
        opening = sum(e.end_us <= t <= e.released_us for t, _ in edges)
        runs = result.trace.handler_runs()
        ran = sum(e.start_us <= h.start_us <= e.released_us + 5000 for h in runs)
        spread = (e.settled_us - e.start_us) / 1000
        print(
            f"  {e.kind} at {e.start_us / 1e6:.3f} s: {closing} edges in {spread:.2f} ms, "
            f"{opening} on release, {ran} handler runs"
        )
    for path in (
        "labs/03-debounce/main.py",
        "tests/bad/03-debounce/lockout_only.py",
        "solutions/03-debounce/main.py",
    ):
        wave(path, m.RELEASES, 0.85, 1.25, led=False)


if __name__ == "__main__":
    lab1()
    lab2()
    lab3()
