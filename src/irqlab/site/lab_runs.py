"""Runs behind the lab pages' figures: each lab's starter, solution and known-bad programs
under the scenarios of the lab's own checks (checks/test_NN_slug.py), made once per build.

The scenarios and the patterns a check matches (PRESS, ALERT) are imported from the checks
module, so a page shows the very runs its checks judge.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

from irqlab.course import Course, Lab
from irqlab.runner import Run, run
from irqlab.scenario import Scenario


class LabRuns:
    """The course's programs run on the simulated ESP32, each (program, scenario) once."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self._checks: dict[str, ModuleType] = {}
        self._runs: dict[tuple[str, str, str], Run] = {}

    def checks(self, slug: str) -> ModuleType:
        """The lab's checks module, imported from its file (it is not a package)."""
        if slug not in self._checks:
            lab = self.course.lab(slug)
            name = f"_irqlab_site_{lab.module_name}"
            spec = importlib.util.spec_from_file_location(name, lab.checks)
            if spec is None or spec.loader is None or not lab.checks.is_file():
                raise KeyError(f"the figures of lab {slug} need {lab.checks}, which is missing")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._checks[slug] = module
        return self._checks[slug]

    def scenario(self, slug: str, name: str) -> Scenario:
        found = getattr(self.checks(slug), name, None)
        if not isinstance(found, Scenario):
            raise KeyError(f"checks of lab {slug} define no scenario {name}")
        return found

    def run(self, slug: str, program: str, scenario: str) -> Run:
        """`program` is "starter", "solution" or the name of a file in tests/bad/<slug>/."""
        key = (slug, program, scenario)
        if key not in self._runs:
            path = program_path(self.course.lab(slug), program)
            if not path.is_file():
                raise KeyError(f"the figures of lab {slug} need {path}, which is missing")
            self._runs[key] = run(path, self.scenario(slug, scenario), board="esp32")
        return self._runs[key]


def program_path(lab: Lab, program: str) -> Path:
    if program == "starter":
        return lab.starter
    if program == "solution":
        return lab.solution
    return lab.root / "tests" / "bad" / lab.slug / f"{program}.py"


# -- what the runs show ---------------------------------------------------------------------


def window(first_us: int, last_us: int, step_us: int) -> tuple[int, int]:
    """[first_us, last_us] widened to whole steps, so the axis starts on a round time."""
    return (first_us // step_us) * step_us, math.ceil(last_us / step_us) * step_us


def edges_between(result: Run, pin: int, start_us: int, end_us: int) -> int:
    return sum(1 for t, _ in result.trace.edges(pin) if start_us <= t <= end_us)


def handler_lags(result: Run, pin: int) -> list[int]:
    """For each rising edge on `pin`, how long until a handler started (us)."""
    starts = [r.start_us for r in result.trace.handler_runs()]
    lags = []
    for t, level in result.trace.edges(pin):
        later = [s for s in starts if s >= t]
        if level == 1 and later:
            lags.append(later[0] - t)
    return lags


def handler_lengths(result: Run) -> list[int]:
    return [r.end_us - r.start_us for r in result.trace.handler_runs() if r.end_us is not None]
