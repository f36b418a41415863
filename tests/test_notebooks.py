"""The labs' notebooks run from top to bottom on the simulated board and plot what they find
(that every lab has one is irqlab dev check's to say)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

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
