"""The figures of one site build: the concept pages' experiments (irqlab.site.figures) and
the lab pages' runs of the labs' own programs (irqlab.site.lab_figures), each made once."""

from __future__ import annotations

from pathlib import Path

from irqlab.course import load_course
from irqlab.site.figures import FIGURES, Figure
from irqlab.site.lab_figures import LAB_FIGURES
from irqlab.site.lab_runs import LabRuns


def known() -> list[str]:
    return [*FIGURES, *LAB_FIGURES]


class FigureCache:
    """Makes each figure at most once per site build, and each lab run at most once too."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[str, Figure] = {}
        self._runs: LabRuns | None = None

    def get(self, name: str) -> Figure:
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def _make(self, name: str) -> Figure:
        if name in FIGURES:
            return FIGURES[name]()
        if name in LAB_FIGURES:
            if self._runs is None:  # the course is read only when a lab page asks
                self._runs = LabRuns(load_course(self.root))
            return LAB_FIGURES[name](self._runs)
        raise KeyError(f"no figure named {name!r} (the figures are: {', '.join(known())})")
