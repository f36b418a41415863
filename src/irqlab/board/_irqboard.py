# The harness's board target: a real chip (or the virtual board), with its own `machine`.
# The scenario's clock is the board's ticks_us(), unwrapped; its edges are played on the
# jumper by _irqstim; the trace waits in a buffer so that tracing costs the program little
# (the program's own prints go out at once, as they would without the harness); a Timer
# ends the run when the scenario does, and the host then interrupts the program.
import sys

import _irqstim
import _irqtrace


class Clock:
    # Microseconds since start(), from ticks_us() (which wraps at 2**30).
    def __init__(self, time):
        self.ticks_us = time.ticks_us
        self.ticks_diff = time.ticks_diff
        self.last = time.ticks_us()
        self.total = 0

    def start(self):
        self.last = self.ticks_us()
        self.total = 0

    def __call__(self):
        now = self.ticks_us()
        self.total += self.ticks_diff(now, self.last)
        self.last = now
        return self.total


class Ticks:
    # The board's time for the program, with ticks_ms() and ticks_us() starting at the
    # scenario's ticks_ms_start (so that a program meets the wrap at 2**30 when the
    # scenario says), counting at the board's real pace.
    def __init__(self, time, ms_start):
        for key in dir(time):
            if not key.startswith("__"):
                setattr(self, key, getattr(time, key))
        add = time.ticks_add
        real_ms = time.ticks_ms
        real_us = time.ticks_us
        off = [0, 0]

        def ticks_ms():
            return add(real_ms(), off[0])

        def ticks_us():
            return add(real_us(), off[1])

        def start():
            period = 1 << 30
            off[0] = time.ticks_diff(ms_start % period, real_ms())
            off[1] = time.ticks_diff(ms_start * 1000 % period, real_us())

        self.ticks_ms = ticks_ms
        self.ticks_us = ticks_us
        self._begin = start


class Buffer:
    # Stands in for the tracer's writer: holds trace lines until full or flushed.
    def __init__(self, size):
        self.buf = bytearray(size)
        self.n = 0
        self.live = False  # the next line goes out at once (a print)
        self.closed = False
        self.out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None

    def __call__(self, text):
        if self.closed:
            return
        data = text.encode()
        if self.live or len(data) > len(self.buf):
            self.live = False
            self._send(data)
            return
        if self.n + len(data) > len(self.buf):
            self.flush()
        self.buf[self.n : self.n + len(data)] = data
        self.n += len(data)

    def flush(self):
        if self.n:
            self._send(memoryview(self.buf)[: self.n])
            self.n = 0

    def _send(self, data):
        if self.out is not None:
            self.out.write(data)
        else:
            sys.stdout.write(bytes(data).decode())


class Board:
    def __init__(self, cfg, tracer, machine, time):
        self.cfg = cfg
        self.tracer = tracer
        self.machine = machine
        self.clock = Clock(time)
        self.ticks = Ticks(time, cfg.get("ticks_ms_start", 0))
        self.buffer = Buffer(cfg["trace_buffer"])
        self.player = _irqstim.Player(machine, cfg["stim"], self.clock)
        self.stop_timer = None
        self.done = False
        self._end = type(tracer).end  # the tracer's own; its instance's is finish()

    def install(self):
        tr = self.tracer
        tr.clock = self.clock
        tr.on_print = self._on_print
        tr.stop = self.finish
        tr.end = self.finish
        _irqtrace._write = self.buffer

    def _on_print(self, n):
        self.buffer.live = True

    def start(self):
        self.player.prepare()
        self.ticks._begin()
        self.clock.start()
        self.player.start()
        m = self.machine
        self.stop_timer = m.Timer(self.cfg["stop_timer"])
        period = self.cfg["duration_us"] // 1000
        self.stop_timer.init(mode=m.Timer.ONE_SHOT, period=max(1, period), callback=self._timeup)

    def _timeup(self, _):
        self.finish("scenario", None)

    def finish(self, reason, exit):
        # Once: stop the stimulus, send the edges it played and the buffered trace, then
        # the end; after that the tracer is silent until the host interrupts the program.
        if self.done:
            return
        self.done = True
        now = self.clock()
        self.player.stop()
        if self.stop_timer is not None:
            self.stop_timer.deinit()
        for t, pin, level in self.player.edges(now):
            self.tracer.emit_at(t, "edge", pin, level)
        self.buffer.live = False
        self._end(self.tracer, reason, exit)
        self.buffer.flush()
        self.buffer.closed = True


def install(cfg, tracer):
    # The board's own machine and time, and a start() for the harness to call.
    import time

    import machine

    board = Board(cfg, tracer, machine, time)
    board.install()
    return machine, board.ticks, board.start


def jumper(pin_out=4, pin_in=5):
    # True when what pin_out drives reaches pin_in (the lab kit's jumper wire); None when
    # the firmware has no such pin (an ESP32 built with SPIRAM has no GPIO16 or 17).
    import time

    import machine

    try:
        machine.Pin(pin_out)  # the pin as it is: only whether the firmware has it
        machine.Pin(pin_in)
    except ValueError:
        return None
    out = machine.Pin(pin_out, machine.Pin.OUT, value=1)
    inp = machine.Pin(pin_in, machine.Pin.IN, machine.Pin.PULL_UP)
    ok = True
    for level in (0, 1, 0, 1, 0):
        out.value(level)
        time.sleep_ms(1)
        if inp.value() != level:
            ok = False
    machine.Pin(pin_out, machine.Pin.IN)
    return ok
