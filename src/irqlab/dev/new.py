"""`irqlab dev new SLUG --title TITLE`: the skeleton of a new lab. Every file it writes runs,
and `irqlab dev check` then names what the lab still lacks, item by item. Nothing outside the
new lab's own files and its [[lab]] in course.toml changes, so deleting those takes it out."""

from __future__ import annotations

import re
from pathlib import Path

from irqlab.course import INDEX, Course, Lab
from irqlab.dev import skeleton
from irqlab.dev.index import SLUG
from irqlab.errors import IrqlabError


def new_lab(course: Course, slug: str, title: str) -> list[Path]:
    """Write lab `slug`'s skeleton; return what was written (course.toml first)."""
    number = _number(course, slug)
    lab = Lab(number=number, slug=slug, title=title, root=course.root)
    texts = {
        lab.starter: skeleton.starter(number, title),
        lab.solution: skeleton.starter(number, title),
        lab.checks: skeleton.checks(number, title),
        lab.page: skeleton.page(title),
        lab.notebook: skeleton.notebook(title),
    }
    taken = [p for p in texts if p.exists()] + [lab.bad] * lab.bad.exists()
    if taken:
        raise IrqlabError(f"{taken[0]} already exists", "choose another slug, or delete it")
    index = course.root / INDEX
    with index.open("a", encoding="utf-8") as f:
        f.write(skeleton.index_entry(number, slug, title))
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lab.bad.mkdir(parents=True)
    return [index, *texts, lab.bad]


def _number(course: Course, slug: str) -> int:
    m = re.fullmatch(r"(\d\d)-.+", slug)
    if not m or not re.fullmatch(SLUG.format(n=int(m[1])), slug):
        raise IrqlabError(
            f"{slug!r} is not a lab's slug",
            "write it NN-words: the lab's number in two digits, then lowercase words joined by -",
        )
    number = int(m[1])
    for lab in course.labs:
        if lab.number == number or lab.slug == slug:
            raise IrqlabError(f"lab {lab.number} is already {lab.slug}", "choose another number")
    return number
