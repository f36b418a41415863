"""The starter and its solution: a `TODO (task N)` gap for every task, and a solution that
differs from the starter only by filling them, each fill with a comment."""

from __future__ import annotations

import difflib
import re

from irqlab.dev.placeholders import MARK

TODO = re.compile(r"TODO \(task (\d+)\)")
ANY_TODO = re.compile(r"\bTODO\b")


def starter_problems(lines: list[str], tasks: int) -> list[tuple[int, str, str]]:
    """(line, what, fix) for each TODO that is no task's, and each task without a gap."""
    found = []
    for n, line in enumerate(lines, 1):
        m = TODO.search(line)
        if ANY_TODO.search(line) and MARK not in line and not (m and 1 <= int(m[1]) <= tasks):
            found.append(
                (n, "a TODO names no task", f"write it `TODO (task N)`, N from 1 to {tasks}")
            )
    gaps = {int(m[1]) for line in lines for m in TODO.finditer(line)}
    for task in sorted(set(range(1, tasks + 1)) - gaps):
        found.append(
            (0, f"no gap for task {task}", f"mark where its work goes: `TODO (task {task})`")
        )
    return found


def gap_problems(starter: list[str], solution: list[str]) -> list[tuple[str, str]]:
    """(what, fix) wherever the solution differs from the starter other than by filling a gap.

    A gap is a `TODO (task N)` line and the starter's lines after it: each changed stretch
    must start at a TODO line (nothing is inserted or changed elsewhere) and carry a comment.
    """
    found = []
    matcher = difflib.SequenceMatcher(a=starter, b=solution, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            found += [
                (
                    f"starter line {i1 + k + 1} (`{line.strip()}`) is left as it was",
                    "fill the gap and drop the TODO",
                )
                for k, line in enumerate(starter[i1:i2])
                if TODO.search(line)
            ]
            continue
        lines = f"solution lines {j1 + 1}-{max(j1 + 1, j2)}"
        if i1 == i2 or not TODO.search(starter[i1]):
            where = f"starter line {i1 + 1}" if i1 < len(starter) else "the starter's end"
            found.append(
                (
                    f"{lines} differ from {where}, which is no TODO gap",
                    "make them the same, or mark a `# TODO (task N)` there in the starter",
                )
            )
        elif not any("#" in line for line in solution[j1:j2]):
            found.append(
                (
                    f"{lines} fill the gap at starter line {i1 + 1} without a comment",
                    "say in one line why the fill works",
                )
            )
    found += [
        (f"solution line {n} still has a TODO", "fill it")
        for n, line in enumerate(solution, 1)
        if ANY_TODO.search(line) and MARK not in line  # a mark is named as a placeholder
    ]
    return found
