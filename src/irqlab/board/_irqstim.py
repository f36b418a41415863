# The stimulus player for a board: plays the scenario's edges on GPIO4, which the lab
# kit's jumper carries to GPIO5, from the board itself. On an ESP32 the RMT peripheral
# plays them with 1 us resolution, whatever the program does; elsewhere a one-shot Timer,
# re-armed for each edge, plays every edge, late by up to a millisecond and by however
# long the program keeps the scheduler busy. It records when each edge was played.
import time

_MAX_TICKS = 32767  # the longest RMT pulse, in ticks
_SOON_US = 1000  # a timer cannot wait less than this: play such edges at once


class Player:
    def __init__(self, machine, cfg, clock):
        # cfg: {"pin": 4, "idle": level or None, "t_us": base64 of int32s, "levels": base64
        #       of bytes, "timer": id, "until": us} (the last level holds until `until`)
        from array import array
        from binascii import a2b_base64

        self.machine = machine
        self.clock = clock
        self.times = array("i", bytearray(a2b_base64(cfg["t_us"])))
        self.levels = a2b_base64(cfg["levels"])
        self.played = array("i", bytearray(4 * len(self.times)))  # when each edge was played
        self.n = 0  # how many were played
        self.timer_id = cfg["timer"]
        self.rmt = None
        self.timer = None
        self.t0 = 0
        self.pin = None
        if cfg["idle"] is not None:
            self.pin = machine.Pin(cfg["pin"], machine.Pin.OUT, value=cfg["idle"])
        self.idle = cfg["idle"]
        self.until = cfg["until"]
        self.kind = "none"

    def prepare(self):
        # Everything slow, before the clock starts: the RMT and its pulse train.
        if not self.times:
            return
        try:
            import esp32

            rmt = esp32.RMT(0, pin=self.pin, clock_div=80, idle_level=bool(self.idle))
            tick_us = rmt.clock_div() * 1_000_000 // rmt.source_freq()
            self._train = _pulses(self.times, self.levels, self.idle, self.until, tick_us)
            self.rmt = rmt
            self.kind = "rmt"
        except Exception:  # no esp32 module, no RMT, or an RMT this code does not know
            self.kind = "timer"

    def start(self):
        # Call with the clock at zero: edge times are from now.
        if self.kind == "rmt":
            self.t0 = self.clock()
            try:
                self.rmt.write_pulses(self._train[0], self._train[1])
            except Exception:  # an RMT whose write_pulses this code does not know
                self.rmt.deinit()
                self.rmt = None
                self.kind = "timer"
            self._train = None
        if self.kind == "timer":
            self._start_timer()

    # --- Timer: each edge when it is due ---
    def _start_timer(self):
        self.timer = self.machine.Timer(self.timer_id)
        self._due = self._play
        self._play(None)

    def _play(self, _):
        now = self.clock()
        while self.n < len(self.times) and self.times[self.n] <= now + _SOON_US:
            wait = self.times[self.n] - now
            if wait > 0:
                time.sleep_us(wait)
            self.pin.value(self.levels[self.n])
            now = self.clock()
            self.played[self.n] = now
            self.n += 1
        if self.n < len(self.times):
            ms = (self.times[self.n] - now - _SOON_US // 2) // 1000
            self.timer.init(mode=self.machine.Timer.ONE_SHOT, period=max(1, ms), callback=self._due)

    def stop(self):
        if self.timer is not None:
            self.timer.deinit()
        if self.rmt is not None:
            self.rmt.deinit()
            self.rmt = None

    def edges(self, now):
        # (t_us, level) of every edge played by `now`.
        out = []
        if self.kind == "rmt":
            for i in range(len(self.times)):
                t = self.t0 + self.times[i]
                if t <= now:
                    out.append((t, self.levels[i]))
        else:
            for i in range(self.n):
                out.append((self.played[i], self.levels[i]))
        return out


def _pulses(times, levels, idle, until, tick_us):
    # Edge times -> RMT pulses (duration in ticks, level), long levels split in pieces.
    durations = []
    out = []
    t = 0
    level = idle
    for i in range(len(times) + 1):
        end = times[i] if i < len(times) else max(until, times[-1] + 1)
        ticks = (end - t) // tick_us
        while ticks > 0:
            d = ticks if ticks < _MAX_TICKS else _MAX_TICKS
            durations.append(d)
            out.append(level)
            ticks -= d
        if i < len(times):
            t = end
            level = levels[i]
    return durations, out
