"""The site's navigation for the labs and their notebooks, in course.toml's order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from irqlab.course import Course, Lab

LABS_SECTION = "Labs"
NOTEBOOKS_SECTION = "Notebooks"


def lab_entries(course: Course, docs_dir: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Nav entries for the labs whose pages exist, and a problem line for each that does not."""
    entries: list[dict[str, str]] = []
    missing: list[str] = []
    for lab in course.labs:
        page = f"labs/{lab.slug}.md"
        if (docs_dir / page).is_file():
            entries.append({f"{lab.number}. {lab.title}": page})
        else:
            missing.append(
                f"course.toml lists lab {lab.slug} but docs/{page} does not exist "
                "(write the lab's page, or remove the lab from course.toml)"
            )
    return entries, missing


def notebooks(course: Course, docs_dir: Path) -> list[tuple[Lab, str, str]]:
    """(lab, page, title) of each lab's notebook that exists (dev check names missing ones)."""
    found = []
    for lab in course.labs:
        page = f"notebooks/{lab.slug}.ipynb"
        if (docs_dir / page).is_file():
            found.append((lab, page, notebook_title(docs_dir / page)))
    return found


def notebook_entries(course: Course, docs_dir: Path) -> list[dict[str, str]]:
    return [
        {f"{title} (lab {lab.number})": page} for lab, page, title in notebooks(course, docs_dir)
    ]


def notebook_title(path: Path) -> str:
    """The notebook's first heading, as its title."""
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and source.startswith("# "):
            return source.splitlines()[0][2:].strip()
    return path.stem


def place(
    nav: list[Any], section: str, entries: list[Any], docs_dir: Path, folder: str
) -> list[Any]:
    """`nav` with `section` filled: the folder's index page (if any), then `entries`."""
    index = f"{folder}/index.md"
    head: list[Any] = [index] if (docs_dir / index).is_file() else []
    return [
        {section: head + entries} if isinstance(item, dict) and section in item else item
        for item in nav
    ]


def lab_table(course: Course, docs_dir: Path, folder: str = "") -> str:
    """A Markdown table of the labs: number, title (linked), summary. `folder` leads from
    the page that shows it to the labs' pages ("" on labs/index.md, "labs/" on the home page)."""
    rows = ["| lab | what you learn |", "|---|---|"]
    for lab in course.labs:
        title = lab.title
        if (docs_dir / "labs" / f"{lab.slug}.md").is_file():
            title = f"[{title}]({folder}{lab.slug}.md)"
        rows.append(f"| {lab.number}. {title} | {lab.summary} |")
    return "\n".join(rows)


def notebook_table(course: Course, docs_dir: Path) -> str:
    """A Markdown table of the notebooks for notebooks/index.md: lab, notebook (linked)."""
    rows = ["| lab | notebook |", "|---|---|"]
    for lab, page, title in notebooks(course, docs_dir):
        rows.append(f"| {lab.number}. {lab.title} | [{title}]({Path(page).name}) |")
    return "\n".join(rows)
