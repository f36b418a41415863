# The virtual board's firmware: what the unix port runs before its REPL, so that a program
# and mpremote see an ESP32 (or ESP8266) with the lab kit wired to it: the simulated
# `machine`, `time` and `micropython`, the lab kit's jumpers (GPIO4 -> GPIO5, GPIO16 ->
# GPIO17), and on the ESP32 the RMT.
# Usage: micropython -i -c "import _irqvboard; _irqvboard.boot('BOOT.json'); del _irqvboard"
import json
import os as _real_os
import sys
import time as _real_time  # the wall clock, before the sim's takes its name


class _Port:
    # What a real port shows of its hardware: nothing of edges or dropped IRQs, and the
    # traceback of a failed soft callback, printed.
    def edge(self, pin, level, t_us):
        pass

    def drop(self, source, t_us):
        pass

    def callback_error(self, exc):
        sys.print_exception(exc)

    def emit(self, *record):
        pass


_clock = None
_ctrl_c = None


def _never_ends():
    pass


def _halted(reason, what):
    print(what)  # a reset's panic line, or what the program did to the board


def _no_world(end):
    # The virtual board's world is its jumpers alone: no edge ever comes from outside.
    from array import array

    return (lambda upto: None), (lambda: (end + 1, array("q"), b""))


def _guard(sim, f):
    # The board's API is C on a real port: atomic, and charged by the sim's cost model.
    def guarded(*args, **kwargs):
        _clock.restart()
        sim.hold()
        try:
            _ctrl_c.poll()  # held: it costs the program no virtual time
            return f(*args, **kwargs)
        finally:
            sim.release()

    return guarded


def _guard_all(sim, module, classes):
    for key in dir(module):
        f = getattr(module, key)
        if not key.startswith("_") and callable(f) and not isinstance(f, type):
            setattr(module, key, _guard(sim, f))
    for cls in classes:
        for key in dir(cls):
            if key.startswith("__") and key not in ("__init__", "__call__", "__repr__"):
                continue
            f = cls.__dict__.get(key)
            if f is not None and callable(f) and not isinstance(f, type):
                setattr(cls, key, _guard(sim, f))


def _os():
    # A board's os: "" is the current folder (mpremote's `cp a b :`), and ilistdir() gives
    # each file's size too (mpremote's `fs ls` shows it).
    import os

    class _Os:
        pass

    wrapped = _Os()
    for key in dir(os):
        if not key.startswith("__"):
            setattr(wrapped, key, getattr(os, key))

    def ilistdir(path="."):
        path = path or "."
        for e in os.ilistdir(path):
            size = os.stat(path + "/" + e[0])[6] if e[1] == 0x8000 else 0
            yield (e[0], e[1], e[2], size)

    def listdir(path="."):
        return os.listdir(path or ".")

    def stat(path):
        return os.stat(path or ".")

    wrapped.ilistdir = ilistdir
    wrapped.listdir = listdir
    wrapped.stat = stat
    return wrapped


def _kbd_intr(path):
    # The board's UART sees Ctrl-C, and mpremote turns that off while it moves files:
    # tell the line (vboard.py), which raises SIGINT here for a Ctrl-C when it is on.
    def kbd_intr(chr):
        with open(path, "w") as f:
            f.write(str(chr))

    return kbd_intr


class _Clock:
    # The sim's clock is a callback that runs at nearly every pending check, so a Ctrl-C
    # mostly lands in it, where the scheduler would print it and carry on. Catch it there,
    # stop the clock (so that no callback runs until the program calls the board again)
    # and ask the line (vboard.py) for another SIGINT, which then lands in the program.
    def __init__(self, sim, again):
        self.sim = sim
        self.tick = sim.tick
        self.again = again
        self.stopped = False

    def quiet(self, arg):
        # No branch before the try: a branch is where a pending Ctrl-C is raised.
        try:
            if not self.stopped:
                self.tick(arg)
        except KeyboardInterrupt:
            self.stopped = True
            with open(self.again, "w") as f:
                f.write("1")

    def restart(self):
        if self.stopped:
            self.stopped = False
            self.sim._arm()


class _CtrlC:
    # A Ctrl-C from the line, raised where a board raises it: in the program's own code,
    # at a call into the board, never in the middle of C code. (The unix port's SIGINT
    # jumps out of whatever C code runs, the GC's with its lock held included, and the
    # interpreter then hangs at its next allocation.) vboard.py asks by creating a file;
    # it is looked for at most every CHECK_MS of real time, so a call costs next to nothing.
    CHECK_MS = 5

    def __init__(self, sim, path):
        self.sim = sim
        self.path = path
        self.stat = _real_os.stat
        self.remove = _real_os.remove
        self.ticks_ms = _real_time.ticks_ms
        self.ticks_diff = _real_time.ticks_diff
        self.last = _real_time.ticks_ms()

    def poll(self):
        now = self.ticks_ms()
        if self.ticks_diff(now, self.last) < self.CHECK_MS:
            return
        self.last = now
        if self.sim.in_cb or self.sim.busy > 1:
            return  # not the program's own call: it would stop only a callback
        try:
            self.stat(self.path)
        except OSError:
            return
        self.remove(self.path)
        raise KeyboardInterrupt


def _esp32(rmt, pcnt):
    # The esp32 module's classes this board has, and no more.
    class _Esp32:
        pass

    m = _Esp32()
    m.RMT = rmt
    m.PCNT = pcnt
    return m


def boot(path):
    with open(path) as f:
        cfg = json.load(f)
    import _irqsim

    world = _no_world(cfg["duration_us"] * 1000)
    _irqsim.configure(cfg, _Port(), _never_ends, _halted, world, 0)
    import _irqmachine
    import _irqmp
    import _irqselect
    import _irqtime

    _irqtime._configure(0)
    if hasattr(_irqsim, "hold"):
        _guard_all(
            _irqsim,
            _irqmachine,
            (_irqmachine.Pin, _irqmachine.Timer, _irqmachine.Signal, _irqmachine._IRQ),
        )
        _guard_all(_irqsim, _irqtime, ())
    # print waits while the UART's FIFO is full, and runs no callback, as on the port
    # (ports/esp32/uart.c uart_stdout_tx_strn): the harness charges the program's text.
    _irqmachine._uart_wait = _guard(_irqsim, _irqsim.print_bytes)
    sys.modules["machine"] = _irqmachine
    sys.modules["time"] = _irqtime
    sys.modules["utime"] = _irqtime
    _irqmp.kbd_intr = _kbd_intr(cfg["kbd_file"])
    sys.modules["micropython"] = _irqmp
    sys.modules["os"] = _os()
    # asyncio on the board's clock, as in the simulator (after time: it reads it there)
    import _irqasyncio

    _guard_all(_irqsim, _irqselect, (_irqselect._Poll,))
    sys.modules["select"] = _irqselect
    sys.modules["_asyncio"] = _irqasyncio
    if cfg.get("rmt"):  # an ESP32: its esp32 module, and machine as its firmware has it
        import _irqesp32
        import _irqportmachine
        import _irqrmt

        if hasattr(_irqsim, "hold"):
            _guard_all(_irqsim, _irqrmt, (_irqrmt.RMT,))
            _guard_all(_irqsim, _irqesp32, (_irqesp32.PCNT, _irqesp32._IRQ))
        sys.modules["esp32"] = _esp32(_irqrmt.RMT, _irqesp32.PCNT)
        sys.modules["machine"] = _irqportmachine
    sys.path[:] = ["", ".frozen", "lib"] + cfg["path"]
    global _clock, _ctrl_c
    _clock = _Clock(_irqsim, cfg["again_file"])
    _ctrl_c = _CtrlC(_irqsim, cfg["ctrl_c_file"])
    _irqsim.tick = _clock.quiet
    _irqsim.start()
