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
from irqlab.grade import worker
from irqlab.grade.intake import find_entries, prepare
from irqlab.grade.progress import Progress
from irqlab.grade.store import ResultStore, safe_name

Result = dict[str, Any]


@dataclass(frozen=True)
class Batch:
    submissions: Path
    lab: Lab
    out: Path
    spec: worker.WorkerSpec
    jobs: int = 1
    force: bool = False


def sandbox_mode() -> tuple[str, str]:
    """The sandbox the workers will use, "bwrap" or "limits", and a note saying so."""
    trouble = sandbox.bwrap_trouble()
    if trouble is None:
        return "bwrap", "bubblewrap + resource limits"
    return "limits", f"resource limits only (bubblewrap unusable: {trouble})"


def grade(batch: Batch, stream: TextIO | None = None) -> list[Result]:
    """Grade what is not graded yet (everything with force); return every student's result."""
    entries = find_entries(batch.submissions)
    store = ResultStore(batch.out / "results")
    store.clean()
    todo = [(s, e) for s, e in entries if batch.force or not store.done(s)]
    progress = Progress(len(todo), stream)
    with tempfile.TemporaryDirectory(prefix="irqlab-grade-") as tmp:
        for result in _run_all(batch, todo, Path(tmp)):
            store.save(result)
            progress.update(result)
    progress.finish()
    return [r for s, _ in entries if (r := store.load(s)) is not None]


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
    try:
        sub = prepare(student, entry, work / "submission")
        if sub.refused is not None:
            found = refused(sub.refused)
        else:
            assert sub.folder is not None
            found = worker.check(batch.spec, sub.folder, work / "scratch")
            keep_diagrams(found, work / "scratch", batch.out / "diagrams" / safe_name(student))
        notes = sub.notes
    except Exception as e:  # the grader's own bug must not stop the class or cost the student
        found, notes = worker.grader_error(f"{type(e).__name__}: {e}"), []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"student": student, "lab": batch.lab.slug, **found, "notes": notes}


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
