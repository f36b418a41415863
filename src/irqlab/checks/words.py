"""How failures say times and counts: '1.204 s', '412 ms', '3 presses'."""

from __future__ import annotations

from collections.abc import Sequence

from irqlab.trace import PrintedLine

MAX_LISTED = 5  # times listed in one message before "and N more"


def sec(t_us: int) -> str:
    """A moment of the run: '1.204 s'."""
    return f"{t_us / 1e6:.3f} s"


def msec(d_us: int) -> str:
    """A duration: '412 ms', or '0.35 ms' below 10 ms."""
    return f"{d_us / 1000:.0f} ms" if abs(d_us) >= 10_000 else f"{d_us / 1000:.2f} ms"


def msec_past(d_us: int, limit_us: int) -> str:
    """A duration beside the limit it broke, never reading the same: '60.412 ms', not '60 ms'
    against a 60 ms limit."""
    said_ = msec(d_us)
    return said_ if said_ != msec(limit_us) else f"{d_us / 1000:.3f} ms"


def moments(times: Sequence[int]) -> str:
    """'1.000, 2.000 and 3.000 s' (at most MAX_LISTED, then 'and N more'); 'nowhere' for none."""
    if not times:
        return "nowhere"
    shown = [f"{t / 1e6:.3f}" for t in times[:MAX_LISTED]]
    if len(times) > MAX_LISTED:
        return ", ".join(shown) + f" s and {len(times) - MAX_LISTED} more"
    if len(shown) == 1:
        return shown[0] + " s"
    return ", ".join(shown[:-1]) + " and " + shown[-1] + " s"


def printed(lines: Sequence[PrintedLine], name: str) -> str:
    """'PRESS lines came at 1.000 and 2.000 s', or 'no PRESS line was printed at all'."""
    if not lines:
        return f"no {name} line was printed at all"
    return f"{name} lines came at {moments([ln.t_us for ln in lines])}"


def said(lines: Sequence[PrintedLine]) -> str:
    """'PRESS at 1.000 and 1.004 s' when the lines read the same, else 'PRESS 1 at 1.000 s,
    PRESS 2 at 1.004 s'."""
    if len({ln.text for ln in lines}) == 1:
        return f"{lines[0].text} at {moments([ln.t_us for ln in lines])}"
    return ", ".join(f"{ln.text} at {sec(ln.t_us)}" for ln in lines[:MAX_LISTED])


def plural(n: int, word: str) -> str:
    """'no press', '1 press', '3 presses', '2 lines'."""
    if n == 0:
        return f"no {word}"
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith(("s", "sh", "ch", "x")) else f"{n} {word}s"
