"""A program's files, made ready for the simulated board: instrumented, and checked when graded.

The board charges time for every statement the program runs, so the program's .py files are
copied, each statement prefixed with its cost (irqlab.instrument), into the run's own folder,
where MicroPython imports them from. A file CPython cannot parse is copied as it is:
MicroPython then reports its own error with its line. A graded program is first checked for
what could reach the board from inside (irqlab.harden).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from irqlab.harden import find_forbidden
from irqlab.instrument import instrument
from irqlab.program import MAX_SOURCE_BYTES, Program

MAX_MODULES = 64  # .py files beside main.py that are staged; others import uninstrumented
MAX_REASONS = 10  # refusals reported: the first few say enough


@dataclass
class Staged:
    """What was copied where, and what the host found on the way."""

    files: list[str] = field(default_factory=list)  # by file id: 0 is main
    forbidden: list[str] = field(default_factory=list)  # sentences: why it may not run


def _sources(prog: Program) -> list[Path]:
    others = [
        p
        for p in sorted(prog.folder.glob("*.py"))
        if p.name != prog.main and p.is_file() and p.stat().st_size <= MAX_SOURCE_BYTES
    ]
    return [prog.path, *others[:MAX_MODULES]]


def stage(prog: Program, dest: Path, hardened: bool, op_units: int = 1) -> Staged:
    """Copy `prog`'s .py files into `dest`, instrumented (an op costs `op_units` of work);
    graded: refuse what `harden` finds, and any file Python 3 cannot read (its costs, and what
    it does, could not be checked)."""
    staged = Staged()
    for file_id, path in enumerate(_sources(prog)):
        source = path.read_text(encoding="utf-8", errors="replace")
        measured = instrument(source, file_id, op_units)
        if measured is None and hardened:
            staged.forbidden.append(_unreadable(path.name, source))
        elif hardened:
            staged.forbidden += [f.sentence(path.name) for f in find_forbidden(source)]
        (dest / path.name).write_text(measured if measured is not None else source)
        staged.files.append(path.name)
    del staged.forbidden[MAX_REASONS:]
    return staged


def _unreadable(name: str, source: str) -> str:
    try:
        ast.parse(source)
    except SyntaxError as e:
        return f"{name} line {e.lineno}: SyntaxError: {e.msg}"
    except (ValueError, RecursionError, MemoryError):
        pass
    return f"{name}: Python 3 cannot read it (graded programs must be plain Python 3 syntax)"
