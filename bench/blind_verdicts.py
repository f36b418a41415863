"""How often the checks give the verdict a program's author meant, on programs written by
people who never saw the checks (only the pages, the starters and course.toml).

    python bench/blind_verdicts.py [--lab N]

bench/blind/ holds their submissions as they wrote them, and manifest.json what each author
meant: "correct", or the tasks its one bug should fail (an intent the author was not sure of
starts its reason with "unsure:"). A verdict matches when the tasks that fail are exactly
those; a task that only waits on another task's failure is blocked, not failed. Each
mismatch is printed with the checks' messages: a place to look, not a verdict.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from irqlab.checking import check_program
from irqlab.course import load_course

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "bench" / "blind"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", type=int, help="only this lab's programs")
    args = parser.parse_args()
    course = load_course(ROOT)
    labs = {lab.number: lab for lab in course.labs}
    entries = json.loads((BLIND / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in entries if args.lab in (None, e["lab"]) and e["lab"] in labs]
    matched = 0
    with tempfile.TemporaryDirectory() as diagrams:
        for entry in entries:
            result = check_program(
                course, labs[entry["lab"]], BLIND / entry["file"], diagrams=Path(diagrams)
            )
            failed = sorted(t.task for t in result.tasks if t.status == "fail")
            broken = [c.id for c in result.checks if c.status == "error"]
            if failed == sorted(entry["fails_tasks"]) and not broken:
                matched += 1
                continue
            print(f"{entry['file']}: meant to fail {entry['fails_tasks']}, failed {failed}")
            print(f"  the author: {entry['why']}")
            for c in result.checks:
                if c.status in ("fail", "error"):
                    print(f"  {c.id} ({c.status}): {c.message[:300]}")
    print(f"{matched}/{len(entries)} verdicts match the authors' intent")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
