"""Per-student results on disk: each written atomically as soon as it is known, so a
grader killed at any moment leaves only whole results, and a rerun skips them."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

FINAL = ("pass", "fail")  # an "error" is tried again on the next run


IGNORE_ALL = "# irqlab grade's output: students' results, kept out of git\n*\n"


class ResultStore:
    def __init__(self, folder: Path, create: bool = True) -> None:
        self.folder = folder
        if create:
            self.create()

    def create(self) -> None:
        """Make the folder, and its parent (the grader's output) ignored by git."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore_in_git(self.folder.parent)

    def path(self, student: str) -> Path:
        return self.folder / f"{safe_name(student)}.json"

    def load(self, student: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path(student).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("student") == student else None

    def done(self, student: str) -> bool:
        result = self.load(student)
        return result is not None and result.get("status") in FINAL

    def save(self, result: dict[str, Any]) -> None:
        path = self.path(result["student"])
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def clean(self) -> None:
        """Remove half-written files a killed run left behind."""
        for tmp in self.folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def ignore_in_git(folder: Path) -> None:
    """A .gitignore that keeps `folder` out of any repository it lands in (a course's too)."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(IGNORE_ALL, encoding="utf-8")


def safe_name(student: str) -> str:
    """A file name for the student: their entry name, with odd characters replaced."""
    name = re.sub(r"[^\w.@+-]", "_", student).lstrip(".")
    if name != student:  # two odd names must not share a file
        name += "-" + hashlib.sha1(student.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return name
