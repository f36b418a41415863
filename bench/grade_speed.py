"""How fast `irqlab grade` gets through a class: N copies of lab 1's solution, --jobs 2,
sandbox on. Prints submissions per second, the CPU time one submission takes (all its
processes) and what that allows on this machine's cores when nothing else runs, and the
peak memory of one process in the tree (ru_maxrss of the children). Goal: at least 2
submissions per second on two cores. On a shared machine the wall-clock rate falls with the
load (printed): the CPU figure is the one that does not.

    python bench/grade_speed.py [--copies 100] [--jobs 2] [--lab 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=100)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--lab", default="1")
    p.add_argument("--course", type=Path, default=ROOT)
    args = p.parse_args()

    from irqlab.course import load_course
    from irqlab.grade.batch import sandbox_mode

    lab = load_course(args.course).lab(args.lab)
    with tempfile.TemporaryDirectory(prefix="irqlab-bench-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for i in range(args.copies):
            shutil.copy(lab.solution, folder / f"student{i:03}.py")
        argv = [sys.executable, "-m", "irqlab", "grade", str(folder), "--lab", str(lab.number)]
        argv += ["--jobs", str(args.jobs), "--out", str(Path(tmp) / "out")]
        env = {**os.environ, "IRQLAB_COURSE": str(args.course)}
        with _Accounting() as account:
            started = time.monotonic()
            done = subprocess.run(
                argv, env=env, capture_output=True, text=True, preexec_fn=account.join
            )
            seconds = time.monotonic() - started
            cpu_total, how = account.cpu_s()
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_total / args.copies
    print(f"lab {lab.slug}: {args.copies} submissions, --jobs {args.jobs}")
    print(f"sandbox: {sandbox_mode()[1]}")
    print(f"{seconds:.1f} s: {args.copies / seconds:.2f} submissions/s (goal >= 2)")
    print(f"CPU per submission: {cpu:.3f} s ({how}; load on this machine: {_load()})")
    cores = min(args.jobs, os.cpu_count() or 1)
    print(f"on {cores} idle core(s) that is {cores / cpu:.2f} submissions/s")
    print(f"peak memory of one process: {usage.ru_maxrss / 1024:.0f} MB (ru_maxrss of children)")
    return 0


class _Accounting:
    """The grader's CPU time, all its processes: from a cgroup of its own (cpuacct) where
    one can be made, else from rusage, which misses what bubblewrap's own namespace reaps."""

    ROOT = Path("/sys/fs/cgroup/cpuacct")

    def __enter__(self) -> _Accounting:
        self.group: Path | None = self.ROOT / f"irqlab-bench-{os.getpid()}"
        try:
            self.group.mkdir()
        except OSError:
            self.group = None
        return self

    def join(self) -> None:
        """In the grader, before exec: into the group, with all it will start."""
        if self.group is not None:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def cpu_s(self) -> tuple[float, str]:
        if self.group is not None:
            ns = int((self.group / "cpuacct.usage").read_text())
            return ns / 1e9, "all processes, from cpuacct"
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime, "rusage of children: a lower bound"

    def __exit__(self, *exc: object) -> None:
        if self.group is not None:
            self.group.rmdir()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
