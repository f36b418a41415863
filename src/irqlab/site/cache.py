"""The figures of one site build: the concept pages' experiments (irqlab.site.figures) and
each lab's page figures (the FIGURES of its checks module), each made once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from irqlab.course import Lab, load_course
from irqlab.labmodule import page_figures
from irqlab.pagefigures import Figure, FigureError, LabRuns
from irqlab.site.figures import FIGURES


def lab_figures(labs: tuple[Lab, ...]) -> dict[str, tuple[Lab, Callable[..., Any]]]:
    """Every lab's page figures by name: (its lab, its recipe)."""
    found: dict[str, tuple[Lab, Callable[..., Any]]] = {}
    for lab in labs:
        for name, recipe in page_figures(lab).items():
            if name in found or name in FIGURES:
                raise FigureError(f"two figures are named {name!r}: rename the one of {lab.slug}")
            found[name] = (lab, recipe)
    return found


class FigureCache:
    """Makes each figure at most once per site build, and each lab's run at most once too."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[str, Figure] = {}
        self._labs: dict[str, tuple[Lab, Callable[..., Any]]] | None = None
        self._runs: dict[str, LabRuns] = {}

    def labs(self) -> dict[str, tuple[Lab, Callable[..., Any]]]:
        if self._labs is None:  # the course is read only when a page asks
            self._labs = lab_figures(load_course(self.root).labs)
        return self._labs

    def known(self) -> list[str]:
        return [*FIGURES, *self.labs()]

    def get(self, name: str) -> Figure:
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def _make(self, name: str) -> Figure:
        if name in FIGURES:
            return FIGURES[name]()
        if name not in self.labs():
            raise KeyError(f"no figure named {name!r} (the figures are: {', '.join(self.known())})")
        lab, recipe = self.labs()[name]
        runs = self._runs.setdefault(lab.slug, LabRuns(lab))
        figure = recipe(runs)
        if not isinstance(figure, Figure) or figure.name != name:
            raise FigureError(f"the recipe of {name!r} in {lab.checks.name} made no Figure {name}")
        return figure
