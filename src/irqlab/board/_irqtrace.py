# The tracing layer: wraps whatever `machine` and `time` the board has (the real
# ones on a chip, the simulated ones on the unix port) and records what the
# program does as timestamped events. Same file on every target.
#
# The calls a handler makes (Pin.value, ticks_us, schedule, disable_irq, ...) must
# not allocate: a handler may run with the heap locked. So their wrappers take no
# *args, and tracing unlocks the heap around its own work.
import json
import sys

import micropython

_write = sys.stdout.write
_NO = object()  # "argument not given", without a *args tuple
_object_id = id  # (Pin and Timer take an argument named id)


def unlock_heap():
    # Unlock the heap completely and say how deep it was locked (the port has no
    # heap_locked(), and heap_unlock() below depth 0 wraps around).
    n = 0
    while True:
        try:
            bytearray(1)
            return n
        except MemoryError:
            micropython.heap_unlock()
            n += 1


def relock_heap(n):
    while n > 0:
        micropython.heap_lock()
        n -= 1


# What the program did, at a line of its own: these records end with where it was
# (for "enter", where the program was when the handler started).
_AT = ("enter", "leave", "print", "write", "irq", "timer", "sleep", "mask", "unmask", "exc")


class Tracer:
    def __init__(self, nonce, clock, max_output):
        self._pre = "\x1e" + nonce + " "
        self.clock = clock  # microseconds since the scenario started
        self.max_output = max_output
        self.output = 0
        self.in_handler = 0
        self.on_print = None  # the board's cost of printing (sim), or None
        self.stop = None  # ends the run: stop(reason, exit)
        self.traced = None  # the exception a handler wrapper already recorded
        self.hold = None  # the sim: enter/leave the board's own code (free, atomic)
        self.release = None
        self.strict = False  # run handlers with the heap locked
        self.heap_lock = micropython.heap_lock  # the board's (the sim keeps count)
        self.heap_unlock = micropython.heap_unlock
        self.where = None  # the sim: where the program is, file id * 1_000_000 + line
        # the sim: whether an exception prints without its message, as a board prints a
        # MemoryError raised with the heap locked before alloc_emergency_exception_buf()
        self.bare = lambda exc: False

    def _enter(self):
        # The tracer's own work: free on the sim, and done with the heap unlocked.
        if self.hold is not None:
            self.hold()
            return 0
        return unlock_heap()

    def _leave(self, locked):
        if self.hold is not None:
            self.release()
        else:
            relock_heap(locked)

    def emit_at(self, t_us, kind, a=_NO, b=_NO, c=_NO, d=_NO, e=_NO):
        locked = self._enter()
        rec = [t_us, kind]
        for x in (a, b, c, d, e):
            if x is _NO:
                break
            rec.append(x)
        if self.where is not None and kind in _AT:
            rec.append(self.where())
        _write(self._pre + json.dumps(rec) + "\n")
        self._leave(locked)

    def emit(self, kind, a=_NO, b=_NO, c=_NO, d=_NO, e=_NO):
        self.emit_at(self.clock(), kind, a, b, c, d, e)

    # --- called by the board (simulated or real) ---
    def want(self, upto_ns):
        # The sim asks the host for the world (irqlab.feed), from its own code: a record
        # the host takes off the trace, written plainly, as it comes every few ms.
        _write(self._pre + '[0,"want",%d]\n' % upto_ns)

    def edge(self, pin, level, t_us):
        self.emit_at(t_us, "edge", pin, level)

    def drop(self, source, t_us):
        self.emit_at(t_us, "drop", source.trace_name())

    def callback_error(self, exc):
        # The port prints an exception from a scheduled callback and goes on.
        locked = self._enter()
        if exc is not self.traced:
            self.exception(exc, "callback")
        self.traced = None
        self.emit("out", format_exception(exc, self.bare(exc)))
        self._leave(locked)

    def stats(self, high_water):
        self.emit("stats", high_water)

    # --- what the program does ---
    def print(self, *args, sep=" ", end="\n", file=None):
        if file is not None:
            print(*args, sep=sep, end=end, file=file)
            return
        text = sep.join([str(a) for a in args]) + end
        if self.on_print is not None:
            self.on_print(len(text))
        self.output += len(text)
        if self.output > self.max_output:
            self.emit("print", text[: max(0, len(text) - (self.output - self.max_output))])
            self.stop("output", None)
            return
        self.emit("print", text)

    def exception(self, exc, where):
        locked = self._enter()
        path, line = where_raised(exc)
        msg = as_the_board_says(str(exc)) if exc.args and not self.bare(exc) else ""
        self.emit("exc", type(exc).__name__, msg, path, line, where)
        self._leave(locked)

    def end(self, reason, exit):
        self.emit("end", reason, exit)


def as_the_board_says(text):
    # The unix port reports errors in MICROPY_ERROR_REPORTING_DETAILED, the ESP ports in
    # NORMAL: the one message that differs is py/bc.c fun_pos_args_mismatch's.
    i = text.find("() takes ")
    if i > 0 and " positional arguments but " in text:
        j = text.rfind(" ", 0, i) + 1  # after "TypeError: ", or 0
        return text[:j] + "function takes " + text[i + 9 :]
    return text


def format_exception(exc, bare=False):
    import io

    buf = io.StringIO()
    sys.print_exception(exc, buf)
    lines = [as_the_board_says(ln) for ln in buf.getvalue().split("\n") if "_irq" not in ln]
    if len(lines) > 1 and lines[0].startswith("Traceback") and not lines[1].startswith("  "):
        lines = lines[1:]  # only the board's frames: the port prints no header then
    if bare:
        lines = [
            type(exc).__name__ + ":" if ln.startswith(type(exc).__name__) else ln for ln in lines
        ]
    return "\n".join(lines)


def where_raised(exc):
    # The last frame in the program's own files: (file, line), or (None, None).
    text = format_exception(exc)
    path = None
    line = None
    for ln in text.split("\n"):
        ln = ln.strip()
        if ln.startswith('File "'):
            q = ln.index('"', 6)
            rest = ln[q + 1 :]
            if ", line " in rest:
                path = ln[6:q]
                line = int(rest.split(", line ")[1].split(",")[0])
    return path, line


def _name(f):
    try:
        return f.__name__
    except AttributeError:
        return repr(f)


def traced_machine(base, tr):
    # A module-like object with the board's machine API, traced.
    class _Machine:
        pass

    m = _Machine()
    _copy_api(base, m)
    # The board's own objects stay in this closure, never in an attribute the program
    # can read: pins by id, IRQs by pin id, timers by their proxy.
    pins = {}
    irqs = {}
    names = {}  # pin id -> the handler's name, as traced
    timers = {}

    class IRQ:
        def __init__(self, pin_id):
            self._id = pin_id

        def trigger(self, new=_NO):
            if new is _NO:
                return irqs[self._id].trigger()
            old = irqs[self._id].trigger(new)
            tr.emit("irq", self._id, new, names.get(self._id))
            return old

        def __call__(self):
            irqs[self._id]()

    class Pin:
        _proxies = {}

        def __new__(cls, id, *args, **kwargs):
            p = Pin._proxies.get(id)
            if p is None:
                p = object.__new__(cls)
                Pin._proxies[id] = p
            return p

        def __init__(self, id, *args, **kwargs):
            pins[id] = base.Pin(id, *args, **kwargs)
            self._id = id
            if not hasattr(self, "_written"):
                self._written = None  # the level last written, as traced
            if "value" in kwargs and kwargs["value"] is not None:
                self._written = 1 if kwargs["value"] else 0
                tr.emit("write", id, self._written)

        def init(self, *args, **kwargs):
            return pins[self._id].init(*args, **kwargs)

        def __repr__(self):
            return repr(pins[self._id])

        def value(self, x=_NO):
            if x is _NO:
                return pins[self._id].value()
            level = 1 if x else 0
            if level != self._written:  # a write that changes nothing is not news
                self._written = level
                tr.emit("write", self._id, level)
            pins[self._id].value(level)

        def __call__(self, x=_NO):
            return self.value(x)

        def on(self):
            self.value(1)

        def off(self):
            self.value(0)

        def toggle(self):
            self.value(1 - pins[self._id].value())

        def irq(self, handler=_NO, trigger=_NO, wake=_NO, hard=_NO, priority=_NO):
            # No *args or **kwargs: a handler may re-arm or disarm its IRQ, and the call
            # must allocate nothing (the port's is C). priority: other ports take it.
            p = pins[self._id]
            if priority is not _NO:
                raise TypeError("extra keyword arguments given")
            if handler is _NO and trigger is _NO and wake is _NO and hard is _NO:
                irqs[self._id] = p.irq()  # no arguments: nothing changes
                return IRQ(self._id)
            h = None if handler is _NO else handler
            t = base.Pin.IRQ_FALLING | base.Pin.IRQ_RISING if trigger is _NO else trigger
            wrapped = None if h is None else _wrap(tr, h, self, "pin%d" % self._id)
            if wake is not _NO and hard is not _NO:
                irqs[self._id] = p.irq(wrapped, t, wake=wake, hard=hard)
            elif wake is not _NO:
                irqs[self._id] = p.irq(wrapped, t, wake=wake)
            elif hard is not _NO:
                irqs[self._id] = p.irq(wrapped, t, hard=hard)
            else:
                irqs[self._id] = p.irq(wrapped, t)
            if t in (4, 5) and wake is not _NO and wake is not None:
                return IRQ(self._id)  # a level trigger with wake: the wake, not an IRQ
            names[self._id] = None if h is None else _name(h)
            tr.emit("irq", self._id, 0 if h is None else t, names[self._id])
            return IRQ(self._id)

    for key in dir(base.Pin):
        if not key.startswith("_") and key.isupper():
            setattr(Pin, key, getattr(base.Pin, key))

    class Timer:
        # One proxy per board timer: where the board keeps one object per id (ESP32),
        # Timer(0) is Timer(0) here too.
        _proxies = {}

        def __new__(cls, id, *args, **kwargs):
            b = base.Timer(id)
            t = Timer._proxies.get(_object_id(b))
            if t is None:
                t = object.__new__(cls)
                Timer._proxies[_object_id(b)] = t  # by id(): no board object in reach
                timers[t] = b
            return t

        def __init__(self, id, *args, **kwargs):
            self._id = id
            if args or kwargs:  # on the ESP8266 a TypeError: Timer(-1) takes only the id
                base.Timer(id, *args, **self._wrapped(kwargs))
                self._started(kwargs, kwargs.get("callback"))

        def _wrapped(self, kwargs):
            cb = kwargs.get("callback")
            if cb is None:
                return kwargs
            kw = dict(kwargs)
            kw["callback"] = _wrap(tr, cb, self, "timer%d" % self._id)
            return kw

        def _started(self, kwargs, cb):
            tr.emit("timer", self._id, kwargs.get("mode", 1), _name(cb) if cb else None)

        def init(self, *args, **kwargs):
            timers[self].init(*args, **self._wrapped(kwargs))
            self._started(kwargs, kwargs.get("callback"))

        def deinit(self):
            timers[self].deinit()
            tr.emit("timer", self._id, None, None)

        def value(self):
            return timers[self].value()

        def __repr__(self):
            return repr(timers[self])

    Timer.ONE_SHOT = base.Timer.ONE_SHOT
    Timer.PERIODIC = base.Timer.PERIODIC

    def disable_irq():
        state = base.disable_irq()
        tr.emit("mask")
        return state

    def enable_irq(state):
        tr.emit("unmask")
        base.enable_irq(state)

    def time_pulse_us(pin, pulse_level, timeout_us=1000000):
        # The board's function takes the board's pin, not this proxy.
        p = pins[pin._id] if isinstance(pin, Pin) else pin
        return base.time_pulse_us(p, pulse_level, timeout_us)

    def Signal(pin, *args, invert=False):
        if not isinstance(pin, Pin):
            pin = Pin(pin, *args)
        return base.Signal(pin, invert=invert)

    m.Pin = Pin
    m.Timer = Timer
    m.Signal = Signal
    if hasattr(base, "time_pulse_us"):
        m.time_pulse_us = time_pulse_us
    extra = ()
    if hasattr(base, "Counter"):
        m.Counter = _proxy_class(base.Counter, Pin, ("RISING", "FALLING", "UP", "DOWN"))
        m.Encoder = _proxy_class(base.Encoder, Pin, (), ("phases",))
        extra = (m.Counter, m.Encoder)
    m.disable_irq = disable_irq
    m.enable_irq = enable_irq
    if tr.hold is not None:
        guard_all(tr, m, (Pin, Timer, IRQ, base.Signal, base._IRQ) + extra)
        _quiet_pins(tr, Pin, pins, *base._fast())
    return m


def _quiet_pins(tr, Pin, pins, board, on_live):
    # The sim, while nothing can interrupt the program: Pin.value() and its kin without
    # the guard (no tick runs to break in), until the board goes live and puts the
    # guarded ones back. Same cost, same trace: this is the polling loop's hot path, so
    # the board's side is inlined (_QUIET_VALUE).
    guarded = [(k, Pin.__dict__[k]) for k in ("value", "__call__", "on", "off")]
    value = quiet_value_factory()(tr, pins, board, guarded[0][1], Pin.IN, _NO)

    def on(self):
        value(self, 1)

    def off(self):
        value(self, 0)

    for key, f in (("value", value), ("__call__", value), ("on", on), ("off", off)):
        setattr(Pin, key, f)

    def go_live():
        for key, f in guarded:
            setattr(Pin, key, f)

    on_live.append(go_live)


# Pin.value() on the quiet sim (_quiet_pins), as text: compiled to machine code where
# the port has a native emitter (about a third faster: the polling loop's hot path),
# else to bytecode; one text for both. Compiled in a namespace of its own, so that the
# program reaching the function's __globals__ finds nothing but this factory.
_QUIET_VALUE = """
def quiet_value(tr, pins, board, live_value, IN, NO):
    counter, units, catch_up, levels, links, counters, board_write, state = board
    {native}
    def value(self, x=NO):
        if counter[0] >= counter[3]:  # something is due once this call is charged
            if not state[0]:  # live: a bound method taken before, the guarded path
                return live_value(self, x)
            counter[0] += units
            catch_up()
        else:
            counter[0] += units
        pid = self._id
        if x is NO:
            return levels[pid]
        level = 1 if x else 0
        if level != self._written:  # a write that changes nothing is not news
            self._written = level
            tr.emit("write", pid, level)
        p = pins[pid]
        if pid in links or pid in counters:  # a jumper or a counter follows it
            board_write(p, level)
        else:
            p.out = level
            if p._mode is not None and p._mode != IN:
                levels[pid] = level
        return None

    return value
"""


def quiet_value_factory():
    # Before the program runs (a hardened board takes exec away then).
    for native in ("@micropython.native", ""):
        namespace = {}
        try:
            exec(_QUIET_VALUE.format(native=native), namespace)
        except (SyntaxError, ValueError):  # this port has no native emitter
            continue
        return namespace["quiet_value"]


def meter(counter, catch_up):
    # _irq_k(units, checks, value) and _irq_l for the instrumented program
    # (irqlab.instrument): a metered expression's cost, and a look at the clock, with no
    # branch (a branch would be a pending check the program does not have). A closure
    # here, so the program reaching it finds this module's globals, not the simulator's.
    def catch():
        catch_up()

    looks = (int, catch)  # int(): a builtin that does nothing much

    def _irq_k(units, checks, value=None):
        counter[0] += units + checks * counter[4]
        looks[counter[0] >= counter[2]]()
        return value

    return _irq_k, looks


def _pin_numbers(Pin, args, kwargs):
    # The port takes a pin's number wherever it takes a Pin (machine_pin_find): so the
    # board gets numbers for the program's Pin proxies.
    a = [x._id if isinstance(x, Pin) else x for x in args]
    kw = {}
    for k in kwargs:
        v = kwargs[k]
        kw[k] = v._id if isinstance(v, Pin) else v
    return a, kw


def _proxy_class(board_cls, Pin, constants, methods=(), tr=None):
    # A class of the board's (Counter, Encoder, esp32.PCNT: one object per unit) seen
    # through proxies: the board's objects stay in this closure, and a Pin proxy given
    # to it arrives as the pin's number. With `tr`, irq() handlers are traced.
    boards = {}

    class Proxy:
        _proxies = {}

        def __new__(cls, *args, **kwargs):
            a, kw = _pin_numbers(Pin, args, kwargs)
            b = board_cls(*a, **kw)
            p = Proxy._proxies.get(_object_id(b))
            if p is None:
                p = object.__new__(cls)
                Proxy._proxies[_object_id(b)] = p  # by id(): no board object in reach
                boards[p] = b
                if tr is not None:
                    p._source = "pcnt%d" % a[0]
                    p._irq = Proxy._IRQ(p)  # made once: irq() allocates nothing
            return p

        def init(self, *args, **kwargs):
            a, kw = _pin_numbers(Pin, args, kwargs)
            return boards[self].init(*a, **kw)

        def deinit(self):
            return boards[self].deinit()

        def value(self, value=_NO):
            if value is _NO:
                return boards[self].value()
            return boards[self].value(value)

        def __repr__(self):
            return repr(boards[self])

    for name in methods:
        setattr(Proxy, name, _forward_method(boards, name))
    for name in constants:
        setattr(Proxy, name, getattr(board_cls, name))
    if tr is not None:
        irqs = {}  # proxy -> the board's IRQ object

        class IRQ:
            def __init__(self, owner):
                self._owner = owner

            def flags(self):
                return irqs[self._owner].flags()

            def trigger(self, new=_NO):
                if new is _NO:
                    return irqs[self._owner].trigger()
                return irqs[self._owner].trigger(new)

            def __call__(self):
                irqs[self._owner]()

        def irq(self, handler=_NO, trigger=_NO):
            b = boards[self]
            if handler is _NO and trigger is _NO:
                irqs[self] = b.irq()
            else:
                h = None if handler is _NO else handler
                wrapped = None if h is None else _wrap(tr, h, self, self._source)
                irqs[self] = b.irq(wrapped) if trigger is _NO else b.irq(wrapped, trigger)
            return self._irq

        Proxy.irq = irq
        Proxy._IRQ = IRQ
    return Proxy


def _forward_method(boards, name):
    def method(self):
        return getattr(boards[self], name)()

    return method


def traced_esp32(base, tr, Pin):
    # The board's esp32 module, its PCNT seen through proxies (Pins as numbers, handlers
    # traced); on the sim, guarded as machine is.
    class _Esp32:
        pass

    m = _Esp32()
    _copy_api(base, m)
    if hasattr(base, "PCNT"):
        consts = [k for k in _names(base.PCNT) if k.isupper()]
        m.PCNT = _proxy_class(base.PCNT, Pin, consts, ("start", "stop"), tr)
        if tr.hold is not None:
            irq = m.PCNT.__dict__["irq"]
            guard_all(tr, m, (m.PCNT, m.PCNT._IRQ))
            m.PCNT.irq = _guard_irq(tr, irq)
    return m


def _guard_irq(tr, irq):
    # guard() for irq(handler, trigger), keywords too, allocating nothing: a handler
    # calls pcnt.irq().flags(), maybe with the heap locked.
    hold = tr.hold
    release = tr.release

    def guarded_irq(self, handler=_NO, trigger=_NO):
        hold()
        try:
            return irq(self, handler, trigger)
        finally:
            release()

    return guarded_irq


def _names(obj):
    # MicroPython's dir() of a module can miss names set through globals(): __dict__
    # has them all.
    return list(obj.__dict__ if hasattr(obj, "__dict__") else dir(obj))


def _copy_api(base, to, leave=()):
    # The module's public API, no more: not its private names, not the modules it
    # imported (on the sim, those lead to the simulator), not the names in `leave`.
    for key in _names(base):
        v = getattr(base, key)
        if not key.startswith("_") and type(v) is not type(sys) and key not in leave:
            setattr(to, key, v)


def public(module, leave=()):
    # What the program imports in place of a module: its API (but `leave`), not the module.
    class _Module:
        pass

    m = _Module()
    _copy_api(module, m, leave)
    return m


def _wrap(tr, handler, arg, source):
    # Runs the program's handler with enter/leave events around it; in strict mode
    # with the heap locked, so that the first allocation names its line.
    def traced(_):
        tr.emit("enter", source)
        tr.in_handler += 1
        try:
            if tr.strict:
                tr.heap_lock()
                try:
                    handler(arg)
                finally:
                    tr.heap_unlock()
            else:
                handler(arg)
        except BaseException as e:
            tr.exception(e, "handler")
            tr.traced = e
            raise
        finally:
            tr.in_handler -= 1
            tr.emit("leave", source)

    return traced


def traced_time(base, tr):
    class _Time:
        pass

    t = _Time()
    _copy_api(base, t)

    def _where():
        return "handler" if tr.in_handler else "main"

    def sleep(s):
        tr.emit("sleep", int(s * 1_000_000), _where())
        base.sleep(s)

    def sleep_ms(ms):
        tr.emit("sleep", int(ms) * 1000, _where())
        base.sleep_ms(ms)

    def sleep_us(us):
        tr.emit("sleep", int(us), _where())
        base.sleep_us(us)

    t.sleep = sleep
    t.sleep_ms = sleep_ms
    t.sleep_us = sleep_us
    if tr.hold is not None:
        guard_all(tr, t)
    return t


# --- the sim: API calls stand in for the port's C code ---

_FAST = ("value", "__call__", "on", "off", "toggle", "trigger", "deinit", "flags")


def guard(tr, f, fast=False):
    # An API call on the sim: atomic (no callbacks inside), charged by the board alone,
    # and, like the port's C, working when the program locked the heap (hold() lifts
    # the lock). `fast` ones take at most 3 positional arguments and allocate nothing
    # to be called.
    # (The simulator stays in this closure: a wrapper's __globals__ are this module's.)
    hold = tr.hold
    release = tr.release
    if fast:

        def guarded_fast(a=_NO, b=_NO, c=_NO):
            hold()
            try:
                if a is _NO:
                    return f()
                if b is _NO:
                    return f(a)
                if c is _NO:
                    return f(a, b)
                return f(a, b, c)
            finally:
                release()

        return guarded_fast

    if tr.strict:
        return _guard_bound(f, hold, release)

    def guarded(*args, **kwargs):
        hold()
        try:
            return f(*args, **kwargs)
        finally:
            release()

    return guarded


# The keywords the board's API takes (Pin, irq, Timer, Signal, Counter, poll).
_KEYWORDS = (
    "mode", "pull", "value", "drive", "hold", "handler", "trigger", "wake", "hard",
    "priority", "callback", "period", "tick_hz", "freq", "invert", "timeout_us", "src",
    "edge", "direction", "filter_ns", "flags", "timeout",
)  # fmt: skip


def _guard_bound(f, enter, leave):
    # With the heap locked (strict-ISR runs), calling a *args/**kwargs wrapper allocates its
    # tuple and dict, and calling a closure with more than 5 arguments and cells allocates
    # too (py/objclosure.c), all at the program's line, where the port's C call allocates
    # nothing. This one binds named parameters only, holds the board's function in a
    # default (no cell; MicroPython has no __defaults__), and builds the call once enter()
    # has lifted the lock. A keyword the board's API never takes is a TypeError, as there.
    def guarded(
        a=_NO, b=_NO, c=_NO, d=_NO, e=_NO, g=_NO, *, mode=_NO, pull=_NO, value=_NO,
        drive=_NO, hold=_NO, handler=_NO, trigger=_NO, wake=_NO, hard=_NO, priority=_NO,
        callback=_NO, period=_NO, tick_hz=_NO, freq=_NO, invert=_NO, timeout_us=_NO,
        src=_NO, edge=_NO, direction=_NO, filter_ns=_NO, flags=_NO, timeout=_NO,
        _api=(f, enter, leave),
    ):  # fmt: skip
        _api[1]()
        try:
            given = (mode, pull, value, drive, hold, handler, trigger, wake, hard, priority,
                     callback, period, tick_hz, freq, invert, timeout_us, src, edge,
                     direction, filter_ns, flags, timeout)  # fmt: skip
            kwargs = {k: v for k, v in zip(_KEYWORDS, given) if v is not _NO}
            return _api[0](*[x for x in (a, b, c, d, e, g) if x is not _NO], **kwargs)
        finally:
            _api[2]()

    return guarded


def _closure():
    x = 0

    def inner():
        return x

    return inner


_CODE_TYPES = (type(_name), type(_closure()))  # builtins are "function" too, but other types


def _is_function(f):
    # Python code (plain or closure), not a builtin or a class.
    return type(f) in _CODE_TYPES


_UNGUARDED = ("heap_lock", "heap_unlock")  # they act on the program's side: forwarded


def _forward(f):
    # A plain call, from a closure: the program reaches the function, not its module.
    def forward(a=_NO):
        return f() if a is _NO else f(a)

    return forward


def guard_all(tr, module, classes=()):
    for key in _names(module):
        f = getattr(module, key)
        if key.startswith("_") or not _is_function(f):
            continue
        setattr(module, key, _forward(f) if key in _UNGUARDED else guard(tr, f, key != "Signal"))
    for cls in classes:
        for key in _names(cls):
            if key.startswith("__") and key not in ("__init__", "__call__", "__repr__"):
                continue
            f = cls.__dict__.get(key)
            if f is not None and _is_function(f):
                setattr(cls, key, guard(tr, f, key in _FAST))
