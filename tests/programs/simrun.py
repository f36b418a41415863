"""Run a MicroPython program given as text on the simulated board (for irqlab's own tests)."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path
from typing import Any

from irqlab.runner import Run, run
from irqlab.scenario import Scenario

HERE = Path(__file__).parent


def run_source(
    source: str, scenario: Scenario | None = None, board: str = "esp32", **kwargs: Any
) -> Run:
    """Run `source` as main.py under `scenario` (default: half a virtual second, lab kit)."""
    with tempfile.TemporaryDirectory(prefix="irqlab-test-") as folder:
        main = Path(folder) / "main.py"
        main.write_text(textwrap.dedent(source))
        return run(main, scenario or Scenario(seconds=0.5), board=board, **kwargs)


def lines(r: Run) -> list[str]:
    """What the program printed, line by line."""
    return [ln.text for ln in r.trace.lines()]


def ok(r: Run) -> Run:
    """`r`, after checking that the program ran without an error of its own."""
    assert not r.trace.exceptions(), r.stdout
    assert r.stopped in ("exit", "scenario"), (r.stopped, r.stdout, r.stderr)
    return r
