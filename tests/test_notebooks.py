"""The labs' notebooks run from top to bottom on the simulated board and plot what they find
(that every lab has one is irqlab dev check's to say)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from irqlab import notebook
from irqlab.course import load_course

NOTEBOOKS = [lab.notebook for lab in load_course(Path(__file__).resolve().parents[1]).labs]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_and_plots(path: Path, tmp_path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    outputs = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]
    plots = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert plots, f"{path.name} drew no plot"
    assert not [o for o in outputs if o.output_type == "error"]
    assert not any(o.get("name") == "stderr" and "Traceback" in o.get("text", "") for o in outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_opens_with_the_experiment_and_shows_micropython_as_code(path: Path) -> None:
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    programs = [c for c in cells if c.source.startswith("%%micropython ")]
    assert programs, f"{path.name}: no %%micropython cell shows the program under test"
    first = cells.index(programs[0])
    assert not any("def " in c.source for c in cells[:first]), (
        f"{path.name}: plumbing before the program under test (irqlab.notebook has the helpers)"
    )
    hidden = [c for c in cells if c not in programs and "from machine import" in c.source]
    assert not hidden, f"{path.name}: a MicroPython program inside a string; use %%micropython"


def test_a_micropython_cell_keeps_its_program_under_its_name() -> None:
    namespace: dict[str, object] = {}
    notebook.micropython(" blink ", "import time\ntime.sleep_ms(PERIOD)\n", namespace)
    assert namespace == {"blink": "import time\ntime.sleep_ms(PERIOD)\n"}
    with pytest.raises(ValueError, match="needs a name"):
        notebook.micropython("", "pass\n", namespace)
    with pytest.raises(SyntaxError, match="broken, line 2"):
        notebook.micropython("broken", "x = 1\nwhile True\n", namespace)
