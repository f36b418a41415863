"""The class's results, rendered: grades.csv, results.json, junit.xml, one Gradescope
results.json per submission (gradescope/STUDENT.json) and one feedback page per student
(feedback/STUDENT.html).

Every renderer takes the same data: a list of results in the check JSON shape, each with a
"student", the "sandbox" it was graded in (irqlab.grade.batch.SANDBOXES) and, when the
grader says why, a "reason" and "notes".
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

from irqlab.grade import feedback
from irqlab.grade.batch import RUNS_CHECK, SANDBOXES
from irqlab.grade.store import safe_name

Result = dict[str, Any]
GRADESCOPE_OUTPUT = 500  # characters of output per Gradescope test


def write_all(folder: Path, results: list[Result]) -> list[Path]:
    results = with_max_scores(sorted(results, key=lambda r: r["student"]))
    files: dict[str, Callable[[list[Result]], str]] = {
        "grades.csv": grades_csv,
        "results.json": lambda rs: json.dumps(rs, indent=1, ensure_ascii=False) + "\n",
        "junit.xml": junit_xml,
    }
    written = []
    for name, render in files.items():
        written.append(write_atomic(folder / name, render(results)))
    for r in results:
        name = safe_name(r["student"])
        write_atomic(folder / "gradescope" / f"{name}.json", gradescope_json(r))
        write_atomic(folder / "feedback" / f"{name}.html", feedback.page(r))
    if results:
        written += [folder / "gradescope", folder / "feedback"]
    return written


def gradescope_json(r: Result) -> str:
    return json.dumps(gradescope(r), indent=1, ensure_ascii=False) + "\n"


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
    head = ["student", "status", "score", "max_score", *(f"task_{t}" for t in tasks)]
    writer.writerow([*head, "reason", "sandbox"])
    for r in results:
        by_task = {t["task"]: t["status"] for t in r.get("tasks", [])}
        row = [r["student"], r["status"], r["score"], r["max_score"]]
        row += [by_task.get(t, "") for t in tasks]
        writer.writerow([*row, reason(r), sandbox_name(r)])
    return out.getvalue()


def reason(r: Result) -> str:
    """Why the result is what it is, in a line: the grader's reason, or the first failure."""
    if r.get("reason"):
        return str(r["reason"])
    failed = [c for c in r.get("checks", []) if c.get("status") in ("fail", "error")]
    if failed:
        return f"{failed[0].get('id')}: {failed[0].get('message') or ''}".strip()
    return ""


def sandbox_name(r: Result) -> str:
    return SANDBOXES.get(str(r.get("sandbox")), "unknown")


def junit_xml(results: list[Result]) -> str:
    suites = ET.Element("testsuites", name="irqlab")
    for r in results:
        suite = ET.SubElement(suites, "testsuite", name=r["student"])
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="sandbox", value=sandbox_name(r))
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
    tests = [_gradescope_test(c) for c in r.get("checks", [])]
    data: dict[str, Any] = {
        "score": r.get("score") or 0,
        "output": "",
        "visibility": "visible",
        "stdout_visibility": "hidden",  # the grader's log, not for the student
        "tests": tests,
        "extra_data": {"status": r["status"], "sandbox": sandbox_name(r)},
    }
    if isinstance(r.get("seconds"), (int, float)):
        data["execution_time"] = r["seconds"]
    lines = [r["reason"]] if r.get("reason") else []
    lines += r.get("notes", [])
    data["output"] = cap("\n".join(lines), GRADESCOPE_OUTPUT)
    if not data["output"]:
        del data["output"]
    return data


def _gradescope_test(c: dict[str, Any]) -> dict[str, Any]:
    """One check as a Gradescope test: a point for each that passed, none for running."""
    worth = 0 if c.get("id") == RUNS_CHECK else 1
    counts = c.get("status") != "skip" or bool(c.get("blocked"))
    passed = c.get("status") == "pass"
    return {
        "name": _test_name(c),
        "score": worth if passed else 0,
        "max_score": worth if counts else 0,
        "status": "passed" if passed else "failed",
        "output": cap(_test_output(c), GRADESCOPE_OUTPUT),
        "visibility": "visible",
    }


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
    lines += task_rates(graded)
    sandboxes = sorted({sandbox_name(r) for r in results})
    lines.append(f"sandbox: {'; '.join(sandboxes) or 'none used'}")
    return "\n".join(lines)


def task_rates(results: list[Result]) -> list[str]:
    """One line per task: how many of the graded submissions passed it."""
    lines = []
    for task in task_numbers(results):
        passed = sum(
            any(t["task"] == task and t["status"] == "pass" for t in r.get("tasks", []))
            for r in results
        )
        share = 100 * passed / len(results) if results else 0.0
        lines.append(f"task {task}: {passed}/{len(results)} passed ({share:.0f}%)")
    return lines
