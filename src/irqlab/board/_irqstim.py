# The stimulus player for a board: plays the scenario's edges on the lab kit's outputs
# (GPIO4, and GPIO16 for a second input), which its jumpers carry to the inputs (GPIO5,
# GPIO17), from the board itself. On an ESP32 the RMT peripheral plays them, one channel
# per wire, with 1 us resolution, whatever the program does; elsewhere a one-shot Timer,
# re-armed for each edge, plays every edge, late by up to a millisecond and by however
# long the program keeps the scheduler busy. It records when each edge was played.
import time

_MAX_TICKS = 32767  # the longest RMT pulse, in ticks
_SOON_US = 1000  # a timer cannot wait less than this: play such edges at once


class Wire:
    # One jumper: the edges to play on `pin`, which reach `target`.
    def __init__(self, machine, cfg):
        # cfg: {"pin": 4, "target": 5, "idle": level or None, "t_us": base64 of int32s,
        #       "levels": base64 of bytes}
        from array import array
        from binascii import a2b_base64

        self.target = cfg["target"]
        self.times = array("i", bytearray(a2b_base64(cfg["t_us"])))
        self.levels = a2b_base64(cfg["levels"])
        self.played = array("i", bytearray(4 * len(self.times)))  # when each edge was played
        self.n = 0  # how many were played (timer)
        self.idle = cfg["idle"]
        self.pin = None
        if self.idle is not None:
            self.pin = machine.Pin(cfg["pin"], machine.Pin.OUT, value=self.idle)
        self.rmt = None
        self.train = None
        self.t0 = 0

    def due(self):
        # When its next edge is due (timer), or None when all were played.
        return self.times[self.n] if self.n < len(self.times) else None


class Player:
    def __init__(self, machine, cfg, clock):
        # cfg: {"wires": [wire cfg, ...], "timer": id, "until": us} (the last level of
        # each wire holds until `until`)
        self.machine = machine
        self.clock = clock
        self.wires = [Wire(machine, w) for w in cfg["wires"]]
        self.timer_id = cfg["timer"]
        self.timer = None
        self.until = cfg["until"]
        self.kind = "none"

    def prepare(self):
        # Everything slow, before the clock starts: the RMT channels and their pulse trains.
        wires = [w for w in self.wires if w.times]
        if not wires:
            return
        try:
            import gc

            import esp32

            for i, w in enumerate(wires):
                w.rmt = esp32.RMT(i, pin=w.pin, clock_div=80, idle_level=bool(w.idle))
                tick_us = w.rmt.clock_div() * 1_000_000 // w.rmt.source_freq()
                w.train = _pulses(w.times, w.levels, w.idle, self.until, tick_us)
            self.kind = "rmt"
            gc.collect()  # the trains' garbage, so that write_pulses finds room for its copy
        except Exception:  # no esp32 module, no RMT, or an RMT this code does not know
            self._no_rmt()

    def _no_rmt(self):
        for w in self.wires:
            if w.rmt is not None:
                w.rmt.deinit()
            w.rmt = None
            w.train = None
        self.kind = "timer"

    def start(self):
        # Call with the clock at zero: edge times are from now.
        if self.kind == "rmt":
            try:
                for w in self.wires:
                    if w.rmt is not None:
                        w.t0 = self.clock()
                        w.rmt.write_pulses(w.train[0], w.train[1])
                        w.train = None
            except Exception:  # an RMT whose write_pulses this code does not know
                self._no_rmt()
        if self.kind == "timer":
            self._start_timer()

    # --- Timer: each edge when it is due, from whichever wire is first ---
    def _start_timer(self):
        self.timer = self.machine.Timer(self.timer_id)
        self._due = self._play
        self._play(None)

    def _next(self):
        first = None
        for w in self.wires:
            t = w.due()
            if t is not None and (first is None or t < first.due()):
                first = w
        return first

    def _play(self, _):
        now = self.clock()
        w = self._next()
        while w is not None and w.due() <= now + _SOON_US:
            wait = w.due() - now
            if wait > 0:
                time.sleep_us(wait)
            w.pin.value(w.levels[w.n])
            now = self.clock()
            w.played[w.n] = now
            w.n += 1
            w = self._next()
        if w is not None:
            ms = (w.due() - now - _SOON_US // 2) // 1000
            self.timer.init(mode=self.machine.Timer.ONE_SHOT, period=max(1, ms), callback=self._due)

    def stop(self):
        if self.timer is not None:
            self.timer.deinit()
        for w in self.wires:
            if w.rmt is not None:
                w.rmt.deinit()
                w.rmt = None

    def edges(self, now):
        # (t_us, target pin, level) of every edge played by `now`, one at a time: after a
        # long run a list of thousands of edges may find no room left in the heap.
        for w in self.wires:
            if self.kind == "rmt":
                for i in range(len(w.times)):
                    t = w.t0 + w.times[i]
                    if t <= now:
                        yield (t, w.target, w.levels[i])
            else:
                for i in range(w.n):
                    yield (w.played[i], w.target, w.levels[i])


def _pulses(times, levels, idle, until, tick_us):
    # Edge times -> RMT pulses (duration in ticks, level), long levels split in pieces.
    # Lists (what the port's write_pulses takes), each made once at its full length: grown
    # an item at a time, thousands of pulses would leave the heap in pieces.
    n = 0
    for ticks in _spans(times, until, tick_us):
        n += max(0, -(-ticks // _MAX_TICKS))
    durations = [0] * n
    out = [0] * n
    j = 0
    level = idle
    for i, ticks in enumerate(_spans(times, until, tick_us)):
        while ticks > 0:
            d = ticks if ticks < _MAX_TICKS else _MAX_TICKS
            durations[j] = d
            out[j] = level
            j += 1
            ticks -= d
        if i < len(times):
            level = levels[i]
    return durations, out


def _spans(times, until, tick_us):
    # How long, in ticks, each level lasts: the idle level until the first edge, then the
    # level of each edge until the next (the last one until `until`).
    t = 0
    for i in range(len(times) + 1):
        end = times[i] if i < len(times) else max(until, times[-1] + 1)
        yield (end - t) // tick_us
        if i < len(times):
            t = end
