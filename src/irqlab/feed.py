"""The world's future stays on the host: the simulated board gets it a window at a time.

The board asks for the world's edges (`ask(upto)`), and the host answers with every edge from
where the last answer stopped (its horizon) to `upto + LOOKAHEAD_NS`. The board asks with
`upto` = now while the program runs, and with `upto` = the end of the wait while it sleeps or
polls (a sleep commits it to that time: the program cannot act before then but through its
handlers). So the program's VM never holds more than LOOKAHEAD_NS of the world past the later
of its clock and the end of the wait it was in when it asked: at most 10 ms of the future.

It asks half a lookahead before its horizon and takes the answer when its clock gets there, so
the host answers while the board runs on: a program that polls without sleeping does not wait
for the host every few hundred passes. The bound is what a program that could read the board's
memory (it cannot: irqlab.harden, DESIGN.md) might learn of what is to come: 10 ms, against the
100 ms of a press or the few ms of a bounce train, and the 1 ms that would be enough to deliver
an edge at the exact pending check.
"""

from __future__ import annotations

import bisect
import struct

from irqlab.scenario import Compiled, Wave

LOOKAHEAD_NS = 10_000_000
MAX_WINDOW = 2_048  # edges in one answer (18 KiB of the board's heap); a longer wait asks again


class Feed:
    """Hands out the edges of a compiled world, in time order, window after window."""

    def __init__(self, compiled: Compiled, end_ns: int) -> None:
        self.end_ns = end_ns
        self.horizon = 0  # the board knows every edge before this time (ns)
        self._times = [t * 1000 for t, _, _ in compiled.pulses]
        self._codes = [pin * 2 + level for _, pin, level in compiled.pulses]
        self._waves = list(compiled.waves)

    def window(self, upto_ns: int) -> tuple[int, list[tuple[int, int]]]:
        """(new horizon, [(t_ns, pin * 2 + level), ...]) for the edges from the old horizon on."""
        start = self.horizon
        stop = min(max(upto_ns + LOOKAHEAD_NS, start), self.end_ns + 1)
        edges = self._pulses(start, stop) + [e for w in self._waves for e in _wave(w, start, stop)]
        edges.sort(key=lambda e: e[0])  # stable: pulses first, then waves in order, on ties
        if len(edges) > MAX_WINDOW:
            stop = edges[MAX_WINDOW][0]
            edges = [e for e in edges if e[0] < stop]
        self.horizon = stop
        return stop, edges

    def answer(self, upto_ns: int) -> bytes:
        """The window packed for the board: horizon and count, then times, then codes."""
        horizon, edges = self.window(upto_ns)
        n = len(edges)
        head = struct.pack("<qI", horizon, n)
        times = struct.pack(f"<{n}q", *(t for t, _ in edges))
        return head + times + bytes(c for _, c in edges)

    def _pulses(self, start: int, stop: int) -> list[tuple[int, int]]:
        lo = bisect.bisect_left(self._times, start)
        hi = bisect.bisect_left(self._times, stop)
        return list(zip(self._times[lo:hi], self._codes[lo:hi], strict=True))


def _wave(w: Wave, start: int, stop: int) -> list[tuple[int, int]]:
    """A square wave's edges in [start, stop): a rise at each period's start before its stop,
    and the fall `high_ns` later (even past its stop)."""
    rise, fall = w.pin * 2 + (1 - w.idle), w.pin * 2 + w.idle
    k = max(0, (start - w.high_ns - w.start_ns) // w.period_ns)
    out: list[tuple[int, int]] = []
    t = w.start_ns + k * w.period_ns
    while t < stop and t < w.stop_ns:
        if t >= start:
            out.append((t, rise))
        if start <= t + w.high_ns < stop:
            out.append((t + w.high_ns, fall))
        t += w.period_ns
    return out
