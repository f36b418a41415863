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
        self._tick_ns = clock_div * 1_000_000_000 // _SOURCE_HZ
        self._idle = 1 if idle_level else 0
        self._busy = False  # a pulse train is playing
        self._durations = self._levels = None
        self._n = self._k = self._t = 0
        self._level = self._next = self._idle
        self.due = 0

    def source_freq(self):
        return _SOURCE_HZ

    def clock_div(self):
        return self._div

    def wait_done(self, *, timeout=0):
        return not self._busy

    def loop(self, enable):
        pass

    def deinit(self):
        # Stops the output: the level changes not yet played are dropped.
        self._busy = False
        if self in sim.timers:
            sim.timers.remove(self)
            sim._plan()

    def write_pulses(self, duration, data=True):
        # Like the port (ports/esp32/esp32_rmt.c), the pulses are copied once into a
        # buffer of their own, a few bytes each, and played from there: the train costs
        # the board's heap what it costs a real ESP32's, not an object per level change.
        sim.charge(sim.C_CALL)
        n, durations, levels = _train(duration, data)
        self.deinit()
        self._durations = durations
        self._levels = levels
        self._n = n
        self._k = 0  # the next pulse to start
        self._t = sim.now  # when it starts (ns)
        self._level = self._idle  # the pin's level now
        self._busy = True
        self._advance()
        if self._busy:
            sim.timers.append(self)
            sim._plan()

    def _advance(self):
        # The next level change: skip the pulses that keep the level; after the last
        # pulse the pin returns to its idle level.
        k, level = self._k, self._level
        while k < self._n and self._levels[k] == level:
            self._t += self._durations[k] * self._tick_ns
            k += 1
        self._k = k
        if k < self._n:
            self._next = self._levels[k]
        elif level != self._idle:
            self._next = self._idle
        else:
            self._busy = False
            return
        self.due = self._t

    # --- called by the simulator when `due` comes (nothing allocated: an ISR's work) ---
    def fire(self):
        t, level = self.due, self._next
        self._level = level
        if self._k < self._n:
            self._t += self._durations[self._k] * self._tick_ns
            self._k += 1
        for dst in sim.links.get(self._pin_id(), ()):
            sim.set_input(dst, level, t)
        self._advance()
        if not self._busy:
            sim.timers.remove(self)

    def _pin_id(self):
        pin = self._pin
        return pin if isinstance(pin, int) else int(repr(pin)[4:-1])


def _train(duration, data):
    # The port's three forms: durations with a first level that toggles, one duration with
    # levels, or durations with levels. -> (n, durations, levels), packed.
    from array import array

    many = isinstance(duration, (list, tuple))
    if isinstance(data, (list, tuple)):
        n = len(data)
        if many and len(duration) != n:
            raise ValueError("duration and data must have same length")
    elif many:
        n = len(duration)
    else:
        raise TypeError("data must be a list when duration is an int")
    if n == 0:
        raise ValueError("No pulses")
    durations = array("H", bytearray(2 * n))  # from a buffer: n items
    levels = bytearray(n)
    first = 1 if data else 0
    for i in range(n):
        d = duration[i] if many else duration
        if not 0 <= d <= 32767:
            raise ValueError("duration out of range")
        durations[i] = d
        if isinstance(data, (list, tuple)):
            levels[i] = 1 if data[i] else 0
        else:
            levels[i] = first ^ (i & 1)
    return n, durations, levels
