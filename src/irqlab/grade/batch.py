"""Grade a class: every submission copied to a private folder and checked in its own worker,
several at once, each result saved the moment it is known."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from irqlab import sandbox
from irqlab.course import Lab
from irqlab.errors import IrqlabError
from irqlab.grade import worker
from irqlab.grade.intake import find_entries, read, skipped_entries, write
from irqlab.grade.progress import Progress
from irqlab.grade.store import ResultStore, safe_name

Result = dict[str, Any]
RUNS_CHECK = "test_runs"  # "the program runs without an error": no credit on its own


@dataclass(frozen=True)
class Batch:
    submissions: Path
    lab: Lab
    out: Path
    spec: worker.WorkerSpec
    jobs: int = 1
    force: bool = False
    only: str | None = None  # grade this student again, and no other


@dataclass
class Plan:
    """What a run will do: who is graded, who already was, and what is no submission."""

    todo: list[tuple[str, Path]]
    students: list[str]  # every student: the reports cover the class, whoever is graded
    unchanged: int
    skipped: list[tuple[str, str]]
    only: str | None = None

    def describe(self) -> str:
        lines = [f"{len(self.students)} submission(s): "]
        if self.only is not None:
            lines[0] += f"grading {self.only} again (--only)"
        else:
            lines[0] += f"{self.unchanged} already graded and unchanged, {len(self.todo)} to grade"
        lines += [f"skipped {name}: {why}" for name, why in self.skipped]
        return "\n".join(lines)


SANDBOXES = {
    "bwrap": "bubblewrap, no exec or fork (seccomp), resource limits",
    "limits": "NONE: graded --unsandboxed (no exec or fork, resource limits only)",
}


def sandbox_mode(unsandboxed: bool = False) -> tuple[str, str]:
    """The sandbox the workers will use, "bwrap" or (only when asked) "limits", and what to
    call it; refuses, naming the cause and the fix, when bubblewrap can't start."""
    trouble = sandbox.bwrap_trouble()
    if trouble is None:
        return "bwrap", SANDBOXES["bwrap"]
    if unsandboxed and (filter_trouble := sandbox.noexec_trouble()) is not None:
        raise IrqlabError(f"can't grade here, even --unsandboxed: {filter_trouble}")
    if unsandboxed:
        return "limits", SANDBOXES["limits"]
    raise IrqlabError(
        f"no sandbox to grade in: {trouble}",
        "fix that, or run the class's code as yourself with --unsandboxed",
    )


def plan(batch: Batch, store: ResultStore) -> Plan:
    """Who to grade: a submission whose files changed since its last grade, or every one
    with force; raises before anything is written when there is nothing to grade."""
    entries = find_entries(batch.submissions)
    skipped = skipped_entries(batch.submissions)
    if not entries:
        raise IrqlabError(
            f"no submissions in {batch.submissions}",
            "give the folder that holds one .py, .zip or folder per student",
        )
    students = [s for s, _ in entries]
    if batch.only is not None:
        todo = [(s, e) for s, e in entries if s == batch.only]
        if not todo:
            raise IrqlabError(
                f"no submission named {batch.only!r} in {batch.submissions}",
                "give the name of a file or folder there, without .py or .zip",
            )
        return Plan(todo, students, 0, skipped, batch.only)
    todo = [(s, e) for s, e in entries if batch.force or not _unchanged(batch, store, s, e)]
    return Plan(todo, students, len(entries) - len(todo), skipped)


def _unchanged(batch: Batch, store: ResultStore, student: str, entry: Path) -> bool:
    found = store.load(student)
    if found is None or not store.done(student):
        return False
    same = read(student, entry, batch.lab.slug).digest == found.get("digest")
    how = (found.get("sandbox"), found.get("lab")) == (batch.spec.sandbox, batch.lab.slug)
    return same and how


def grade(batch: Batch, stream: TextIO | None = None) -> list[Result]:
    """Grade what changed since it was graded (everything with force); return every
    student's result."""
    store = ResultStore(batch.out / "results", create=False)
    todo = plan(batch, store)
    store.create()
    store.clean()
    progress = Progress(len(todo.todo), stream)
    progress.note(todo.describe())
    with tempfile.TemporaryDirectory(prefix="irqlab-grade-") as tmp:
        for result in _run_all(batch, todo.todo, Path(tmp)):
            store.save(result)
            progress.update(result)
    progress.finish()
    return [r for s in todo.students if (r := store.load(s)) is not None]


def _run_all(batch: Batch, todo: list[tuple[str, Path]], tmp: Path) -> Iterable[Result]:
    """Results in the order they finish; on Ctrl-C or SIGTERM every worker is killed."""
    pool = ThreadPoolExecutor(max_workers=max(1, batch.jobs), thread_name_prefix="grade")
    pending: set[Future[Result]] = set()
    try:
        for i, (student, entry) in enumerate(todo):
            pending.add(pool.submit(grade_one, batch, student, entry, tmp / str(i)))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()
        worker.kill_all()
        pool.shutdown(wait=True, cancel_futures=True)


def grade_one(batch: Batch, student: str, entry: Path, work: Path) -> Result:
    """One student's result; whatever breaks on the grader's side is a grader error."""
    digest = ""
    try:
        sub = write(read(student, entry, batch.lab.slug), work / "submission")
        digest = sub.digest
        if sub.refused is not None:
            found = refused(sub.refused)
        else:
            assert sub.folder is not None
            found = worker.check(batch.spec, sub.folder, work / "scratch")
            keep_diagrams(found, work / "scratch", batch.out / "diagrams" / safe_name(student))
        notes = sub.notes
    except Exception as e:  # the grader's own bug must not stop the class or cost the student
        found, notes = worker.grader_error(worker.scrub(f"{type(e).__name__}: {e}")), []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {"student": student, "lab": batch.lab.slug, **found, "notes": notes}
    how = {"sandbox": batch.spec.sandbox, "sandboxed": batch.spec.sandbox == "bwrap"}
    return {**no_credit_for_running(result), "digest": digest, **how}


def no_credit_for_running(result: Result) -> Result:
    """The grade: every check that passed, except the one that only says the program runs
    (every lab's first, test_runs): an empty file, or the untouched starter, earns nothing
    for running."""
    checks = result.get("checks") or []
    if not checks or result["status"] == "error":
        return result
    earns = [c for c in checks if c.get("id") != RUNS_CHECK]
    score = sum(c.get("status") == "pass" for c in earns)
    max_score = sum(c.get("status") != "skip" or bool(c.get("blocked")) for c in earns)
    return {**result, "score": score, "max_score": max_score}


def keep_diagrams(result: Result, scratch: Path, dest: Path) -> None:
    """Move the failure diagrams the worker drew out of its scratch folder, before it goes."""
    for check in result.get("checks", []):
        path = Path(str(check.get("diagram") or "")).resolve()
        drawn = bool(check.get("diagram")) and path.is_relative_to(scratch.resolve())
        if not (drawn and path.is_file()):
            check["diagram"] = None  # nothing drawn, or not where this worker draws
            continue
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / path.name
        shutil.move(path, target)
        check["diagram"] = str(target)


def refused(reason: str) -> Result:
    return {
        "target": None,
        "status": "fail",
        "score": 0,
        "max_score": None,
        "tasks": [],
        "checks": [],
        "reason": reason,
    }
