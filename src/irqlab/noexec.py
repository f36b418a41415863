"""Start MicroPython in this process with no way to start another program or process.

The sandbox runs this file's text with `python -c` (it imports nothing of irqlab, which the
sandbox does not show): it loads a seccomp filter that answers execve and execveat, fork,
vfork and clone without CLONE_THREAD with EPERM (clone3 with ENOSYS, so that threads fall
back to clone, whose flags the filter can read), then runs the unix port in-process.
A filter can't be loaded before bubblewrap's own exec, which is why it is loaded here.
If it can't be loaded, nothing runs: exit status 125 and one line on stderr.

    python -c "$(cat noexec.py)" MICROPYTHON-ARGS...
"""

from __future__ import annotations

import ctypes
import platform
import struct
import sys

REFUSED = 125  # the exit status when the filter could not be loaded
MARK = "irqlab-noexec: "  # how that refusal starts on stderr
NEVER = 0xFFFFFFFF  # a syscall number no call has
# arch token, then execve, execveat, fork, vfork, clone, clone3
SYSCALLS = {
    "x86_64": (0xC000003E, 59, 322, 57, 58, 56, 435),
    "aarch64": (0xC00000B7, 221, 281, NEVER, NEVER, 220, 435),
}
X32 = 0x40000000  # x86_64's other ABI: refused whole
CLONE_THREAD = 0x10000
ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x00050000 | 1, 0x00050000 | 38
LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (ARG0: its low 32 bits)


def program(machine: str) -> bytes:
    """The filter, as struct sock_filter[]; raises KeyError on an unknown machine."""
    arch, execve, execveat, fork, vfork, clone, clone3 = SYSCALLS[machine]
    code = [
        (LD, 0, 0, ARCH),
        (JEQ, 1, 0, arch),  # 1
        (RET, 0, 0, KILL),
        (LD, 0, 0, NR),  # 3
        (JGE, 6, 0, X32),  # 4 -> 11
        (JEQ, 5, 0, execve),  # 5 -> 11
        (JEQ, 4, 0, execveat),  # 6 -> 11
        (JEQ, 3, 0, fork),  # 7 -> 11
        (JEQ, 2, 0, vfork),  # 8 -> 11
        (JEQ, 2, 0, clone3),  # 9 -> 12
        (JEQ, 3, 2, clone),  # 10 -> 14, any other call -> 13
        (RET, 0, 0, EPERM),  # 11
        (RET, 0, 0, ENOSYS),  # 12
        (RET, 0, 0, ALLOW),  # 13
        (LD, 0, 0, ARG0),  # 14
        (JSET, 0, 1, CLONE_THREAD),  # 15: a thread -> 16, a process -> 17
        (RET, 0, 0, ALLOW),  # 16
        (RET, 0, 0, EPERM),  # 17
    ]
    return b"".join(struct.pack("HBBI", *op) for op in code)


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load(machine: str) -> None:
    """Load the filter on this thread and every one it starts; raise OSError if it can't."""
    code = program(machine)
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _Prog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP failed")


def main(argv: list[str]) -> int:
    try:
        load(platform.machine())
    except (KeyError, OSError, AttributeError) as e:
        print(f"{MARK}no seccomp filter here ({type(e).__name__}: {e})", file=sys.stderr)
        return REFUSED
    if argv[:1] == ["--probe"]:  # the sandbox's own test: the filter holds
        return 0
    from micropython_unix import run_main

    return int(run_main(["micropython", *argv]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
