# The simulated `time` (and `utime`): the port's API on the virtual clock.
# ticks_* wrap at 2**30 as on the boards; the clock can start just before the wrap.
import time as _rtime

import _irqsim as _sim

_PERIOD = 1 << 30
_MASK = _PERIOD - 1
_HALF = _PERIOD >> 1
_ms0 = 0
_us0 = 0
_EPOCH_2000 = 946684800  # the boards count time() from 2000-01-01


def _configure(ticks_ms_start):
    global _ms0, _us0
    _ms0 = ticks_ms_start & _MASK
    _us0 = (ticks_ms_start * 1000) & _MASK


def ticks_ms():
    _sim.call()
    return (_ms0 + _sim.now // 1_000_000) & _MASK


def ticks_us():
    _sim.call()
    return (_us0 + _sim.now // 1000) & _MASK


def ticks_cpu():
    _sim.call()
    return (_sim.now * 240 // 1000) & _MASK


def ticks_add(ticks, delta):
    if delta <= -_HALF or delta >= _HALF:
        raise OverflowError("ticks interval overflow")
    return (ticks + delta) & _MASK


def ticks_diff(end, start):
    return ((end - start + _HALF) & _MASK) - _HALF


def sleep_ms(ms):
    _sim.call()
    if ms > 0:
        _sim.sleep_ns(int(ms) * 1_000_000)
    else:
        _sim.pending_once()


def sleep_us(us):
    _sim.call()
    if us > 0:
        _sim.sleep_ns(int(us) * 1000)


def sleep(seconds):
    # The port sleeps whole milliseconds: sleep(0.0005) does not wait.
    _sim.call()
    ms = int(1000 * seconds)
    if ms > 0:
        _sim.sleep_ns(ms * 1_000_000)
    else:
        _sim.pending_once()


def time():
    return _sim.now_ns() // 1_000_000_000


def time_ns():
    # On a 32-bit board a value of 2**30 or more is a long int: making it allocates,
    # which fails with the heap locked (py/smallint.h; the unix port's are 63-bit).
    t = _sim.now_ns()
    if t >= 1 << 30 and _sim.heap_depth:
        raise MemoryError("memory allocation failed, heap is locked")
    return t


def gmtime(secs=None):
    if secs is None:
        secs = time()
    return _rtime.gmtime(secs + _EPOCH_2000)


localtime = gmtime


def mktime(tup):
    return _rtime.mktime(tup) - _EPOCH_2000
