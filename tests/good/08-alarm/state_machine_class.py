# Another way to pass: the alarm as a class, a state machine with three states (DISARMED,
# ARMED, ENTRY: the entry delay runs); the siren is an output, not a state. Its handlers are
# bound methods made once, in __init__, so a handler allocates nothing; micropython.schedule
# runs its step() soon.
import time
from array import array

import micropython
from machine import Pin

DISARMED, ARMED, ENTRY = "DISARMED", "ARMED", "ENTRY"
NEAR, DOOR, PRESS = 1, 2, 3


def job():
    # 100 ms of work on every pass: the report to the monitoring station. Do not change it.
    time.sleep_ms(100)


class Contact:
    """A bouncing contact: the first edge after 50 ms of stillness is a move."""

    def __init__(self, alarm, pin, code):
        self.alarm, self.code = alarm, code
        self.last = time.ticks_ms() - 50
        self.active = False
        self.handler = self.edge  # made once: a bound method made in a handler allocates
        pin.irq(handler=self.handler, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)

    def edge(self, pin):
        t = time.ticks_ms()
        if time.ticks_diff(t, self.last) >= 50:
            self.active = not self.active
            if self.active:
                self.alarm.record(self.code, t)
        self.last = t


class Alarm:
    def __init__(self):
        self.start = time.ticks_ms()
        self.siren = Pin(2, Pin.OUT, value=0)
        self.state = ARMED
        self.entry_since = 0
        self.when = array("i", [0] * 32)
        self.what = bytearray(32)
        self.head = self.tail = 0
        self.queued = False
        self.edges = self.edges_seen = 0
        self.last_rise = time.ticks_ms() - 100
        self.chattering = False
        self.fault_at = None
        self.step_ref = self.step
        self.tick_ref = self.tick
        self.sensor = Pin(5, Pin.IN)
        self.sensor_ref = self.on_sensor
        self.sensor.irq(handler=self.sensor_ref, trigger=Pin.IRQ_RISING)
        self.door = Contact(self, Pin(17, Pin.IN, Pin.PULL_UP), DOOR)
        self.button = Contact(self, Pin(0, Pin.IN, Pin.PULL_UP), PRESS)

    # -- in handlers: record only --
    def record(self, code, t):
        nxt = (self.head + 1) % 32
        if nxt != self.tail:
            self.when[self.head] = t
            self.what[self.head] = code
            self.head = nxt
        if not self.queued:
            self.queued = True
            micropython.schedule(self.step_ref, 0)

    def on_sensor(self, pin):
        self.edges += 1
        t = time.ticks_ms()
        if not self.chattering and time.ticks_diff(t, self.last_rise) >= 100:
            self.record(NEAR, t)
        self.last_rise = t

    # -- scheduled: the state machine --
    def say(self, t, word):
        print(time.ticks_diff(t, self.start), word)

    def step(self, _):
        self.queued = False
        while self.tail != self.head:
            t, code = self.when[self.tail], self.what[self.tail]
            self.tail = (self.tail + 1) % 32
            self.event(code, t)

    def event(self, code, t):
        if code == PRESS:
            self.state = ARMED if self.state == DISARMED else DISARMED
            self.siren.value(0)
            self.say(t, self.state)
        elif self.state == DISARMED:
            return
        elif code == NEAR:
            self.siren.value(1)
            self.say(t, "ALERT")
        elif code == DOOR:
            if self.state == ARMED:
                self.state, self.entry_since = ENTRY, t
            self.say(t, "DOOR")

    def tick(self, _):
        self.step(0)
        now = time.ticks_ms()
        if self.state == ENTRY and time.ticks_diff(now, self.entry_since) >= 10_000:
            self.state = ARMED  # still armed, and sounding: the next door starts a new delay
            self.siren.value(1)
            self.say(now, "ALARM")
        n = self.edges - self.edges_seen
        self.edges_seen += n
        self.chattering = n > 5
        if self.chattering and (
            self.fault_at is None or time.ticks_diff(now, self.fault_at) >= 60_000
        ):
            self.fault_at = now
            self.say(now, "FAULT")


alarm = Alarm()
while True:
    job()
    try:  # noqa: SIM105 (MicroPython has no contextlib)
        micropython.schedule(alarm.tick_ref, 0)
    except RuntimeError:
        pass
