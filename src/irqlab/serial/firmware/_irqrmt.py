# The ESP32's RMT peripheral on the virtual board (installed as `esp32`): write_pulses()
# makes exact level changes on its pin in the simulated world, as the hardware does, and
# what is wired to that pin (the lab kit's jumper) sees them. To the simulator it is a
# timer-like source: it fires at each level change.
import _irqsim as sim

_SOURCE_HZ = 80_000_000  # the APB clock


class RMT:
    def __init__(self, channel, *, pin=None, clock_div=8, idle_level=False, tx_carrier=None):
        if not 1 <= clock_div <= 255:
            raise ValueError("clock_div must be between 1 and 255")
        self._pin = pin
        self._div = clock_div
        self._idle = 1 if idle_level else 0
        self._changes = []  # (t_ns, level), in time order
        self._i = 0
        self.due = 0

    def source_freq(self):
        return _SOURCE_HZ

    def clock_div(self):
        return self._div

    def wait_done(self, *, timeout=0):
        return self._i >= len(self._changes)

    def loop(self, enable):
        pass

    def deinit(self):
        # Stops the output: the level changes not yet played are dropped.
        self._i = len(self._changes)
        if self in sim.timers:
            sim.timers.remove(self)
            sim._plan()

    def write_pulses(self, duration, data=True):
        sim.charge(sim.C_CALL)
        levels = _levels(duration, data)
        durations = duration if isinstance(duration, (list, tuple)) else [duration] * len(levels)
        tick_ns = self._div * 1_000_000_000 // _SOURCE_HZ
        t = sim.now
        level = self._idle
        changes = []
        for i in range(len(levels)):
            d = durations[i]
            if not 0 <= d <= 32767:
                raise ValueError("duration out of range")
            if levels[i] != level:
                changes.append((t, levels[i]))
                level = levels[i]
            t += d * tick_ns
        if level != self._idle:
            changes.append((t, self._idle))
        self.deinit()
        self._changes = changes
        self._i = 0
        if changes:
            self.due = changes[0][0]
            sim.timers.append(self)
            sim._plan()

    # --- called by the simulator when `due` comes ---
    def fire(self):
        t, level = self._changes[self._i]
        self._i += 1
        for dst in sim.links.get(self._pin_id(), ()):
            sim.set_input(dst, level, t)
        if self._i < len(self._changes):
            self.due = self._changes[self._i][0]
        else:
            sim.timers.remove(self)

    def _pin_id(self):
        pin = self._pin
        return pin if isinstance(pin, int) else int(repr(pin)[4:-1])


def _levels(duration, data):
    if isinstance(data, (list, tuple)):
        return [1 if lv else 0 for lv in data]
    if not isinstance(duration, (list, tuple)):
        raise TypeError("data must be a list when duration is an int")
    first = 1 if data else 0
    return [first ^ (i & 1) for i in range(len(duration))]
