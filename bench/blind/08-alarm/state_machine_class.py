# Lab 8: an intrusion alarm.
# An IR proximity sensor on GPIO5 (1 while something is near); a door contact on GPIO17 (0 shut,
# 1 open; it bounces); the arm button, the BOOT button on GPIO0 (0 while pressed; it bounces);
# the siren, the LED on GPIO2. The alarm starts armed. Every event prints one line "t WORD",
# t its own time in ms since the program started, while the main loop keeps calling job().
import time
from array import array

import micropython
from machine import Pin

sensor = Pin(5, Pin.IN)
door = Pin(17, Pin.IN, Pin.PULL_UP)
button = Pin(0, Pin.IN, Pin.PULL_UP)
siren = Pin(2, Pin.OUT, value=0)

START = time.ticks_ms()
ENTRY_MS = 10_000  # the entry delay: time to reach the button and disarm
STILL_MS = 50  # a contact still this long has settled: its next edge is a new move
NEAR, DOOR, PRESS = 1, 2, 3  # what the handlers record


def job():
    # 100 ms of work on every pass: the report to the monitoring station. Do not change it.
    time.sleep_ms(100)


def since_start(t):
    return time.ticks_diff(t, START)


def log(t, word):
    print(since_start(t), word)


class Debounced:
    # A bouncing contact: the first edge after STILL_MS of stillness is a move.
    def __init__(self, alarm, code, down_is_event):
        self.alarm = alarm
        self.code = code
        self.last = time.ticks_add(time.ticks_ms(), -STILL_MS)
        self.moved = False  # False: at rest (door shut / button up)
        self.handler = self.on_edge

    def on_edge(self, pin):
        t = time.ticks_ms()
        if time.ticks_diff(t, self.last) >= STILL_MS:
            self.moved = not self.moved
            if self.moved:
                self.alarm.put(self.code, t)
        self.last = t


class Alarm:
    SIZE = 32

    def __init__(self):
        self.armed = True
        self.entry_since = None
        self.when = array("i", [0] * self.SIZE)
        self.what = bytearray(self.SIZE)
        self.head = 0
        self.tail = 0
        self.queued = False
        self.edges = 0
        self.edges_before = 0
        self.sensor_last = time.ticks_add(time.ticks_ms(), -1000)
        self.chatter = False
        self.chatter_at = 0
        self.fault_at = None
        self.consume_cb = self.consume  # bound methods made once, not in a handler
        self.watch_cb = self.watch
        self.sensor_cb = self.on_sensor

    # --- handlers: record only ---
    def put(self, code, t):
        nxt = (self.head + 1) % self.SIZE
        if nxt != self.tail:
            self.when[self.head] = t
            self.what[self.head] = code
            self.head = nxt
        if not self.queued:
            try:
                micropython.schedule(self.consume_cb, 0)
                self.queued = True
            except RuntimeError:
                pass

    def on_sensor(self, pin):
        t = time.ticks_ms()
        self.edges += 1
        if not self.chatter and time.ticks_diff(t, self.sensor_last) >= 100:
            self.put(NEAR, t)
        self.sensor_last = t

    # --- the one reader ---
    def consume(self, _):
        self.queued = False
        while self.tail != self.head:
            t = self.when[self.tail]
            code = self.what[self.tail]
            self.tail = (self.tail + 1) % self.SIZE
            if code == PRESS:
                self.armed = not self.armed
                self.entry_since = None
                siren.off()
                log(t, "ARMED" if self.armed else "DISARMED")
            elif not self.armed:
                pass  # disarmed: the sensor and the door say nothing
            elif code == NEAR:
                siren.on()
                log(t, "ALERT")
            elif code == DOOR:
                if self.entry_since is None:
                    self.entry_since = t
                log(t, "DOOR")

    def watch(self, _):
        self.consume(0)
        now = time.ticks_ms()
        if self.entry_since is not None and time.ticks_diff(now, self.entry_since) >= ENTRY_MS:
            self.entry_since = None
            siren.on()
            log(now, "ALARM")
        count = self.edges
        rising = count - self.edges_before
        self.edges_before = count
        if rising > 5:
            self.chatter = True
            self.chatter_at = now
            if self.fault_at is None or time.ticks_diff(now, self.fault_at) >= 60_000:
                self.fault_at = now
                log(now, "FAULT")
        elif self.chatter and time.ticks_diff(now, self.chatter_at) >= 1000:
            self.chatter = False


alarm = Alarm()
door_contact = Debounced(alarm, DOOR, False)
arm_button = Debounced(alarm, PRESS, True)
sensor.irq(handler=alarm.sensor_cb, trigger=Pin.IRQ_RISING)
door.irq(handler=door_contact.handler, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
button.irq(handler=arm_button.handler, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)

while True:
    job()
    try:
        micropython.schedule(alarm.watch_cb, 0)
    except RuntimeError:
        pass
