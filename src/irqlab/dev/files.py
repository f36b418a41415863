"""A lab's files: every part there, five or more known-bad variants each naming the check
that catches it, and no file in the course's folders that belongs to no lab."""

from __future__ import annotations

import re
from pathlib import Path

from irqlab.course import Course, Lab
from irqlab.dev.problems import Finder, Problem

MIN_BAD = 5
FAILS = re.compile(r"#\s*fails:\s*(test_\w+(?:\[[^\]]*\])?)\s*$")
PASSES = re.compile(r"#\s*passes:\s*(test_\w+(?:\s*,\s*test_\w+)*)\s*$")
IGNORED = {"__pycache__", ".DS_Store"}


def parts_problems(lab: Lab) -> list[Problem]:
    found = Finder(lab, lab.root)
    parts = {
        "starter": lab.starter,
        "solution": lab.solution,
        "checks module": lab.checks,
        "page": lab.page,
        "notebook": lab.notebook,
    }
    for what, path in parts.items():
        if not path.is_file():
            found.add(path, f"the lab's {what} is missing", "write it (irqlab dev new makes one)")
    bad = variants(lab.bad)
    if len(bad) < MIN_BAD:
        found.add(
            lab.bad,
            f"{len(bad)} known-bad variants; a lab needs {MIN_BAD} or more",
            "add <bug>.py files: the starter filled in wrong, first line `# fails: test_…`",
        )
    return found.found


def variants(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.py")) if folder.is_dir() else []


def aimed_check(path: Path) -> str | None:
    """The check a known-bad variant names on its first line (`# fails: test_…`)."""
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    m = FAILS.match(first[0]) if first else None
    return m.group(1) if m else None


def kept_checks(path: Path) -> list[str]:
    """The checks a known-bad variant must still pass, named in its opening comment
    (`# passes: test_a, test_b`): a bug of one task that another task's scenario must not
    trip."""
    names: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = PASSES.match(line)
        names += [n.strip() for n in m.group(1).split(",")] if m else []
    return names


def variant_problems(lab: Lab, checks: set[str]) -> list[Problem]:
    """Each known-bad variant names, on its first line, a check its lab has."""
    found = Finder(lab, lab.root)
    for path in variants(lab.bad):
        aimed = aimed_check(path)
        if aimed is None:
            found.add(path, "its first line names no check", "make it `# fails: test_<the check>`")
        elif aimed.split("[")[0] not in checks:
            found.add(
                path,
                f"it names {aimed}, which {lab.checks.name} does not have",
                f"name one of {', '.join(sorted(checks))}",
            )
        for kept in kept_checks(path):
            if kept not in checks:
                found.add(
                    path,
                    f"its `# passes:` names {kept}, which {lab.checks.name} does not have",
                    f"name one of {', '.join(sorted(checks))}",
                )
    return found.found


def stray_problems(course: Course) -> list[Problem]:
    """Files in the course's folders that belong to no lab."""
    found = Finder(None, course.root)
    root, slugs = course.root, {lab.slug for lab in course.labs}
    for top in ("labs", "solutions", "tests/bad", "tests/good"):
        keep = {"main.py"} if top in ("labs", "solutions") else None
        for d in _entries(root / top):
            if d.name not in slugs:
                found.add(d, "no lab has this slug", "rename it after its lab, or delete it")
                continue
            for f in _entries(d):
                if (keep and f.name not in keep) or (not keep and f.suffix != ".py"):
                    found.add(f, "it belongs to no lab's part", "move it or delete it")
    allowed = {
        "checks": {lab.checks.name for lab in course.labs},
        "docs/labs": {lab.page.name for lab in course.labs} | {"index.md"},
        "docs/notebooks": {lab.notebook.name for lab in course.labs} | {"index.md"},
    }
    for top, names in allowed.items():
        for f in _entries(root / top):
            if f.name not in names:
                found.add(f, "it belongs to no lab in course.toml", "move it or delete it")
    return found.found


def _entries(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name not in IGNORED)
