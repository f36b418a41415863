"""Confine the one process that runs untrusted code: the MicroPython interpreter of a run.

When IRQLAB_SANDBOX is set (the grader sets it for its workers), irqlab.runner passes the
MicroPython command through `confine()`. Three layers:

- bubblewrap, when it works here: no network, own PID/IPC/UTS namespaces, no shell, no
  /proc, a read-only root and /dev, a 1 MB /tmp and a 64 KB /dev/shm (all a run can write,
  so its disk use is capped), and a filesystem made only of read-only binds of what
  MicroPython needs (the Python install, the board code, the run's config folder and the
  submission's own copy). The course's solutions, checks and other submissions are simply
  not there. Its PID namespace dies with the run: nothing the program started outlives it.
- a seccomp filter (irqlab.noexec), always: MicroPython runs with no exec and no fork, so it
  can start no program and no process, as root too (where RLIMIT_NPROC does not bind).
- resource limits, always: address space (which also bounds its threads), CPU seconds, file
  size, process count, and death with the parent.

IRQLAB_SANDBOX=bwrap insists on bubblewrap, =limits uses the filter and limits only, anything
else picks bubblewrap when it works.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ENV = "IRQLAB_SANDBOX"
SYSTEM_LIBS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32")
SYSTEM_FILES = ("/etc/ld.so.cache",)
TMP_BYTES = 1 << 20  # the sandbox's /tmp: MicroPython needs none of it
SHM_BYTES = 64 << 10  # its /dev/shm, likewise
NOEXEC = Path(__file__).with_name("noexec.py")
NOEXEC_REFUSED = 125  # irqlab.noexec.REFUSED
NOBODY = "65534"
PR_SET_PDEATHSIG = 1


class SandboxError(RuntimeError):
    """The sandbox itself failed: the grader's fault, never the student's."""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 256 << 20  # address space; MicroPython's own heap is 256K
    cpu_s: int = 30
    file_bytes: int = 1 << 20
    processes: int = 64  # threads count too; root is exempt (see the module docstring)


def requested_mode() -> str | None:
    """None (no sandbox), "bwrap", "limits" or "auto", from IRQLAB_SANDBOX."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "0", "no", "off"):
        return None
    return value if value in ("bwrap", "limits") else "auto"


def mode() -> str:
    """The sandbox this process will use: "bwrap" or "limits"."""
    wanted = requested_mode() or "auto"
    if wanted == "limits":
        return "limits"
    if wanted == "bwrap" and shutil.which("bwrap"):  # the grader probed it: a bwrap that
        return "bwrap"  # fails after all stops the run (verify), without a probe per worker
    trouble = bwrap_trouble()
    if trouble is None:
        return "bwrap"
    if wanted == "bwrap":
        raise SandboxError(f"IRQLAB_SANDBOX=bwrap but bubblewrap does not work here: {trouble}")
    return "limits"


@functools.cache
def bwrap_trouble() -> str | None:
    """Why bubblewrap can't confine a run here, or None when it can (tried once)."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    probe = [*bwrap_args([]), *noexec_argv(["--probe"])]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bubblewrap did not start ({e})"
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        said = lines[-1] if lines else f"it exited with status {done.returncode}"
        return f"bubblewrap could not start a sandbox: {said} ({_fix(said)})"
    return None


@functools.cache
def noexec_trouble() -> str | None:
    """Why the seccomp filter can't load here (not Linux on x86_64 or aarch64), or None."""
    try:
        done = subprocess.run(
            noexec_argv(["--probe"]), capture_output=True, timeout=20, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"the seccomp filter could not be tried ({e})"
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no word"]
        return f"{said[0]} ({_fix(said[0])})"
    return None


def _fix(said: str) -> str:
    """How to make bubblewrap work, from what it said."""
    if said.startswith("irqlab-noexec"):
        return "the sandbox needs a Linux kernel with seccomp on x86_64 or aarch64"
    if "namespace" in said or "Operation not permitted" in said or "permission" in said.lower():
        return (
            "in a container, run it with user namespaces allowed (docker run --privileged, "
            "or --security-opt seccomp=unconfined --security-opt apparmor=unconfined); "
            "on a host, sysctl kernel.unprivileged_userns_clone=1"
        )
    return "reinstall bubblewrap: apt-get install --reinstall bubblewrap"


def noexec_argv(micropython_args: Sequence[str]) -> list[str]:
    """Python running irqlab.noexec: the unix port, in-process, unable to exec or fork."""
    return [sys.executable, "-I", "-c", NOEXEC.read_text(encoding="utf-8"), *micropython_args]


def micropython_args(argv: Sequence[str]) -> list[str]:
    """The arguments to the unix port in one of irqlab.port.micropython_command()'s forms."""
    options = list(argv[1:4])
    python = bool(argv) and (argv[0] == sys.executable or Path(argv[0]).name.startswith("python"))
    if python and "-c" in options:
        code = options.index("-c")
        if all(o.startswith("-") for o in options[:code]):  # python [-I -S] -c "..." ARGS
            return list(argv[code + 3 :])
    if argv and Path(argv[0]).name.startswith("micropython"):  # the console script
        return list(argv[1:])
    raise SandboxError(f"can't confine {argv[0]!r}: not the MicroPython unix port")


def confine(
    argv: Sequence[str], readable: Iterable[Path], env: dict[str, str], limits: Limits = Limits()
) -> tuple[list[str], dict[str, str], Callable[[], None]]:
    """(argv, env, preexec_fn) that run `argv` confined, seeing only `readable` (read-only)."""
    clean = {k: v for k, v in env.items() if k in ("MICROPYPATH", "LANG", "LC_ALL")}
    clean["PATH"] = "/usr/bin:/bin"
    argv = noexec_argv(micropython_args(argv))
    if mode() == "bwrap":
        argv = [*bwrap_args(readable), *argv]
    return list(argv), clean, functools.partial(apply_limits, limits)


def verify(returncode: int | None, stderr: bytes, started: bool) -> None:
    """Raise SandboxError if a run never started because the sandbox could not set it up."""
    ours = (returncode == 1 and stderr.startswith(b"bwrap: ")) or (
        returncode == NOEXEC_REFUSED and stderr.startswith(b"irqlab-noexec: ")
    )
    if not started and ours:
        first = stderr.decode(errors="replace").splitlines()[0]
        raise SandboxError(f"the sandbox failed to start: {first}")


def bwrap_args(readable: Iterable[Path]) -> list[str]:
    args = ["bwrap", "--unshare-all", "--unshare-user", *_if_known("--disable-userns")]
    args += ["--uid", NOBODY, "--gid", NOBODY, "--cap-drop", "ALL"]
    args += ["--die-with-parent", "--new-session", "--dev", "/dev"]
    args += [*_if_known("--size", str(SHM_BYTES)), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    args += [*_if_known("--size", str(TMP_BYTES)), "--tmpfs", "/tmp"]
    args += _system_binds()
    for path in _outermost([*python_paths(), *(Path(p) for p in readable)]):
        args += ["--ro-bind", str(path), str(path)]
    return [*args, "--remount-ro", "/", "--chdir", "/tmp"]


def _if_known(option: str, *values: str) -> list[str]:
    """`option` and its values if this bubblewrap has it (older ones lack a few)."""
    return [option, *values] if option in _bwrap_help() else []


@functools.cache
def _bwrap_help() -> str:
    try:
        done = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


def python_paths() -> list[Path]:
    """The folders the MicroPython command needs: the Python install, venv and the port."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for module in ("micropython_run", "micropython_unix"):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            paths.add(str(Path(spec.origin).parent))
    return [Path(p) for p in paths]


def _system_binds() -> list[str]:
    args: list[str] = []
    for name in SYSTEM_LIBS:
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    for name in SYSTEM_FILES:
        if Path(name).is_file():
            args += ["--ro-bind", name, name]
    return args


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Existing paths, as given and resolved, without those inside another (one bind does)."""
    absolute = {Path(os.path.abspath(p)) for p in paths if p.exists()}
    found = sorted(absolute | {p.resolve() for p in absolute}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in found:
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def apply_limits(limits: Limits) -> None:
    """Runs in the child between fork and exec: cap it, and let it die with its parent."""
    caps = (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_s),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_CORE, 0),
    )
    for which, value in caps:
        _lower(which, value)
    die_with_parent()


def _lower(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that started it goes away."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the caller's timeouts still apply
        pass
