"""The result of checking one submission against one lab: plain data with one JSON shape.

    {"lab": "01-polling", "target": "sim:esp32", "status": "pass"|"fail"|"error",
     "score": 3, "max_score": 4,
     "tasks": [{"task": 1, "status": "pass"|"fail"|"blocked"|"error"}, ...],
     "checks": [{"id": "test_runs", "task": 1, "status": "pass"|"fail"|"skip"|"error",
                 "message": "...", "hint": "..."|null, "diagram": "path.svg"|null,
                 "title": "...", "expected": "..."|null, "seen": "..."|null,
                 "at_us": int|null, "waveform": "..."|null, "blocked": bool,
                 "reference": "solutions/NN-slug/main.py"|null}]}

`score` counts the checks that passed; `max_score` every check except those skipped for a
reason of their own (a board that lacks a feature); `blocked` marks a check skipped because
one it requires did not pass. A task is "blocked" when none of its own checks failed but some
wait for a check of another task that did: a bug fails the task it breaks, and only that one.
"error" means irqlab or the check broke, never the student.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("pass", "fail", "skip", "error")
MAX_VALUE = 200  # characters of an expected/seen value kept
MAX_MESSAGE = 500  # characters of a message kept (as Exercism's runner does)


def cut(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class CheckResult:
    id: str
    task: int
    status: str
    title: str  # the check's docstring: the sentence the student reads
    message: str = ""  # why it failed or was skipped (empty when it passed)
    hint: str | None = None
    diagram: str | None = None  # path of the SVG timing diagram
    expected: str | None = None
    seen: str | None = None
    at_us: int | None = None
    waveform: str | None = None  # the diagram as text, for a terminal
    blocked: bool = False  # skipped because a check it requires did not pass
    reference: str | None = None  # the program the diagram's "solution:" lanes show

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TaskResult:
    task: int
    status: str

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "status": self.status}


@dataclass
class LabResult:
    lab: str
    target: str
    checks: list[CheckResult] = field(default_factory=list)
    setup_error: str | None = None  # the checks could not even be collected

    @property
    def status(self) -> str:
        statuses = {c.status for c in self.checks}
        if self.setup_error or "error" in statuses or not self.checks:
            return "error"
        if "fail" in statuses or any(c.blocked for c in self.checks):
            return "fail"
        return "pass"

    @property
    def score(self) -> int:
        return sum(c.status == "pass" for c in self.checks)

    @property
    def max_score(self) -> int:
        return sum(c.status != "skip" or c.blocked for c in self.checks)

    @property
    def tasks(self) -> list[TaskResult]:
        by_task: dict[int, list[CheckResult]] = {}
        for c in self.checks:
            by_task.setdefault(c.task, []).append(c)
        return [TaskResult(t, _task_status(cs)) for t, cs in sorted(by_task.items())]

    def first_unfinished_task(self) -> int | None:
        return next((t.task for t in self.tasks if t.status != "pass"), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "lab": self.lab,
            "target": self.target,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "tasks": [t.to_json() for t in self.tasks],
            "checks": [c.to_json() for c in self.checks],
        }
        if self.setup_error:
            data["error"] = self.setup_error
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabResult:
        checks = []
        for c in data.get("checks", []):
            fields = {k: c[k] for k in CheckResult.__dataclass_fields__ if k in c}
            checks.append(CheckResult(**fields))
        return cls(data["lab"], data["target"], checks, data.get("error"))


def _task_status(checks: list[CheckResult]) -> str:
    statuses = {c.status for c in checks}
    if "error" in statuses:
        return "error"
    if "fail" in statuses:
        return "fail"
    if any(c.blocked for c in checks):  # nothing of its own failed: it waits on another task
        return "blocked"
    return "pass"
