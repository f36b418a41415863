"""A student's progress, kept in <course>/.irqlab/: the last result of each lab and the hints
already shown. The folder ignores itself in git, as .pytest_cache does.

Only `irqlab check` of the student's own lab file (labs/NN-slug/main.py) records a result
(`is_own_lab_file`); nothing is written while IRQLAB_NO_PROGRESS is set (irqlab's own test
suite sets it, so running the suite in a student's clone leaves their progress alone)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irqlab.results import LabResult

FOLDER = ".irqlab"
STATE_FILE = "progress.json"
OFF = "IRQLAB_NO_PROGRESS"


def is_own_lab_file(program: Path, lab_file: Path) -> bool:
    """Whether `program` is the lab's own file in the course, the one the student edits."""
    try:
        return program.resolve() == lab_file.resolve()
    except OSError:
        return False


def state_folder(course_root: Path) -> Path:
    """<course>/.irqlab, created with a .gitignore that keeps it out of the student's commits."""
    folder = course_root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# irqlab's record of your progress: not part of your work\n*\n")
    return folder


@dataclass
class StudentProgress:
    path: Path
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug -> LabResult JSON
    hints: dict[str, dict[str, int]] = field(default_factory=dict)  # slug -> task -> hints shown

    @classmethod
    def load(cls, course_root: Path) -> StudentProgress:
        path = course_root / FOLDER / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}  # no record yet, or a damaged one: start afresh
        return cls(path, data.get("results", {}), data.get("hints", {}))

    def save(self) -> None:
        if os.environ.get(OFF):
            return
        state_folder(self.path.parent.parent)
        data = {"results": self.results, "hints": self.hints}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False)
        os.replace(tmp, self.path)  # atomic: a killed run never leaves half a file

    def record(self, result: LabResult) -> None:
        self.results[result.lab] = result.to_json()

    def last_result(self, slug: str) -> LabResult | None:
        data = self.results.get(slug)
        return LabResult.from_json(data) if data else None

    def hints_shown(self, slug: str, task: int) -> int:
        return self.hints.get(slug, {}).get(str(task), 0)

    def note_hint(self, slug: str, task: int, count: int) -> None:
        self.hints.setdefault(slug, {})[str(task)] = count

    def status(self, slug: str) -> str:
        """not started | failing (k/n) | passed | error, from the lab's last check."""
        result = self.last_result(slug)
        if result is None:
            return "not started"
        if result.status == "pass":
            return "passed"
        if result.status == "error":
            return "could not be checked"
        return f"failing ({result.score}/{result.max_score})"
