"""The site's navigation for the labs, in course.toml's order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irqlab.course import Course

LABS_SECTION = "Labs"


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


def place_labs(nav: list[Any], entries: list[dict[str, str]], docs_dir: Path) -> list[Any]:
    """`nav` with its Labs section filled: the labs' index page (if any), then the labs."""
    head: list[Any] = ["labs/index.md"] if (docs_dir / "labs" / "index.md").is_file() else []
    out = []
    for item in nav:
        if isinstance(item, dict) and LABS_SECTION in item:
            out.append({LABS_SECTION: head + entries})
        else:
            out.append(item)
    return out


def lab_table(course: Course, docs_dir: Path) -> str:
    """A Markdown table of the labs for labs/index.md: number, title (linked), summary."""
    rows = ["| lab | what you learn |", "|---|---|"]
    for lab in course.labs:
        title = lab.title
        if (docs_dir / "labs" / f"{lab.slug}.md").is_file():
            title = f"[{title}]({lab.slug}.md)"
        rows.append(f"| {lab.number}. {title} | {lab.summary} |")
    return "\n".join(rows)
