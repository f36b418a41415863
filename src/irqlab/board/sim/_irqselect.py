# The simulated `select`: poll() waits on the board's clock, as asyncio's loop does
# on a board (extmod/modselect.c poll_poll_internal): each pass runs one pending
# callback, then asks every registered object whether it is ready; it returns when
# one is or when the timeout has passed. Objects answer through their Python
# ioctl(MP_STREAM_POLL, flags), as asyncio's ThreadSafeFlag does. A real stream (the
# console that mpremote talks to a virtual board through) is I/O with the host: a
# poll that has one waits on it in real time, with the board's clock stopped.
import io
import select as _real

import _irqsim as _sim

POLLIN = 1
POLLOUT = 4
POLLERR = 8
POLLHUP = 16
_MP_STREAM_POLL = 3


class _Poll:
    def __init__(self):
        self._objs = []  # [obj, flags] pairs
        self._ready = []  # (obj, events) found by the last wait

    def _find(self, obj):
        for entry in self._objs:
            if entry[0] is obj:
                return entry
        return None

    def register(self, obj, flags=POLLIN | POLLOUT):
        entry = self._find(obj)
        if entry is None:
            self._objs.append([obj, flags])
        else:
            entry[1] = flags

    def modify(self, obj, flags):
        entry = self._find(obj)
        if entry is None:
            raise OSError(2)  # ENOENT, as the port raises
        entry[1] = flags

    def unregister(self, obj):
        entry = self._find(obj)
        if entry is not None:
            self._objs.remove(entry)

    def _check(self):
        self._ready = []
        for obj, flags in self._objs:
            ev = _events(obj, flags)
            if ev:
                self._ready.append((obj, ev))
        return len(self._ready) > 0

    def _wait(self, timeout_ms):
        real = [o for o, _ in self._objs if not isinstance(o, io.IOBase)]
        if real:
            return _real_wait(self._objs, timeout_ms)
        ns = -1 if timeout_ms is None or timeout_ms < 0 else int(timeout_ms) * 1_000_000
        if not self._check() and ns:
            # A wait, in the trace as a sleep (-1: until something is ready)
            _sim.tracer.emit("sleep", ns // 1000 if ns > 0 else -1, "main")
            _sim.wait_ns(ns, self._check)
        return self._ready

    def poll(self, timeout=-1):
        return list(self._wait(timeout))

    def ipoll(self, timeout=-1, flags=0):
        return iter(self._wait(timeout))


def _real_wait(objs, timeout_ms):
    p = _real.poll()
    for obj, flags in objs:
        if not isinstance(obj, io.IOBase):
            p.register(obj, flags)
    return p.poll(-1 if timeout_ms is None else timeout_ms)


def _events(obj, flags):
    try:
        ioctl = obj.ioctl
    except AttributeError:
        return 0
    try:
        ev = ioctl(_MP_STREAM_POLL, flags | POLLERR | POLLHUP)
    except OSError:
        return 0
    return ev if ev and ev > 0 else 0


def poll():
    return _Poll()
