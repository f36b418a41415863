"""Placeholders in a page's Markdown that the build fills in:

    {{ irqlab_figure("name") }}           on a line of its own: a diagram and its caption,
                                          measured on the simulated board
    {{ irqlab_number("name", "key") }}    inline: one measured number of that figure
    {{ repo_url }}                        a setting from mkdocs.yml

A backslash before the braces (\\{{ ... }}) shows the placeholder as it is written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

from irqlab.pagefigures import Figure

_OPEN = r"(?<!\\)\{\{\s*"
_CLOSE = r"\s*\}\}"
_NAME = r"""["']([\w-]+)["']"""
FIGURE = re.compile(rf"^([ \t]*){_OPEN}irqlab_figure\(\s*{_NAME}\s*\){_CLOSE}[ \t]*$", re.M)
NUMBER = re.compile(rf"{_OPEN}irqlab_number\(\s*{_NAME}\s*,\s*{_NAME}\s*\){_CLOSE}")
VALUE = re.compile(rf"{_OPEN}(\w+){_CLOSE}")


def figure_html(figure: Figure) -> str:
    return (
        f'<figure class="irqlab-figure" id="figure-{figure.name}">\n{figure.svg}\n'
        f"<figcaption>{html.escape(figure.caption)}</figcaption>\n</figure>"
    )


def fill(markdown: str, get: Callable[[str], Figure], values: Mapping[str, str]) -> str:
    """`markdown` with every placeholder replaced; KeyError names an unknown one."""

    def number(m: re.Match[str]) -> str:
        figure = get(m[1])
        if m[2] not in figure.numbers:
            known = ", ".join(figure.numbers)
            raise KeyError(f"figure {m[1]!r} has no number {m[2]!r} (it has: {known})")
        return figure.numbers[m[2]]

    def value(m: re.Match[str]) -> str:
        if m[1] not in values:
            raise KeyError(f"no value named {m[1]!r} (there are: {', '.join(values)})")
        return values[m[1]]

    def figure(m: re.Match[str]) -> str:
        indent = m[1]  # inside a tab or an admonition: keep the block there
        block = figure_html(get(m[2]))
        return "\n" + "\n".join(indent + line for line in block.splitlines()) + "\n"

    markdown = FIGURE.sub(figure, markdown)
    markdown = NUMBER.sub(number, markdown)
    markdown = VALUE.sub(value, markdown)
    return markdown.replace("\\{{", "{{")
