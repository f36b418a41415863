# The simulated `micropython` module: everything of the real one, with the
# board's scheduler queue (depth 8 on ESP32) in place of the unix port's.
import _irqsim as _sim
from micropython import *  # noqa: F403


def schedule(func, arg):
    _sim.schedule(func, arg)


def alloc_emergency_exception_buf(size):
    return None


def heap_lock():
    _sim.heap_lock()


def heap_unlock():
    return _sim.heap_unlock()
