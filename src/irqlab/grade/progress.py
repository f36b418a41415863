"""Progress of a grading run on stderr: a bar on a terminal, one plain line per
submission otherwise (a log file, CI)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any, TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.done = 0
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self.tty = self.stream.isatty()

    def note(self, text: str) -> None:
        """A line before the bar: what the run will do."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def update(self, result: dict[str, Any]) -> None:
        self.done += 1
        self.counts[result["status"]] += 1
        if self.tty:
            self.stream.write("\r" + self.bar())
        else:
            self.stream.write(self.line(result) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()

    def bar(self) -> str:
        filled = WIDTH * self.done // max(self.total, 1)
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        c = self.counts
        return (
            f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}  "
            f"pass {c['pass']} fail {c['fail']} error {c['error']}  {rate:.1f}/s"
        )

    def line(self, result: dict[str, Any]) -> str:
        score = f"{result.get('score', 0)}/{result.get('max_score') or '?'}"
        why = f": {result['reason']}" if result.get("reason") else _first_failure(result)
        count = f"[{self.done:>{len(str(self.total))}}/{self.total}]"
        return f"{count} {result['student']}: {result['status']} {score}{why}"


def _first_failure(result: dict[str, Any]) -> str:
    failed = [c for c in result.get("checks", []) if c.get("status") == "fail"]
    return f": {failed[0].get('message', '')}" if failed else ""
