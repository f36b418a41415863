"""A student's program: a main.py (and the modules beside it), checked before it runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from irqlab.errors import IrqlabError

MAX_SOURCE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Program:
    folder: Path
    main: str = "main.py"

    @property
    def path(self) -> Path:
        return self.folder / self.main


def load_program(path: str | Path) -> Program:
    """The program at `path` (a .py file, or a folder with main.py), or a clear error."""
    p = Path(path)
    if p.is_dir():
        if not (p / "main.py").is_file():
            raise IrqlabError(f"{p} has no main.py", "put your program in main.py in that folder")
        program = Program(p.resolve(), "main.py")
    elif p.is_file():
        program = Program(p.resolve().parent, p.name)
    else:
        raise IrqlabError(f"{p}: no such file or folder", "check the path")
    check_source(program.path)
    return program


def check_source(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise IrqlabError(
            f"{path} is {size // 1024} KiB, too big for a MicroPython program",
            f"keep it under {MAX_SOURCE_BYTES // 1024} KiB",
        )
    data = path.read_bytes()
    if b"\0" in data:
        raise IrqlabError(f"{path} is not a text file", "give the path of your .py file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise IrqlabError(
            f"{path} is not UTF-8 (byte {e.start} is {data[e.start]:#04x})",
            "save the file as UTF-8 in your editor",
        ) from None
