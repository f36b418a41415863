"""A lab's checks module, imported from its file (checks/ is not a package), for what the
engine reads from it besides the checks: the DEMO scenario `irqlab run N` plays, and the
FIGURES its page shows."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from irqlab.course import Lab
from irqlab.errors import IrqlabError
from irqlab.scenario import Scenario

_loaded: dict[tuple[Path, float], ModuleType] = {}


def load_checks(lab: Lab) -> ModuleType:
    """The lab's checks module (imported again only when its file changed)."""
    path = lab.checks
    if not path.is_file():
        raise IrqlabError(f"lab {lab.number} has no checks yet ({path})", "try another lab")
    key = (path, path.stat().st_mtime)
    if key not in _loaded:
        spec = importlib.util.spec_from_file_location(f"_irqlab_{lab.module_name}", path)
        if spec is None or spec.loader is None:
            raise IrqlabError(f"can't load {path}", "check that it is a Python file")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as e:
            raise IrqlabError(
                f"{path.name} could not be imported: {type(e).__name__}: {e}",
                "fix the line it names",
            ) from e
        _loaded[key] = module
    return _loaded[key]


def demo_scenario(lab: Lab) -> Scenario:
    """The lab's DEMO scenario: what `irqlab run N` plays."""
    scenario = getattr(load_checks(lab), "DEMO", None)
    if not isinstance(scenario, Scenario):
        raise IrqlabError(
            f"{lab.checks.name} defines no DEMO scenario",
            "add DEMO = Scenario(...) to it, or run a FILE instead",
        )
    return scenario


def page_figures(lab: Lab) -> dict[str, Callable[..., Any]]:
    """The figures the lab's page shows: FIGURES = {name: recipe(runs) -> Figure}."""
    figures = getattr(load_checks(lab), "FIGURES", {})
    if not isinstance(figures, dict):
        raise IrqlabError(f"{lab.checks.name}: FIGURES is not a dict", "make it {name: recipe}")
    return figures
