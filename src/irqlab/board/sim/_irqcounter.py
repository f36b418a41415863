# machine.Counter and machine.Encoder as the ESP32 port has them since v1.26: Python in
# the firmware (ports/esp32/modules/machine.py), over esp32.PCNT. This is that code, over
# the simulated PCNT, so that it behaves as the port's does, down to its overflow IRQ: a
# soft callback every 32000 counts, which takes a slot in the scheduler's queue. On the
# board this Python costs the CPU its bytecodes; here each call is charged an estimate.
import _irqesp32 as esp32
import _irqsim as _sim

_PCNT_RANGE = 32000
_VALUE_OPS = 45  # the bytecodes of value(): its loop once, the sum, the reset
_INIT_OPS = 120  # of __init__ with _configure: three PCNT calls' arguments, the state


class _CounterBase:
    _PCNT = esp32.PCNT
    # Singletons, keyed by PCNT unit_id (shared by both Counter & Encoder).
    _INSTANCES = {}

    def __new__(cls, unit_id, *_args, **_kwargs):
        self = cls._INSTANCES.get(unit_id)
        if self:
            if not isinstance(self, cls):
                raise ValueError("PCNT in use")
        else:
            self = object.__new__(cls)
            cls._INSTANCES[unit_id] = self
        return self

    def __init__(self, unit_id, *args, filter_ns=0, **kwargs):
        _sim.charge(_INIT_OPS * _sim.C_OP)
        self._unit_id = unit_id
        if not hasattr(self, "_pcnt"):
            # New instance, or previously deinit-ed.
            self._pcnt = self._PCNT(unit_id, min=-_PCNT_RANGE, max=_PCNT_RANGE)
        elif not (args or kwargs):
            # The existing instance, as it is: no partial re-initialisation.
            return
        self._configure(*args, **kwargs)
        self._pcnt.init(
            filter=min(max(0, filter_ns * 80 // 1000), 1023),
            value=0,
        )
        # Overflows are counted, not the count, so that the IRQ handler stays within
        # small ints; the PCNT resets to zero at each limit: an overflow is 32000 counts.
        self._overflows = 0
        self._offset = 0
        self._pcnt.irq(self._overflow, self._PCNT.IRQ_MIN | self._PCNT.IRQ_MAX)
        self._pcnt.start()

    def _overflow(self, pcnt):
        mask = pcnt.irq().flags()
        if mask & self._PCNT.IRQ_MIN:
            self._overflows -= 1
        elif mask & self._PCNT.IRQ_MAX:
            self._overflows += 1

    def init(self, *args, **kwargs):
        self.__init__(self._unit_id, *args, **kwargs)

    def deinit(self):
        if hasattr(self, "_pcnt"):
            self._pcnt.deinit()
            del self._pcnt

    def value(self, value=None):
        _sim.charge(_VALUE_OPS * _sim.C_OP)
        if not hasattr(self, "_pcnt"):
            raise RuntimeError("not initialised")
        # PCNT.value() runs any pending overflow IRQ first, so the two agree.
        while True:
            overflows = self._overflows
            current = self._pcnt.value()
            if self._overflows == overflows:
                break
        result = overflows * _PCNT_RANGE + current + self._offset
        if value is not None:
            self._overflows -= overflows
            self._offset = value - current
        return result


class Counter(_CounterBase):
    RISING = 1
    FALLING = 2
    UP = _CounterBase._PCNT.INCREMENT
    DOWN = _CounterBase._PCNT.DECREMENT

    def _configure(self, src, edge=RISING, direction=UP):
        # Only the first channel.
        self._pcnt.init(
            channel=0,
            pin=src,
            rising=direction if edge & Counter.RISING else self._PCNT.IGNORE,
            falling=direction if edge & Counter.FALLING else self._PCNT.IGNORE,
        )


class Encoder(_CounterBase):
    def _configure(self, phase_a, phase_b, phases=1):
        if phases not in (1, 2, 4):
            raise ValueError("phases")
        self._pcnt.init(
            channel=0,
            pin=phase_a,
            falling=self._PCNT.INCREMENT,
            rising=self._PCNT.DECREMENT,
            mode_pin=phase_b,
            mode_low=self._PCNT.HOLD if phases == 1 else self._PCNT.REVERSE,
        )
        if phases == 4:
            # 4x quadrature: the second channel too.
            self._pcnt.init(
                channel=1,
                pin=phase_b,
                falling=self._PCNT.DECREMENT,
                rising=self._PCNT.INCREMENT,
                mode_pin=phase_a,
                mode_low=self._PCNT.REVERSE,
            )
        else:
            self._pcnt.init(channel=1, pin=None, rising=self._PCNT.IGNORE)
        self._phases = phases

    def phases(self):
        return self._phases
