"""A lab's texts: its page (a `## Task N` per task, the figures its checks draw), its
starter and solution (irqlab.dev.gaps), its notebook, and no placeholder left anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from irqlab.course import Lab
from irqlab.dev.gaps import gap_problems, starter_problems
from irqlab.dev.placeholders import marked
from irqlab.dev.problems import Finder, Problem
from irqlab.site.placeholders import FIGURE

HEADING = re.compile(r"^## Task (\d+)\b", re.MULTILINE)


def text_problems(lab: Lab, figures: list[str] | None) -> list[Problem]:
    """Problems of the lab's texts; `figures` names the figures its checks draw (None: the
    checks could not be read)."""
    found = Finder(lab, lab.root)
    texts = {p: _read(p) for p in (lab.page, lab.starter, lab.solution, lab.checks)}
    for path, text in texts.items():
        for n, what in marked((text or "").splitlines()):
            found.add(path, f"line {n} is still the skeleton's: {what}", "write it")
    if texts[lab.page] is not None:
        _page(found, lab, texts[lab.page] or "", figures)
    if texts[lab.starter] is not None:
        starter = (texts[lab.starter] or "").splitlines()
        for n, what, fix in starter_problems(starter, len(lab.tasks)):
            found.add(lab.starter, f"line {n}: {what}" if n else what, fix)
        if texts[lab.solution] is not None:
            for what, fix in gap_problems(starter, (texts[lab.solution] or "").splitlines()):
                found.add(lab.solution, what, fix)
    _notebook(found, lab)
    return found.found


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _page(found: Finder, lab: Lab, text: str, figures: list[str] | None) -> None:
    headings = [int(n) for n in HEADING.findall(text)]
    wanted = list(range(1, len(lab.tasks) + 1))
    if headings != wanted:
        found.add(
            lab.page,
            f"its task headings are {headings}, for {len(wanted)} tasks",
            f"write `## Task 1` … `## Task {len(wanted)}` in order",
        )
    shown = [name for _, name in FIGURE.findall(text)]
    if not shown:
        found.add(
            lab.page,
            "it shows no figure made from a run",
            'add {{ irqlab_figure("NAME") }} for a figure of its checks\' FIGURES',
        )
    for name in figures or []:
        if shown.count(name) != 1:
            found.add(
                lab.page,
                f"it shows figure {name} {shown.count(name)} times",
                f"show each figure of {lab.checks.name} once",
            )


def _notebook(found: Finder, lab: Lab) -> None:
    text = _read(lab.notebook)
    if text is None:
        return  # irqlab.dev.files names it missing
    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError):
        found.add(lab.notebook, "it is not a notebook", "save it from Jupyter as .ipynb")
        return
    sources = ["".join(c.get("source", "")) for c in cells]
    if not any(c.get("cell_type") == "code" for c in cells):
        found.add(lab.notebook, "it has no code cell", "add an experiment that plots what it finds")
    if not sources or not sources[0].startswith("# "):
        found.add(
            lab.notebook,
            "it does not open with a `# Title`",
            "start it with a Markdown cell `# …`: the site's navigation shows it",
        )
    for n, what in marked("\n".join(sources).splitlines()):
        found.add(
            lab.notebook, f"line {n} of its cells is still the skeleton's: {what}", "write it"
        )
