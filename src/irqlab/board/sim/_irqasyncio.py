# The simulated board's `_asyncio`: the task queue and Task class that MicroPython's
# frozen `asyncio/core.py` imports (`from _asyncio import TaskQueue, Task`), written in
# Python so that every time stamp comes from the board's `time` (its virtual clock).
#
# The port's C module stamps `push(task)` (no key) with the real mp_hal_ticks_ms(), while
# core.py reads `time.ticks_ms()`: on the virtual clock that would mix two clocks. The board
# puts this module in sys.modules["_asyncio"] before the program imports asyncio. It binds
# ticks_ms/ticks_diff of the `time` module in sys.modules when it is imported, and never
# reads another clock.
#
# Behaviour follows the C module (extmod/modasyncio.c): same attributes, same task states,
# same cancel rules, same error messages.
#
# Task.state:
#   True          running, nobody waits on it
#   a TaskQueue   running, the tasks in it wait for it to finish (`await task`)
#   a callable    running, called as state(task, exc) when it finishes (gather)
#   None          finished, nobody has waited on it (yet)
#   False         finished, and waited on
# Task.data: what the task waits on (a TaskQueue or the IOQueue, anything with .remove(),
# or the Task it awaits), the exception to throw into it when it next runs (cancel), or,
# once it has finished, the exception that ended it (StopIteration carries the result).
import sys
from time import ticks_diff, ticks_ms

# The asyncio.core globals (cur_task, _task_queue, CancelledError): core.py passes them
# as Task(coro, globals()), as it does to the C Task.
_ctx = None


def _context():
    if _ctx is None:
        return sys.modules["asyncio.core"].__dict__
    return _ctx


class TaskQueue:
    # Tasks sorted by ph_key (ticks, compared with ticks_diff so they may wrap). A task
    # goes after every task with the same key: first in, first out among equal keys.
    # Most pushes are "now", at or after the last key: those append.

    def __init__(self):
        self.q = []

    def peek(self):
        q = self.q
        if q:
            return q[0]
        return None

    def push(self, v, key=None):
        v.data = None
        if key is None:
            key = ticks_ms()
        v.ph_key = key
        q = self.q
        n = len(q)
        if n == 0 or ticks_diff(q[n - 1].ph_key, key) <= 0:
            q.append(v)
            return
        # Binary search for the first task due strictly after key.
        lo = 0
        while lo < n:
            mid = (lo + n) >> 1
            if ticks_diff(q[mid].ph_key, key) > 0:
                n = mid
            else:
                lo = mid + 1
        q.insert(lo, v)

    def pop(self):
        q = self.q
        if not q:
            raise IndexError("empty heap")
        return q.pop(0)

    def remove(self, v):
        # Removing a task that is not queued does nothing, as in C.
        q = self.q
        if v in q:
            q.remove(v)

    def __repr__(self):
        return "<TaskQueue>"


class Task:
    def __init__(self, coro, globals=None):
        global _ctx
        self.coro = coro
        self.data = None
        self.state = True
        self.ph_key = 0
        if globals is not None:
            _ctx = globals

    def __repr__(self):
        return "<Task>"

    def done(self):
        s = self.state
        return s is None or s is False

    def cancel(self):
        s = self.state
        if s is None or s is False:
            return False
        ctx = _context()
        if self is ctx["cur_task"]:
            raise RuntimeError("can't cancel self")
        # A task awaiting another task: the cancel goes to the task it awaits.
        while isinstance(self.data, Task):
            self = self.data
        q = ctx["_task_queue"]
        remove = getattr(self.data, "remove", None)
        if remove is not None:
            # Waiting on an Event/Lock queue, the IO queue, or a gather: take it off
            # there and run it now.
            remove(self)
            q.push(self)
        elif ticks_diff(self.ph_key, ticks_ms()) > 0:
            # On the run queue, due later (sleeping): bring it forward to now.
            q.remove(self)
            q.push(self)
        self.data = ctx["CancelledError"]
        return True

    # `await task` / `yield from task`.
    def __iter__(self):
        s = self.state
        if s is None or s is False:
            # Finished: it now counts as waited on.
            self.state = False
        elif s is True:
            self.state = TaskQueue()
        elif type(s) is not TaskQueue:
            # state holds a callback (gather): it cannot be waited on as well.
            raise RuntimeError("can't wait")
        return self

    def __next__(self):
        s = self.state
        if s is None or s is False:
            # Finished: raise what ended it (a StopIteration carries its result).
            raise self.data
        # Running: park the current task on this task's waiters, linked both ways.
        cur = _context()["cur_task"]
        s.push(cur)
        cur.data = self


# `await` on a finished task re-raises the exception that ended it. A bytecode __next__
# adds its own line to that exception's traceback (File "_asyncio.py", in __next__), which
# the C Task does not; native code adds none. The port has a native emitter on x86/x64,
# not on arm64: there, compiling this raises SyntaxError and the bytecode __next__ stays
# (as it does if this module is imported after a hardened board took `exec` away).
_NATIVE_NEXT = """
@micropython.native
def _native_next(self):
    s = self.state
    if s is None or s is False:
        raise self.data
    cur = _context()["cur_task"]
    s.push(cur)
    cur.data = self
"""


def _use_native_next():
    g = globals()
    try:
        exec(_NATIVE_NEXT, g)
    except Exception:
        return
    Task.__next__ = g.pop("_native_next")


_use_native_next()
