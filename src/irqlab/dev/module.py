"""A lab's checks module, read without running it: every check a sentence with a task, each
after the check that the program runs, a DEMO scenario, and the figures of the page."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from irqlab.checks.failure import required
from irqlab.course import Lab
from irqlab.dev.problems import Finder, Problem
from irqlab.errors import IrqlabError
from irqlab.labmodule import load_checks
from irqlab.scenario import Scenario

RUNS_CHECK = "test_runs"  # every lab's first check: "the program runs without an error"


def checks_of(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """The module's checks by name, in the order it defines them."""
    return {n: f for n, f in vars(module).items() if n.startswith("test_") and callable(f)}


def task_of(check: Callable[..., Any]) -> int | None:
    """The task a check's @pytest.mark.task(N) gives it, or None."""
    for mark in getattr(check, "pytestmark", []):
        if mark.name == "task":
            return int(mark.args[0] if mark.args else mark.kwargs.get("taskno", 0))
    return None


def figure_names(module: ModuleType) -> list[str]:
    """The names of the figures the lab's page must show (its FIGURES)."""
    figures = getattr(module, "FIGURES", None)
    return list(figures) if isinstance(figures, dict) else []


def load(lab: Lab) -> tuple[ModuleType | None, list[Problem]]:
    """The lab's checks module, or the problem that it could not be imported."""
    found = Finder(lab, lab.root)
    if not lab.checks.is_file():
        return None, found.found  # irqlab.dev.files names it missing
    try:
        return load_checks(lab), found.found
    except IrqlabError as e:
        found.add(lab.checks, e.problem, e.fix)
        return None, found.found


def module_problems(lab: Lab, module: ModuleType) -> list[Problem]:
    found = Finder(lab, lab.root)
    checks = checks_of(module)
    if RUNS_CHECK not in checks:
        found.add(
            lab.checks,
            f"it has no {RUNS_CHECK}",
            'add a first check """the program runs without an error""" the others require',
        )
    tasks = set(range(1, len(lab.tasks) + 1))
    for name, check in checks.items():
        _check(found, lab, name, check, tasks)
    for task in sorted(tasks - {task_of(c) for c in checks.values()}):
        found.add(lab.checks, f"no check judges task {task}", f"mark one @pytest.mark.task({task})")
    if not isinstance(getattr(module, "DEMO", None), Scenario):
        found.add(
            lab.checks,
            "it has no DEMO scenario",
            f"add DEMO = <a scenario>: `irqlab run {lab.number}` plays it",
        )
    if not isinstance(getattr(module, "FIGURES", None), dict):
        found.add(
            lab.checks,
            "it has no FIGURES",
            "add FIGURES = {name: recipe} for the page (irqlab.pagefigures)",
        )
    return found.found


def _check(found: Finder, lab: Lab, name: str, check: Callable[..., Any], tasks: set[int]) -> None:
    if not inspect.getdoc(check):
        found.add(lab.checks, f"{name} has no docstring", "write the sentence the student reads")
    if task_of(check) not in tasks:
        found.add(
            lab.checks,
            f"{name} belongs to no task of the lab",
            f"mark it @pytest.mark.task(N), N from 1 to {len(tasks)}",
        )
    if name != RUNS_CHECK and not required(check):
        found.add(
            lab.checks,
            f"{name} does not wait for the program to run",
            f"add @requires({RUNS_CHECK}) (or a check that requires it)",
        )
