# Another way to pass: a Timer drives the alarm. The pin handlers only record; a 10 ms
# periodic Timer's callback only queues tick() with micropython.schedule (a Timer callback
# must not print either), and tick() prints the log, keeps the entry delay and, every tenth
# tick, judges the sensor's edge rate. The main loop does nothing but job().
import time
from array import array

import micropython
from machine import Pin, Timer

sensor = Pin(5, Pin.IN)
door = Pin(17, Pin.IN, Pin.PULL_UP)
button = Pin(0, Pin.IN, Pin.PULL_UP)
siren = Pin(2, Pin.OUT, value=0)
START = time.ticks_ms()

when = array("i", [0] * 32)
what = bytearray(32)
head = tail = 0
armed = True
entry_since = None
last = {5: time.ticks_ms() - 100, 17: time.ticks_ms() - 50, 0: time.ticks_ms() - 50}
down = {17: False, 0: False}
edges = seen = ticks = 0
chattering = False
fault_at = None


def job():
    # 100 ms of work on every pass: the report to the monitoring station. Do not change it.
    time.sleep_ms(100)


def record(code, t):
    global head
    if (head + 1) % 32 != tail:
        when[head] = t
        what[head] = code
        head = (head + 1) % 32


def on_sensor(pin):
    global edges
    edges += 1
    t = time.ticks_ms()
    if not chattering and time.ticks_diff(t, last[5]) >= 100:
        record(5, t)
    last[5] = t


def on_contact(pin):
    t = time.ticks_ms()
    key = 17 if pin is door else 0
    if time.ticks_diff(t, last[key]) >= 50:
        down[key] = not down[key]
        if down[key]:
            record(key, t)
    last[key] = t


def say(t, word):
    print(time.ticks_diff(t, START), word)


def tick(_):
    global tail, armed, entry_since, ticks, seen, chattering, fault_at
    while tail != head:
        t, code = when[tail], what[tail]
        tail = (tail + 1) % 32
        if code == 0:
            armed, entry_since = not armed, None
            siren.value(0)
            say(t, "ARMED" if armed else "DISARMED")
        elif armed and code == 5:
            siren.value(1)
            say(t, "ALERT")
        elif armed and code == 17:
            entry_since = t if entry_since is None else entry_since
            say(t, "DOOR")
    now = time.ticks_ms()
    if entry_since is not None and time.ticks_diff(now, entry_since) >= 10_000:
        entry_since = None
        siren.value(1)
        say(now, "ALARM")
    ticks += 1
    if ticks % 10 == 0:
        n, seen = edges - seen, edges
        chattering = n > 5
        if chattering and (fault_at is None or time.ticks_diff(now, fault_at) >= 60_000):
            fault_at = now
            say(now, "FAULT")


def on_timer(timer):
    try:  # noqa: SIM105 (MicroPython has no contextlib)
        micropython.schedule(tick, 0)
    except RuntimeError:
        pass  # queue full: the next tick, 10 ms on, does it


sensor.irq(handler=on_sensor, trigger=Pin.IRQ_RISING)
door.irq(handler=on_contact, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
button.irq(handler=on_contact, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
Timer(0).init(mode=Timer.PERIODIC, period=10, callback=on_timer)

while True:
    job()
