"""A problem `irqlab dev check` found: which lab, which file, what is wrong and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from irqlab.course import Lab

COURSE = "course"  # the `lab` of a problem with the course as a whole


@dataclass(frozen=True)
class Problem:
    lab: str  # the lab's slug, or COURSE
    file: str  # relative to the course's folder
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.lab}: {self.file}: {self.what} ({self.fix})"


class Finder:
    """Collects one lab's problems, each with its file relative to the course."""

    def __init__(self, lab: Lab | None, root: Path) -> None:
        self.lab = lab
        self.root = root
        self.found: list[Problem] = []

    def add(self, path: Path | str, what: str, fix: str) -> None:
        file = str(Path(path).relative_to(self.root)) if Path(path).is_absolute() else str(path)
        self.found.append(Problem(self.lab.slug if self.lab else COURSE, file, what, fix))
