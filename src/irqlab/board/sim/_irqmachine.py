# The simulated `machine` module: the ESP32 port's Pin, Signal and Timer, and the
# module functions, with the port's constants, argument rules and error messages.
# Behaviour lives in _irqsim; this file is the API the program sees.
import _irqsim as _sim

_P = _sim.profile
_NO = object()  # "argument not given": no *args, so a call allocates nothing
_C = _P["pin"]


def _fast():
    # Pin.value's unguarded path while nothing can interrupt (_irqtrace._quiet_pins).
    # The board's state that path reads, and where it registers what to undo on live().
    s = _sim
    state = (s.counter, s.CALL_UNITS, s.catch_up, s.levels, s.links, s.counters,
             s.board_write, s.quiet_state)  # fmt: skip
    return state, s.on_live


class _IRQ:
    # What pin.irq() returns on the port (ports/esp32/machine_pin.c machine_pin_irq_type):
    # trigger() reads the pin's interrupt type, trigger(new) sets it and returns the old
    # one; calling it runs the GPIO ISR's work by hand: the handler is scheduled.
    def __init__(self, pin):
        self._pin = pin

    def trigger(self, new=_NO):
        _sim.call()
        old = self._pin._trigger
        if new is not _NO:
            self._pin._trigger = new
            self._pin.level_check()
        return old

    def __call__(self):
        _sim.call()
        if self._pin._handler is not None:
            _sim.enqueue(self._pin._handler, self._pin, self._pin)


class Pin:
    IN = _C["IN"]
    OUT = _C["OUT"]
    OPEN_DRAIN = _C["OPEN_DRAIN"]
    PULL_UP = _C["PULL_UP"]
    IRQ_RISING = _C["IRQ_RISING"]
    IRQ_FALLING = _C["IRQ_FALLING"]

    _table = {}

    def __new__(cls, id, *args, **kwargs):
        if id not in _P["pins"]:
            raise ValueError("invalid pin")
        pin = Pin._table.get(id)
        if pin is None:
            pin = object.__new__(cls)
            pin._id = id
            pin._mode = None
            pin._pull = None
            pin.out = 0
            pin._handler = None
            pin._trigger = 0
            pin._irq = _IRQ(pin)
            Pin._table[id] = pin
        return pin

    def __init__(self, id, *args, **kwargs):
        # As on the port, Pin(id) alone leaves the pin as it was.
        if args or kwargs:
            self.init(*args, **kwargs)

    def init(self, mode=None, pull=-1, *, value=None, drive=None, hold=None):
        _sim.call()
        if mode is not None:
            if mode not in (Pin.IN, Pin.OUT, Pin.OPEN_DRAIN):
                raise ValueError("invalid pin mode")
            if mode != Pin.IN and self._id in _P["input_only"]:
                raise ValueError("pin can only be input")
        if value is not None:
            self.out = 1 if value else 0
        if mode is not None:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        _sim.pins[self._id] = self
        _sim.relevel(self._id)
        if self.is_output():
            _sim.output_changed(self._id, self.out)
        return None

    def __repr__(self):
        return "Pin(%d)" % self._id

    def is_output(self):
        return self._mode is not None and self._mode != Pin.IN

    def pull_level(self):
        if self._pull == Pin.PULL_UP:
            return 1
        if self._pull is not None and self._pull == _C.get("PULL_DOWN"):
            return 0
        return None

    def value(self, x=_NO):
        _sim.call()
        if x is _NO:
            if self._mode is not None and self._mode != Pin.IN:
                return self.out
            lv = _sim.drive.get(self._id)  # driven from outside: the common case, inlined
            return lv if lv is not None else _sim.level_of(self._id)
        self._write(1 if x else 0)
        return None

    def __call__(self, x=_NO):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        _sim.call()
        self._write(1 - self.out)

    def _write(self, level):
        self.out = level
        _sim.relevel(self._id)
        if self.is_output():
            _sim.output_changed(self._id, level)

    def irq(self, handler=_NO, trigger=_NO, wake=_NO, hard=_NO):
        # ESP32: irq(handler=None, trigger=3, wake=None); ESP8266: irq(handler=None,
        # trigger=3, hard=False) (ports/*/machine_pin.c). With no argument it changes
        # nothing; with any, it reconfigures, and handler None disables.
        _sim.call()
        if self._id in _P["no_irq"]:
            raise OSError("pin does not have IRQ capabilities")
        third = _P["irq_third"]
        if (wake is not _NO and third != "wake") or (hard is not _NO and third != "hard"):
            raise TypeError("extra keyword arguments given")
        if hard is not _NO and hard:
            raise ValueError("hard IRQ not supported")
        if handler is _NO and trigger is _NO and wake is _NO and hard is _NO:
            return self._irq
        handler = None if handler is _NO else handler
        trigger = Pin.IRQ_FALLING | Pin.IRQ_RISING if trigger is _NO else trigger
        if trigger in (4, 5) and wake is not _NO and wake is not None:
            _check_wake(self._id, wake)
            return self._irq  # a level trigger with wake sets up the wake, not an IRQ
        if handler is not None:
            _sim.live()
        self._handler = handler
        self._trigger = trigger if handler is not None else 0
        _sim.pins[self._id] = self
        self.level_check()
        return self._irq

    # Called by the simulator when the level at this pin changes.
    def on_edge(self, level, t_ns):
        if self._handler is None:
            return
        if self._trigger >= 4:  # a level trigger: 4 low, 5 high
            self.level_check()
        elif self._trigger & (Pin.IRQ_RISING if level else Pin.IRQ_FALLING):
            _sim.gpio_isr(self, t_ns)

    def level_check(self):
        # A level trigger whose level holds fires now, and again, and again.
        if self._handler is not None and self._trigger in (4, 5):
            if _sim.level_of(self._id) == self._trigger - 4:
                _sim.level_storm(self)

    def refire(self):
        if self._trigger in (4, 5):
            self.level_check()
        elif self._handler is not None:
            _sim.enqueue(self._handler, self, self)

    def trace_name(self):
        return "pin%d" % self._id


for _name in ("PULL_DOWN", "WAKE_LOW", "WAKE_HIGH", "DRIVE_0", "DRIVE_1", "DRIVE_2", "DRIVE_3"):
    if _name in _C:
        setattr(Pin, _name, _C[_name])


def _check_wake(pin_id, wake):
    # ports/esp32/machine_pin.c machine_pin_irq: a wake level 2..7, on an RTC pin.
    if type(wake) is not int or wake < 2 or wake > 7:
        raise ValueError("bad wake value")
    if pin_id not in _P["rtc_pins"]:
        raise ValueError("invalid pin for wake")


class Signal:
    def __init__(self, pin, *args, invert=False):
        if args:
            pin = Pin(pin, *args)
        self._pin = pin
        self._invert = 1 if invert else 0

    def value(self, x=_NO):
        if x is _NO:
            return self._pin.value() ^ self._invert
        self._pin.value((1 if x else 0) ^ self._invert)
        return None

    def __call__(self, x=_NO):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class Timer:
    # ESP32: four hardware timers, one object per id (ports/esp32/machine_timer.c);
    # ESP8266: any id, each Timer(-1) a new software timer (ports/esp8266/modmachine.c).
    ONE_SHOT = 0
    PERIODIC = 1
    _table = {}

    def __new__(cls, id, *args, **kwargs):
        if _P["timers"] is None:
            t = object.__new__(cls)
            t._setup(id)
            return t
        if id not in _P["timers"]:
            raise ValueError(_P["timer_error"])
        t = Timer._table.get(id)
        if t is None:
            t = object.__new__(cls)
            t._setup(id)
            Timer._table[id] = t
        return t

    def _setup(self, id):
        self._id = id
        self._armed = False  # an alarm is coming
        self._set = False  # init() ran and deinit() has not: value() can be read
        self._callback = None
        self._mode = Timer.ONE_SHOT
        self._period = 0
        self._hard = False
        self._start = 0
        self.due = 0

    def __init__(self, id, *args, **kwargs):
        _sim.call()
        if not _P["timer_kwargs"] and kwargs:  # py/argcheck.c mp_arg_check_num
            raise TypeError("function doesn't take keyword arguments")
        if not _P["timer_kwargs"] and args:
            raise TypeError(
                "function takes 1 positional arguments but %d were given" % (1 + len(args))
            )
        if args or kwargs:
            self.init(*args, **kwargs)

    def __repr__(self):
        if _P["timers"] is None:
            return "Timer(3ffe%04x)" % (id(self) & 0xFFF0)
        mode = "PERIODIC" if self._mode == Timer.PERIODIC else "ONE_SHOT"
        return "Timer(%d, mode=%s, period=%d)" % (self._id, mode, self._period // 1_000_000)

    def init(
        self, *, mode=1, callback=None, period=0xFFFFFFFF, tick_hz=1000, freq=None, hard=False
    ):
        # The port's defaults: a period of 0xffffffff ticks of tick_hz when none is given.
        _sim.call()
        self.deinit()
        if hard and not _P["timer_hard"]:
            raise ValueError("hard Timers are not implemented")
        if freq is not None:
            period_ns = int(1_000_000_000 / freq)
        else:
            period_ns = period * 1_000_000_000 // tick_hz
        self._mode = mode
        self._period = period_ns if period_ns > 0 else 1
        self._callback = callback
        self._hard = bool(hard)
        self._start = _sim.now
        self.due = _sim.now + self._period
        self._armed = True
        self._set = True
        _sim.live()  # even with no callback: the port's ISR schedules None, which fails
        _sim.timers.append(self)
        _sim._plan()

    def deinit(self):
        self._set = False
        if self._armed:
            self._armed = False
            _sim.timers.remove(self)
            _sim._plan()

    def value(self):
        # ms since the counter was last reloaded (each alarm of a periodic timer)
        _sim.call()
        if not _P["timer_value"]:
            raise AttributeError("'Timer' object has no attribute 'value'")
        if not self._set:
            raise ValueError("timer not set")
        return (_sim.now - self._start) // 1_000_000

    def fire(self):
        if self._mode == Timer.PERIODIC:
            self._start = self.due
            self.due += self._period
        else:
            self._armed = False
            _sim.timers.remove(self)
        if self._hard:
            _sim.isr_call(self._callback, self)
        else:  # the ISR schedules it, None too: calling None fails when it runs
            _sim.fire(self, self._callback, self)

    def refire(self):
        _sim.enqueue(self._callback, self, self)

    def trace_name(self):
        return "timer%d" % self._id


def _pin_number(pin):
    # mp_hal_get_pin_obj (ports/esp32/machine_pin.c machine_pin_find, ports/esp8266
    # machine_pin.c mp_obj_get_pin_obj): a Pin, or a valid pin's number.
    if isinstance(pin, Pin):
        return pin._id
    if type(pin) is int and pin in _P["pins"]:
        return pin
    raise ValueError("invalid pin")


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    # extmod/machine_pulse.c: wait (up to timeout_us) for the pin to reach pulse_level,
    # then time how long it stays there (up to timeout_us again); -2 if it never came,
    # -1 if it did not end. A C loop: the world moves, no callback runs.
    _sim.call()
    pid = _pin_number(pin)
    level = 1 if pulse_level else 0
    timeout = timeout_us * 1000
    if not _sim.spin_ns(timeout, lambda: _sim.level_of(pid) == level):
        return -2
    start = _sim.now
    if not _sim.spin_ns(timeout, lambda: _sim.level_of(pid) != level):
        return -1
    return (_sim.now - start) // 1000


def disable_irq():
    _sim.call()
    return _sim.mask()


def enable_irq(state):
    _sim.call()
    _sim.unmask(state)


def idle():
    _sim.idle()


def lightsleep(ms=None):
    # esp_light_sleep_start(): no callback runs while the chip sleeps
    # (ports/esp32/modmachine.c machine_sleep_helper); they run after the wake.
    _sim.call()
    if ms is not None:
        _sim.sleep_ns(ms * 1_000_000, False)


def freq(*args):
    _sim.call()
    if not args:
        return _sim.freq
    if args[0] not in _P["freqs"]:
        raise ValueError(_P["freq_error"])
    _sim.set_freq(args[0])
    return None


def unique_id():
    return b"\x24\x0a\xc4\x1a\x2b\x3c"


for _name in ("PWRON_RESET", "HARD_RESET", "WDT_RESET", "DEEPSLEEP_RESET", "SOFT_RESET"):
    globals()[_name] = _P["reset"][_name]
for _name, _value in _P["wake"].items():  # machine.SLEEP, machine.DEEPSLEEP
    globals()[_name] = _value


def reset_cause():
    # ESP32: SOFT_RESET once the board has soft-reset (ports/esp32/modmachine.c
    # machine_deinit sets is_soft_reset); ESP8266: the last hardware reset's reason.
    _sim.call()
    return _P["reset"][_P["soft_reset_cause"]]


def reset():
    raise SystemExit(0)


def soft_reset():
    raise SystemExit(0)


if _P["pcnt_units"]:  # ESP32: Python over esp32.PCNT (ports/esp32/modules/machine.py)
    from _irqcounter import Counter, Encoder  # noqa: F401  (the module's API)
