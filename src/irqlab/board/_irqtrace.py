# The tracing layer: wraps whatever `machine` and `time` the board has (the real
# ones on a chip, the simulated ones on the unix port) and records what the
# program does as timestamped events. Same file on every target.
import json
import sys

_write = sys.stdout.write


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

    def emit_at(self, t_us, kind, *fields):
        _write(self._pre + json.dumps([t_us, kind] + list(fields)) + "\n")

    def emit(self, kind, *fields):
        self.emit_at(self.clock(), kind, *fields)

    # --- called by the board (simulated or real) ---
    def edge(self, pin, level, t_us):
        self.emit_at(t_us, "edge", pin, level)

    def drop(self, source, t_us):
        self.emit_at(t_us, "drop", source.trace_name())

    def callback_error(self, exc):
        # The port prints an exception from a scheduled callback and goes on.
        if exc is not self.traced:
            self.exception(exc, "callback")
        self.traced = None
        self.emit("out", format_exception(exc))

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
        path, line = where_raised(exc)
        msg = str(exc) if exc.args else ""
        self.emit("exc", type(exc).__name__, msg, path, line, where)

    def end(self, reason, exit):
        self.emit("end", reason, exit)


def format_exception(exc):
    import io

    buf = io.StringIO()
    sys.print_exception(exc, buf)
    lines = buf.getvalue().split("\n")
    return "\n".join([ln for ln in lines if "_irq" not in ln])


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
    for key in dir(base):
        if not key.startswith("__"):
            setattr(m, key, getattr(base, key))

    class Pin:
        _proxies = {}

        def __new__(cls, id, *args, **kwargs):
            p = Pin._proxies.get(id)
            if p is None:
                p = object.__new__(cls)
                Pin._proxies[id] = p
            return p

        def __init__(self, id, *args, **kwargs):
            self._p = base.Pin(id, *args, **kwargs)
            self._id = id
            if "value" in kwargs and kwargs["value"] is not None:
                tr.emit("write", id, 1 if kwargs["value"] else 0)

        def init(self, *args, **kwargs):
            return self._p.init(*args, **kwargs)

        def __repr__(self):
            return repr(self._p)

        def value(self, *args):
            if not args:
                return self._p.value()
            self._p.value(*args)
            tr.emit("write", self._id, 1 if args[0] else 0)

        def __call__(self, *args):
            return self.value(*args)

        def on(self):
            self.value(1)

        def off(self):
            self.value(0)

        def irq(self, handler=None, trigger=None, **kwargs):
            if trigger is None:
                trigger = base.Pin.IRQ_FALLING | base.Pin.IRQ_RISING
            wrapped = None
            if handler is not None:
                wrapped = _wrap(tr, handler, self, "pin%d" % self._id)
            irq = self._p.irq(handler=wrapped, trigger=trigger, **kwargs)
            tr.emit("irq", self._id, trigger if handler else 0, _name(handler) if handler else None)
            return irq

    for key in dir(base.Pin):
        if not key.startswith("_") and key.isupper():
            setattr(Pin, key, getattr(base.Pin, key))

    class Timer:
        def __init__(self, id, *args, **kwargs):
            self._t = base.Timer(id)
            self._id = id
            if args or kwargs:
                self.init(*args, **kwargs)

        def init(self, *args, **kwargs):
            cb = kwargs.get("callback")
            if cb is not None:
                kwargs["callback"] = _wrap(tr, cb, self, "timer%d" % self._id)
            self._t.init(*args, **kwargs)
            tr.emit("timer", self._id, kwargs.get("mode", 1), _name(cb) if cb else None)

        def deinit(self):
            self._t.deinit()
            tr.emit("timer", self._id, None, None)

        def value(self):
            return self._t.value()

        def __repr__(self):
            return repr(self._t)

    Timer.ONE_SHOT = base.Timer.ONE_SHOT
    Timer.PERIODIC = base.Timer.PERIODIC

    def disable_irq():
        state = base.disable_irq()
        tr.emit("mask")
        return state

    def enable_irq(state):
        tr.emit("unmask")
        base.enable_irq(state)

    def Signal(pin, *args, invert=False):
        if not isinstance(pin, Pin):
            pin = Pin(pin, *args)
        return base.Signal(pin, invert=invert)

    m.Pin = Pin
    m.Timer = Timer
    m.Signal = Signal
    m.disable_irq = disable_irq
    m.enable_irq = enable_irq
    return m


def _wrap(tr, handler, arg, source):
    # Runs the program's handler with enter/leave events around it.
    def traced(_):
        tr.emit("enter", source)
        tr.in_handler += 1
        try:
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
    for key in dir(base):
        if not key.startswith("__"):
            setattr(t, key, getattr(base, key))

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
    return t
