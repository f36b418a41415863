"""The course index (course.toml): the ordered labs, their tasks and hints, and where files live.

    [[lab]]
    number = 1
    slug = "01-polling"
    title = "Polling with sleep"
    summary = "..."
    world = "a button on GPIO5"
    tasks = ["print PRESS on each press", "..."]
    [lab.hints]
    "1" = ["first hint", "second hint"]

`find_course()` walks up from the current folder to the one holding course.toml; the
IRQLAB_COURSE environment variable names that folder directly.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irqlab.errors import IrqlabError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

INDEX = "course.toml"


@dataclass(frozen=True)
class Lab:
    number: int
    slug: str
    title: str
    root: Path
    summary: str = ""
    world: str = ""
    tasks: tuple[str, ...] = ()
    hints: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def module_name(self) -> str:
        return "test_" + self.slug.replace("-", "_")

    @property
    def starter(self) -> Path:
        return self.root / "labs" / self.slug / "main.py"

    @property
    def solution(self) -> Path:
        return self.root / "solutions" / self.slug / "main.py"

    @property
    def checks(self) -> Path:
        return self.root / "checks" / f"{self.module_name}.py"

    @property
    def page(self) -> Path:
        return self.root / "docs" / "labs" / f"{self.slug}.md"

    @property
    def notebook(self) -> Path:
        return self.root / "docs" / "notebooks" / f"{self.slug}.ipynb"

    @property
    def bad(self) -> Path:
        """The folder of known-bad variants: each fails the check its first line names."""
        return self.root / "tests" / "bad" / self.slug

    @property
    def good(self) -> Path:
        """The folder of other correct solutions: each passes every check."""
        return self.root / "tests" / "good" / self.slug

    def program(self, name: str) -> Path:
        """ "starter", "solution", "bad/NAME" or "good/NAME": one of the lab's programs."""
        if name in ("starter", "solution"):
            return self.starter if name == "starter" else self.solution
        kind, _, stem = name.partition("/")
        if kind not in ("bad", "good") or not stem:
            raise ValueError(f"no program {name!r}: starter, solution, bad/NAME or good/NAME")
        return (self.bad if kind == "bad" else self.good) / f"{stem}.py"

    def task_title(self, task: int) -> str:
        return self.tasks[task - 1] if 0 < task <= len(self.tasks) else ""

    def hint(self, task: int, index: int = 0) -> str | None:
        hints = self.hints.get(task, ())
        return hints[index] if 0 <= index < len(hints) else None


@dataclass(frozen=True)
class Course:
    root: Path
    labs: tuple[Lab, ...]

    def lab(self, ref: str | int) -> Lab:
        """The lab named by number ("2", "02"), slug ("02-irq-flag") or slug tail ("irq-flag")."""
        text = str(ref).strip()
        for lab in self.labs:
            if text.isdigit() and int(text) == lab.number:
                return lab
            if text in (lab.slug, lab.slug.split("-", 1)[-1], lab.module_name):
                return lab
        numbers = ", ".join(str(lab.number) for lab in self.labs) or "none"
        raise IrqlabError(f"there is no lab {text!r}", f"the labs are {numbers}; see `irqlab list`")

    def after(self, lab: Lab) -> Lab | None:
        """The lab that comes next, if any."""
        return next((other for other in self.labs if other.number > lab.number), None)

    def lab_for_checks(self, path: Path) -> Lab | None:
        """The lab a checks module belongs to, from its file name (test_NN_slug.py)."""
        return next((lab for lab in self.labs if lab.module_name == path.stem), None)


def find_course(start: Path | str | None = None) -> Course:
    """The course around `start` (default: the current folder), or IRQLAB_COURSE if set."""
    env = os.environ.get("IRQLAB_COURSE")
    if env:
        root = Path(env)
        if not (root / INDEX).is_file():
            raise IrqlabError(
                f"IRQLAB_COURSE={env} has no {INDEX}", "point it at the course folder, or unset it"
            )
        return load_course(root)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / INDEX).is_file():
            return load_course(folder)
    raise IrqlabError(
        f"no {INDEX} in {here} or any folder above it",
        "run irqlab inside the course folder, or pass --course DIR",
    )


def load_course(root: Path | str) -> Course:
    root = Path(root).resolve()
    path = root / INDEX
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise IrqlabError(f"can't read {path}: {e.strerror}", "check the course folder") from None
    except tomllib.TOMLDecodeError as e:
        raise IrqlabError(f"{path} is not valid TOML: {e}", "fix the line it names") from None
    labs = tuple(_lab(entry, root, path) for entry in data.get("lab", []))
    return Course(root, tuple(sorted(labs, key=lambda lab: lab.number)))


def _lab(entry: dict[str, Any], root: Path, path: Path) -> Lab:
    missing = [k for k in ("number", "slug", "title") if k not in entry]
    if missing:
        where = entry.get("slug", f"lab #{entry.get('number', '?')}")
        raise IrqlabError(f"{path}: {where} has no {', '.join(missing)}", "add it to the [[lab]]")
    hints = {int(k): tuple(v) for k, v in entry.get("hints", {}).items()}
    return Lab(
        number=int(entry["number"]),
        slug=str(entry["slug"]),
        title=str(entry["title"]),
        root=root,
        summary=str(entry.get("summary", "")),
        world=str(entry.get("world", "")),
        tasks=tuple(entry.get("tasks", ())),
        hints=hints,
    )
