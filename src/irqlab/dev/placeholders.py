"""The marks `irqlab dev new` leaves where the author still has to write: TODO(author)."""

from __future__ import annotations

import re
from collections.abc import Iterable

MARK = "TODO(author)"
_MARK = re.compile(re.escape(MARK) + r':?\s*([^"\n]*)')  # to the end of its "string"


def marked(lines: Iterable[str]) -> list[tuple[int, str]]:
    """(line number, what to write) for every mark in `lines`."""
    found = []
    for n, line in enumerate(lines, 1):
        m = _MARK.search(line)
        if m:
            found.append((n, m.group(1).strip() or "this"))
    return found
