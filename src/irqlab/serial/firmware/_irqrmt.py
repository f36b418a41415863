# The ESP32's RMT peripheral on the virtual board (installed as `esp32`): write_pulses()
# puts exact level changes on its pin into the simulated world, as the hardware does, and
# what is wired to that pin (the lab kit's jumper) sees them.
import _irqsim as sim

_SOURCE_HZ = 80_000_000  # the APB clock


class RMT:
    def __init__(self, channel, *, pin=None, clock_div=8, idle_level=False, tx_carrier=None):
        if not 1 <= clock_div <= 255:
            raise ValueError("clock_div must be between 1 and 255")
        self._pin = pin
        self._div = clock_div
        self._idle = 1 if idle_level else 0
        self._done = 0

    def source_freq(self):
        return _SOURCE_HZ

    def clock_div(self):
        return self._div

    def wait_done(self, *, timeout=0):
        return sim.now >= self._done

    def loop(self, enable):
        pass

    def deinit(self):
        # Stops the output: the level changes not yet played are dropped.
        sim.edges[sim._ei :] = [e for e in sim.edges[sim._ei :] if e[1] not in self._targets()]
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
            lv = levels[i]
            if not 0 <= d <= 32767:
                raise ValueError("duration out of range")
            if lv != level:
                changes.append((t, lv))
                level = lv
            t += d * tick_ns
        if level != self._idle:
            changes.append((t, self._idle))
        self._done = t
        _merge([[c[0], dst, c[1]] for c in changes for dst in self._targets()])

    def _targets(self):
        pid = self._pin if isinstance(self._pin, int) else int(repr(self._pin)[4:-1])
        return sim.links.get(pid, ())


def _levels(duration, data):
    if isinstance(data, (list, tuple)):
        return [1 if lv else 0 for lv in data]
    if not isinstance(duration, (list, tuple)):
        raise TypeError("data must be a list when duration is an int")
    first = 1 if data else 0
    return [first ^ (i & 1) for i in range(len(duration))]


def _merge(new):
    # Into the world's pending edges, which stay sorted by time.
    old = sim.edges[sim._ei :]
    out = []
    i = j = 0
    while i < len(old) or j < len(new):
        if j >= len(new) or (i < len(old) and old[i][0] <= new[j][0]):
            out.append(old[i])
            i += 1
        else:
            out.append(new[j])
            j += 1
    sim.edges[sim._ei :] = out
    sim._plan()
