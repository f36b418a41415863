"""What the labs' notebooks need to run MicroPython on the simulated board::

    %load_ext irqlab.notebook
    from irqlab.notebook import run_program

Then a cell that starts with ``%%micropython polling`` is a MicroPython program, shown and
highlighted as the code it is, and kept as the string ``polling``; ``run_program(polling,
scenario)`` runs it and returns the run (its ``.trace``, ``.stdout``, ``.compiled``)."""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path
from typing import Any

from irqlab.checks import answers
from irqlab.runner import Run, run
from irqlab.scenario import Scenario


def run_program(source: str, scenario: Scenario, board: str = "esp32") -> Run:
    """Run MicroPython `source` as main.py on the simulated `board` under `scenario`."""
    with tempfile.TemporaryDirectory(prefix="irqlab-notebook-") as folder:
        path = Path(folder) / "main.py"
        path.write_text(source)
        return run(path, scenario, board=board)


def answer_delays(result: Run, pattern: str) -> list[float | None]:
    """For each episode of the scenario (a press, an approach): ms from its start to its first
    line matching `pattern`, or None when the program said nothing about it. Lines are
    matched to episodes as the labs' checks match them."""
    found = answers(result, result.trace.lines(pattern))
    return [None if a.delay_us is None else a.delay_us / 1000 for a in found]


def micropython(line: str, cell: str, namespace: dict[str, Any]) -> None:
    """The ``%%micropython NAME`` cell: keep the cell's program as the string NAME."""
    name = line.strip()
    if not name.isidentifier():
        raise ValueError("%%micropython needs a name for the program: %%micropython polling")
    try:
        ast.parse(cell)  # MicroPython's syntax is Python's: say now, not at the first run
    except SyntaxError as err:
        raise SyntaxError(f"{name}, line {err.lineno}: {err.msg}") from None
    namespace[name] = cell


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext irqlab.notebook`: the cell magic, and plots drawn as SVG."""
    namespace = ipython.user_ns
    ipython.register_magic_function(
        lambda line, cell: micropython(line, cell, namespace), "cell", "micropython"
    )
    ipython.run_line_magic("config", 'InlineBackend.figure_formats = ["svg"]')
