"""The class's results, rendered: grades.csv, results.json, junit.xml and gradescope.json.

Every renderer takes the same data: a list of results in the check JSON shape, each with a
"student" (and, when the grader says why, a "reason" and "notes").
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

Result = dict[str, Any]
GRADESCOPE_OUTPUT = 500  # characters of output per Gradescope test


def write_all(folder: Path, results: list[Result]) -> list[Path]:
    results = with_max_scores(sorted(results, key=lambda r: r["student"]))
    files: dict[str, Callable[[list[Result]], str]] = {
        "grades.csv": grades_csv,
        "results.json": lambda rs: json.dumps(rs, indent=1, ensure_ascii=False) + "\n",
        "junit.xml": junit_xml,
        "gradescope.json": lambda rs: json.dumps(
            {r["student"]: gradescope(r) for r in rs}, indent=1, ensure_ascii=False
        ),
    }
    written = []
    for name, render in files.items():
        written.append(write_atomic(folder / name, render(results)))
    return written


def write_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def with_max_scores(results: list[Result]) -> list[Result]:
    """Fill in max_score where the checks never ran (a refused submission, a grader error)
    with the one most submissions have, so every row is out of the same total."""
    known = Counter(r["max_score"] for r in results if isinstance(r.get("max_score"), int))
    usual = known.most_common(1)[0][0] if known else 0
    return [
        r if isinstance(r.get("max_score"), int) else {**r, "max_score": usual} for r in results
    ]


def task_numbers(results: list[Result]) -> list[int]:
    return sorted({t["task"] for r in results for t in r.get("tasks", [])})


def grades_csv(results: list[Result]) -> str:
    tasks = task_numbers(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "status", "score", "max_score", *(f"task_{t}" for t in tasks)])
    for r in results:
        by_task = {t["task"]: t["status"] for t in r.get("tasks", [])}
        row = [r["student"], r["status"], r["score"], r["max_score"]]
        writer.writerow(row + [by_task.get(t, "") for t in tasks])
    return out.getvalue()


def junit_xml(results: list[Result]) -> str:
    suites = ET.Element("testsuites", name="irqlab")
    for r in results:
        suite = ET.SubElement(suites, "testsuite", name=r["student"])
        cases = r.get("checks") or [None]
        counts: Counter[str] = Counter()
        for check in cases:
            counts[_junit_case(suite, r, check)] += 1
        suite.set("tests", str(len(cases)))
        for kind in ("failures", "errors", "skipped"):
            suite.set(kind, str(counts[kind]))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _junit_case(suite: ET.Element, r: Result, check: dict[str, Any] | None) -> str:
    """One <testcase>; returns what it counts as: passed, failures, errors or skipped."""
    classname = f"{r['student']}.{r.get('lab') or 'lab'}"
    if check is None:  # nothing ran: the submission was refused, or the grader broke
        case = ET.SubElement(suite, "testcase", classname=classname, name="submission")
        status, message = r["status"], r.get("reason") or ""
    else:
        case = ET.SubElement(suite, "testcase", classname=classname, name=str(check.get("id")))
        status, message = check.get("status"), check.get("message") or ""
    tag = {"fail": "failure", "error": "error", "skip": "skipped"}.get(str(status))
    if tag:
        ET.SubElement(case, tag, message=_xml_safe(message)).text = _xml_safe(message)
    return {"failure": "failures", "error": "errors", "skipped": "skipped"}.get(tag or "", "passed")


def _xml_safe(text: str) -> str:
    """XML 1.0 can't hold most control characters; a program may print anything."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in str(text))


def gradescope(r: Result) -> dict[str, Any]:
    """One submission in Gradescope's results.json format."""
    tests = [
        {
            "name": _test_name(c),
            "score": 1 if c.get("status") == "pass" else 0,
            "max_score": 0 if c.get("status") == "skip" and not c.get("blocked") else 1,
            "output": cap(_test_output(c), GRADESCOPE_OUTPUT),
            "visibility": "visible",
        }
        for c in r.get("checks", [])
    ]
    data: dict[str, Any] = {"score": r.get("score") or 0, "tests": tests}
    lines = [r["reason"]] if r.get("reason") else []
    lines += r.get("notes", [])
    if lines:
        data["output"] = cap("\n".join(lines), GRADESCOPE_OUTPUT)
    return data


def _test_name(check: dict[str, Any]) -> str:
    title = check.get("title") or str(check.get("id"))
    return f"Task {check.get('task')}: {title}"


def _test_output(check: dict[str, Any]) -> str:
    parts = [check.get("message") or ""]
    if check.get("hint") and check.get("status") != "pass":
        parts.append(f"Hint: {check['hint']}")
    return "\n".join(p for p in parts if p)


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(results: list[Result]) -> str:
    """The table printed at the end of a grading run."""
    counts = Counter(r["status"] for r in results)
    graded = [r for r in with_max_scores(results) if r["status"] != "error"]
    mean = sum(r["score"] for r in graded) / len(graded) if graded else 0.0
    total = graded[0]["max_score"] if graded else 0
    rows = [("pass", counts["pass"]), ("fail", counts["fail"]), ("error", counts["error"])]
    lines = [f"{'status':<8}{'count':>7}"] + [f"{k:<8}{v:>7}" for k, v in rows]
    lines.append(f"{'total':<8}{len(results):>7}")
    lines.append(f"mean score {mean:.2f} / {total} over {len(graded)} graded")
    return "\n".join(lines)
