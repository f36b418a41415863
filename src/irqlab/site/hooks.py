"""MkDocs hooks for the course site (mkdocs.yml: `hooks: [src/irqlab/site/hooks.py]`).

- the Labs and Notebooks sections of the navigation follow course.toml;
- reference.md is written from the `irqlab` command's own argparse definitions;
- `{{ irqlab_figure(...) }}` and `{{ irqlab_number(...) }}` in a page are filled by running
  the simulated board (irqlab.site.figures, and the FIGURES of each lab's checks module).

A problem is logged as a warning, so `mkdocs build --strict` fails on it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from irqlab.course import load_course
from irqlab.errors import IrqlabError
from irqlab.pagefigures import FigureError
from irqlab.site import nav, placeholders, reference
from irqlab.site.cache import FigureCache

log = logging.getLogger("mkdocs.plugins.irqlab")
_figures = FigureCache(Path.cwd())
_values: dict[str, str] = {}


def on_config(config: Any) -> Any:
    global _figures
    root = Path(config.config_file_path).parent
    _figures = FigureCache(root)  # a rebuild (mkdocs serve) measures again
    docs_dir = Path(config.docs_dir)
    course = load_course(root)
    _values["repo_url"] = config.repo_url or ""
    _values["lab_table"] = nav.lab_table(course, docs_dir)
    _values["course_table"] = nav.lab_table(course, docs_dir, "labs/")
    _values["notebook_table"] = nav.notebook_table(course, docs_dir)
    entries, missing = nav.lab_entries(course, docs_dir)
    for problem in missing:
        log.warning(problem)
    books = nav.notebook_entries(course, docs_dir)
    config.nav = nav.place(config.nav or [], nav.LABS_SECTION, entries, docs_dir, "labs")
    config.nav = nav.place(config.nav, nav.NOTEBOOKS_SECTION, books, docs_dir, "notebooks")
    return config


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, "reference.md", content=reference.markdown()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    try:
        return placeholders.fill(markdown, _figures.get, _values)
    except (KeyError, FigureError, IrqlabError) as e:
        log.warning(f"{page.file.src_uri}: {e.args[0] if isinstance(e, KeyError) else e}")
        return markdown
