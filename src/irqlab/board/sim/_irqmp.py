# The simulated `micropython` module: everything of the real one, with the
# board's scheduler queue (depth 8 on ESP32) in place of the unix port's.
import _irqsim as _sim
import micropython as _real

# What the boards' micropython module has (py/modmicropython.c as they build it); the
# unix port's memory statistics (mem_total, mem_current, mem_peak) are not among it.
for _name in ("const", "opt_level", "mem_info", "qstr_info", "stack_use", "kbd_intr", "RingIO"):
    if hasattr(_real, _name):
        globals()[_name] = getattr(_real, _name)


def schedule(func, arg):
    _sim.schedule(func, arg)


def alloc_emergency_exception_buf(size):
    # Until a program asks for one (>= 52 bytes), a MemoryError raised with the heap
    # locked has no message on the board (py/objexcept.c): the sim says so too.
    _sim.emergency_buf = size


def heap_lock():
    _sim.heap_lock()


def heap_unlock():
    return _sim.heap_unlock()
