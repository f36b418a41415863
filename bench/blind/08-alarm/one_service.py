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
CHATTER_EDGES = 5  # more rising edges than this in one pass (about 100 ms) is no person
APPROACH_GAP_MS = 100  # an approach is a rising edge this long after the last one
FAULT_EVERY_MS = 60_000  # say FAULT at most once a minute
QUIET_MS = 1000  # the sensor is trusted again after this long without chatter

armed = True
entry_since = None  # when the entry delay started (ticks_ms); None while none runs
button_last = time.ticks_add(time.ticks_ms(), -STILL_MS)  # when the button's contacts last moved
button_down = False
door_last = time.ticks_add(time.ticks_ms(), -STILL_MS)  # when the door's contacts last moved
door_open = False  # the door starts shut

SLOTS = 32
when = array("i", [0] * SLOTS)  # ticks_ms() of each event
what = bytearray(SLOTS)  # NEAR, DOOR or PRESS
head = 0  # written only by put() (the handlers)
tail = 0  # written only by consume()
scheduled = False  # consume() is queued and has not started yet

edges = 0  # the sensor's rising edges: written only by on_sensor()
edges_seen = 0  # edges at the last checks(): written only by checks()
sensor_last = time.ticks_add(time.ticks_ms(), -APPROACH_GAP_MS)
chattering = False  # written only by checks()
chatter_at = 0
fault_at = None  # when FAULT was last said


def since_start(t):
    return time.ticks_diff(t, START)


def job():
    # 100 ms of work on every pass: the report to the monitoring station. Do not change it.
    time.sleep_ms(100)


def log(t, word):
    print(since_start(t), word)


def put(code, t):
    global head, scheduled
    after = (head + 1) % SLOTS
    if after != tail:  # full: nothing to do but drop it (32 slots never fill here)
        when[head] = t
        what[head] = code
        head = after
    if not scheduled:
        try:
            micropython.schedule(service, 0)
            scheduled = True
        except RuntimeError:
            pass  # the queue is full: the next put() or pass will drain the ring


def on_sensor(pin):
    global edges, sensor_last
    t = time.ticks_ms()
    edges += 1
    if not chattering and time.ticks_diff(t, sensor_last) >= APPROACH_GAP_MS:
        put(NEAR, t)
    sensor_last = t


def on_door(pin):
    # Debounced as the button is: the first edge after STILL_MS of stillness is a move.
    global door_last, door_open
    t = time.ticks_ms()
    if time.ticks_diff(t, door_last) >= STILL_MS:
        door_open = not door_open
        if door_open:
            put(DOOR, t)
    door_last = t


def on_button(pin):
    # Debounced as the door is: the first edge after STILL_MS of stillness is a move.
    global button_last, button_down
    t = time.ticks_ms()
    if time.ticks_diff(t, button_last) >= STILL_MS:
        button_down = not button_down
        if button_down:
            put(PRESS, t)
    button_last = t


def consume(_):
    # Every recorded event, oldest first: one reader, so the log comes out in order.
    global scheduled, tail, armed, entry_since
    scheduled = False
    while tail != head:
        t = when[tail]
        code = what[tail]
        tail = (tail + 1) % SLOTS
        if code == PRESS:
            armed = not armed
            entry_since = None
            siren.value(0)
            log(t, "ARMED" if armed else "DISARMED")
        elif armed and code == NEAR:
            siren.value(1)
            log(t, "ALERT")
        elif armed and code == DOOR:
            if entry_since is None:
                entry_since = t
            log(t, "DOOR")


def service(pass_done):
    # The one scheduled callback: drain the ring; after a job(), also the once-a-pass checks.
    consume(0)
    if pass_done:
        checks()


def checks():
    # Once a pass: the entry delay, and the sensor's edge rate.
    global entry_since, edges_seen, chattering, chatter_at, fault_at
    now = time.ticks_ms()
    if entry_since is not None and time.ticks_diff(now, entry_since) >= ENTRY_MS:
        entry_since = None
        siren.value(1)
        log(now, "ALARM")
    seen = edges
    new = seen - edges_seen
    edges_seen = seen
    if new > CHATTER_EDGES:
        chattering = True
        chatter_at = now
        if fault_at is None or time.ticks_diff(now, fault_at) >= FAULT_EVERY_MS:
            fault_at = now
            log(now, "FAULT")
    elif chattering and time.ticks_diff(now, chatter_at) >= QUIET_MS:
        chattering = False


sensor.irq(handler=on_sensor, trigger=Pin.IRQ_RISING)
door.irq(handler=on_door, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
button.irq(handler=on_button, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)

while True:
    job()
    try:
        micropython.schedule(service, 1)  # never inside consume(): callbacks do not nest
    except RuntimeError:
        pass  # the queue is full this instant: the checks run on the next pass
