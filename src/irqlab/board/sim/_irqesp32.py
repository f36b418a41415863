# The simulated `esp32` module: the ESP32's pulse counter units, esp32.PCNT, as
# ports/esp32/esp32_pcnt.c drives them through ESP-IDF's legacy driver (driver/pcnt.h).
# A unit counts its channels' edges in hardware: no ISR, no CPU time, masked or not. Only
# its events (zero, a threshold, a limit) interrupt the CPU, and then only when the
# program asked for them with irq(): the ISR ORs the events into the IRQ's flags and
# schedules the handler, as a soft callback.
import _irqmachine
import _irqsim as _sim

_NO = object()
_UNITS = _sim.profile["pcnt_units"]  # SOC_PCNT_UNITS_PER_GROUP: 8 on the ESP32
_HOLD = 2  # PCNT_MODE_DISABLE: the mode pin's level stops the count
_REVERSE = 1  # PCNT_MODE_REVERSE


_pin_id = _irqmachine._pin_number  # a Pin, or a valid pin's number


def _as_input(pid):
    # ESP-IDF's pcnt_set_pin: the pin becomes an input with its pull-up on.
    p = _irqmachine.Pin(pid)
    p._mode = _irqmachine.Pin.IN
    p._pull = _irqmachine.Pin.PULL_UP
    _sim.pins[pid] = p
    _sim.relevel(pid)


def _int(x):
    # mp_obj_get_int: an int or a bool, else TypeError
    if type(x) is bool:
        return 1 if x else 0
    if type(x) is not int:
        raise TypeError("can't convert %s to int" % type(x).__name__)
    return x


class _Channel:
    def __init__(self):
        self.pin = None
        self.mode_pin = None
        self.rising = 0  # PCNT_COUNT_DIS
        self.falling = 0
        self.mode_low = 0  # PCNT_MODE_KEEP
        self.mode_high = 0


class _IRQ:
    # shared/runtime/mpirq.c mp_irq_type: flags() reads and clears the events that came,
    # trigger() reads the enabled events and trigger(new) sets them; calling it runs the
    # handler's dispatch by hand (scheduled).
    def __init__(self, unit):
        self._unit = unit

    def flags(self):
        _sim.call()
        u = self._unit
        f = u._flags
        u._flags = 0
        return f

    def trigger(self, new=_NO):
        _sim.call()
        old = self._unit._trigger
        if new is not _NO:
            self._unit._trigger = _int(new)
        return old

    def __call__(self):
        _sim.call()
        u = self._unit
        if u._handler is not None:
            _sim.enqueue(u._handler, u, u)


class PCNT:
    IGNORE = 0  # PCNT_COUNT_DIS
    INCREMENT = 1  # PCNT_COUNT_INC
    DECREMENT = 2  # PCNT_COUNT_DEC
    NORMAL = 0  # PCNT_MODE_KEEP
    REVERSE = 1  # PCNT_MODE_REVERSE
    HOLD = 2  # PCNT_MODE_DISABLE
    IRQ_THRESHOLD1 = 4  # PCNT_EVT_THRES_1
    IRQ_THRESHOLD0 = 8  # PCNT_EVT_THRES_0
    IRQ_MIN = 16  # PCNT_EVT_L_LIM
    IRQ_MAX = 32  # PCNT_EVT_H_LIM
    IRQ_ZERO = 64  # PCNT_EVT_ZERO

    _table = {}

    def __new__(cls, *args, **kwargs):
        # esp32_pcnt_make_new: one object per unit; a unit met for the first time is
        # deinit-ed first, so it is paused until start().
        if not args:
            raise TypeError("id")
        unit = _int(args[0])
        if unit < 0 or unit >= _UNITS:
            raise ValueError("invalid id")
        self = PCNT._table.get(unit)
        if self is None:
            self = object.__new__(cls)
            self._unit = unit
            self._irq = None
            self._handler = None
            self._trigger = 0
            self._flags = 0
            self._latched = 0  # events whose ISR waits for IRQs to be unmasked
            self._channels = (_Channel(), _Channel())
            self._levels = {}  # pin -> the level the counter last took in, filtered
            self._pending = {}  # pin -> (t_ns, level) not yet through the filter
            self.due = 0
            PCNT._table[unit] = self
            self._reset()
        return self

    def __init__(self, *args, **kwargs):
        # The positional arguments after the id are ignored (esp32_pcnt_make_new passes
        # none of them on).
        _sim.call()
        self._init(kwargs)

    def __repr__(self):
        return "PCNT(%d)" % self._unit

    def init(self, *args, **kwargs):
        _sim.call()
        if args:
            raise TypeError("extra positional arguments given")
        self._init(kwargs)

    def _init(self, kw):
        # esp32_pcnt_init_helper: the channel's pins, then its actions, then the unit's.
        for key in kw:
            if key not in _KEYS:  # py/argcheck.c mp_arg_parse_all, NORMAL errors
                raise TypeError("extra keyword arguments given")
        ch = kw.get("channel", 0)
        if _int(ch) < 0 or ch >= 2:
            raise ValueError("channel")
        channel = self._channels[ch]
        if "pin" in kw or "mode_pin" in kw:
            self._set_pins(channel, kw)
        if "rising" in kw or "falling" in kw or "mode_low" in kw or "mode_high" in kw:
            self._set_modes(channel, kw)
        self._settle(_sim.now)
        if "filter" in kw:
            f = _int(kw["filter"])
            if f < 0 or f > 1023:
                raise ValueError("filter")
            self._filter_ns = f * 1000 // 80  # ticks of the 80 MHz APB clock
        clear = False
        if "value" in kw:
            if _int(kw["value"]) != 0:
                raise ValueError("value")
            clear = True
        for key, lo, hi, name in _LIMITS:
            if key in kw:
                v = _int(kw[key])
                if v < lo or v > hi:
                    raise ValueError(name)
                setattr(self, "_" + key, v)
                clear = True
        if clear:
            self._count = 0

    def _set_pins(self, channel, kw):
        if "pin" not in kw:
            raise ValueError("pin")  # mode_pin needs pin
        pin = None if kw["pin"] is None else _pin_id(kw["pin"])
        mp = kw.get("mode_pin")
        mode_pin = None if mp is None else _pin_id(mp)
        self._unwatch()
        channel.pin = pin
        channel.mode_pin = mode_pin
        self._watch()

    def _set_modes(self, channel, kw):
        modes = []
        for key, top in (("rising", 3), ("falling", 3), ("mode_low", 3), ("mode_high", 3)):
            v = _int(kw.get(key, 0))
            if v < 0 or v >= top:
                raise ValueError(key)
            modes.append(v)
        channel.rising, channel.falling, channel.mode_low, channel.mode_high = modes

    def _pins(self):
        out = []
        for ch in self._channels:
            for pid in (ch.pin, ch.mode_pin):
                if pid is not None and pid not in out:
                    out.append(pid)
        return out

    def _unwatch(self):
        for pid in self._pins():
            _sim.counters[pid].remove(self)
        self._levels = {}
        self._pending = {}

    def _watch(self):
        for pid in self._pins():
            _as_input(pid)
            _sim.counters.setdefault(pid, []).append(self)
            self._levels[pid] = _sim.level_of(pid)

    def _reset(self):
        # esp32_pcnt_deinit: events off, both channels unwired, no filter, thresholds 0,
        # limits 0, paused and cleared.
        self._handler = None
        self._trigger = 0
        self._unwatch()
        self._channels = (_Channel(), _Channel())
        self._filter_ns = 0
        self._threshold0 = self._threshold1 = 0
        self._min = self._max = 0
        self._running = False
        self._count = 0
        self._stop_timer()

    def deinit(self):
        _sim.call()
        self._reset()

    def start(self):
        _sim.call()
        self._settle(_sim.now)
        self._running = True

    def stop(self):
        _sim.call()
        self._settle(_sim.now)
        self._running = False

    def value(self, value=_NO):
        # esp32_pcnt_value: read; events already flagged run their handler first, here
        # and now, until none is left; value(0) then clears the count.
        _sim.call()
        if value is not _NO and _int(value) != 0:
            raise ValueError("value")
        self._settle(_sim.now)
        while True:
            v = self._count
            if self._irq is not None and self._flags and self._handler is not None:
                self._handler(self)
                self._settle(_sim.now)
            else:
                break
        if value is not _NO:
            self._count = 0
        return v

    def irq(self, handler=_NO, trigger=_NO):
        # esp32_pcnt_irq: irq(handler=None, trigger=PCNT.IRQ_ZERO); with no argument it
        # only returns the IRQ object.
        _sim.call()
        if self._irq is None:
            self._irq = _IRQ(self)
        if handler is not _NO or trigger is not _NO:
            h = None if handler is _NO else handler
            t = PCNT.IRQ_ZERO if trigger is _NO else _int(trigger)
            if t < PCNT.IRQ_THRESHOLD1 or t >= PCNT.IRQ_ZERO << 1:
                raise ValueError("trigger")
            if h is not None:
                _sim.live()
            self._handler = h
            self._trigger = t if h is not None else 0
        return self._irq

    # --- the hardware, called by the simulator ---
    def on_level(self, pid, level, t_ns):
        # The glitch filter passes a level once it has held filter_ns: a shorter pulse
        # is two edges that cancel. (A pending level is kept as t_ns * 2 + level: an
        # edge allocates nothing, in a storm too.)
        if not self._filter_ns and not self._pending:
            if self._levels.get(pid) != level:
                self._levels[pid] = level
                self._edge(pid, level, t_ns)
            return
        self._settle(t_ns)
        p = self._pending.get(pid)
        if level == (p & 1 if p is not None else self._levels.get(pid)):
            return
        if p is not None:
            del self._pending[pid]
            return  # back where it was before the filter passed it: a glitch
        self._pending[pid] = t_ns * 2 + level
        self._settle(t_ns)
        self._plan()

    def _settle(self, now_ns):
        # The pending levels whose filter time has passed, in time order.
        while self._pending:
            pid, first = None, None
            for k, v in self._pending.items():
                if first is None or v < first:
                    pid, first = k, v
            t = (first >> 1) + self._filter_ns
            if t > now_ns:
                return
            del self._pending[pid]
            self._levels[pid] = first & 1
            self._edge(pid, first & 1, t)

    def _edge(self, pid, level, t_ns):
        if not self._running:
            return
        for ch in self._channels:
            if ch.pin != pid:
                continue
            action = ch.rising if level else ch.falling
            if not action:
                continue
            mode = 0
            if ch.mode_pin is not None:
                mode = ch.mode_high if self._levels.get(ch.mode_pin) else ch.mode_low
            if mode == _HOLD:
                continue
            step = 1 if action == PCNT.INCREMENT else -1
            self._step(-step if mode == _REVERSE else step, t_ns)

    def _step(self, step, t_ns):
        # One count. At a limit the ESP32's counter resets to zero (both events); a
        # limit of 0 is no limit, and the 16-bit register wraps.
        c = self._count + step
        events = 0
        if step > 0 and self._max and c >= self._max:
            events = PCNT.IRQ_MAX
            c = 0
        elif step < 0 and self._min and c <= self._min:
            events = PCNT.IRQ_MIN
            c = 0
        elif c > 32767 or c < -32768:
            c = c - 65536 if c > 0 else c + 65536
        if c == 0:
            events |= PCNT.IRQ_ZERO
        if c == self._threshold0:
            events |= PCNT.IRQ_THRESHOLD0
        if c == self._threshold1:
            events |= PCNT.IRQ_THRESHOLD1
        self._count = c
        events &= self._trigger
        if events and self._handler is not None:
            self._interrupt(events, t_ns)

    def _interrupt(self, events, t_ns):
        # esp32_pcnt_intr_handler: the ISR takes the CPU, ORs the unit's events into the
        # flags and schedules the handler. IRQs masked: it runs on the unmask (refire).
        if _sim.masked:
            self._latched |= events
            _sim.fire(self, self._handler, self)
            return
        _sim.now += _sim.C_ISR
        _sim.stale = True
        self._flags |= events
        _sim.enqueue(self._handler, self, self)

    def refire(self):
        self._flags |= self._latched
        self._latched = 0
        if self._handler is not None:
            _sim.enqueue(self._handler, self, self)

    def trace_name(self):
        return "pcnt%d" % self._unit

    # A level waiting on the filter is a timer-like source: it passes when it is due.
    def _plan(self):
        if not self._pending or not self._filter_ns:
            return
        self.due = (min(self._pending.values()) >> 1) + self._filter_ns
        if self not in _sim.timers:
            _sim.timers.append(self)
        _sim._plan()

    def _stop_timer(self):
        if self in _sim.timers:
            _sim.timers.remove(self)
            _sim._plan()

    def fire(self):
        _sim.timers.remove(self)
        self._settle(self.due)
        self._plan()


_KEYS = (
    "channel",
    "pin",
    "rising",
    "falling",
    "mode_pin",
    "mode_low",
    "mode_high",
    "min",
    "max",
    "filter",
    "threshold0",
    "threshold1",
    "value",
)
_LIMITS = (
    ("min", -32768, 0, "minimum"),
    ("max", 0, 32767, "maximum"),
    ("threshold0", -32768, 32767, "threshold0"),
    ("threshold1", -32768, 32767, "threshold1"),
)
