# fails: test_chatter_raises_at_most_one_alert
# Every rising edge is an approach until watch() sees the chatter: its first 100 ms
# print a dozen ALERT lines.
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

armed = True
entry_since = None  # when the entry delay started (ticks_ms); None while none runs
button_last = time.ticks_ms() - STILL_MS  # when the button's contacts last moved
button_down = False
# The door's contact, debounced as the button is: when it last moved, and which way.
door_last = time.ticks_ms() - STILL_MS
door_open = False
# A ring buffer, allocated once: the handlers write `head`, only consume() writes `tail`.
SIZE = 32
when = array("i", [0] * SIZE)
what = bytearray(SIZE)
head = 0
tail = 0
# One queued consume() drains every event: queue it once, and say so here.
scheduled = False
# Chatter: the sensor's edges, counted by its handler and judged once a pass by watch().
NEAR_GAP_MS = 100  # a rising edge this soon after the last one is no new approach
CHATTER_EDGES = 5  # more rising edges in one pass (about 100 ms): the sensor chatters
FAULT_EVERY_MS = 60_000  # say FAULT at most once a minute
last_rise = time.ticks_ms() - NEAR_GAP_MS
edges = 0  # written only by the sensor's handler
edges_seen = 0  # written only by watch()
chattering = False
fault_at = None


def since_start(t):
    # ticks_diff stays right when ticks_ms() wraps at 2**30; a plain subtraction does not.
    return time.ticks_diff(t, START)


def job():
    # 100 ms of work on every pass: the report to the monitoring station. Do not change it.
    time.sleep_ms(100)


def log(t, word):
    print(since_start(t), word)


def put(code, t):
    # Into the ring, unless it is full (then the event is dropped, never an unread one
    # overwritten); a full ring of 32 would take a burst no door or sensor makes.
    global head, scheduled
    nxt = (head + 1) % SIZE
    if nxt != tail:
        when[head] = t
        what[head] = code
        head = nxt
    # The main loop comes round only every 100 ms: consume() runs at the next pending
    # check instead (job() sleeps, and a sleep runs queued callbacks). Queue it once.
    if not scheduled:
        scheduled = True
        micropython.schedule(consume, 0)


def on_sensor(pin):
    # Count every edge (watch() judges the rate), and record an approach only for a rising
    # edge well apart from the last one, and none while the sensor chatters: chatter floods
    # neither the ring nor the log.
    global edges, last_rise
    edges += 1
    t = time.ticks_ms()
    if not chattering:  # BUG: every rising edge is an approach, chatter too
        put(NEAR, t)
    last_rise = t


def on_door(pin):
    # Both edges, and the first edge after STILL_MS of stillness is a move: the bounces that
    # follow it, and those of the door shutting, change nothing.
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
    # The ring from `tail` to `head`; from here on a new event queues a new consume().
    global tail, scheduled, armed, entry_since
    scheduled = False
    while tail != head:
        t, code = when[tail], what[tail]
        tail = (tail + 1) % SIZE
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


def watch(_):
    # Once a pass: the entry delay, and the sensor's edge rate.
    global entry_since
    consume(0)  # what was recorded before now goes first: the log stays in order
    now = time.ticks_ms()
    if entry_since is not None and time.ticks_diff(now, entry_since) >= ENTRY_MS:
        entry_since = None
        siren.value(1)
        log(now, "ALARM")
    # Hundreds of edges a second are no person: say FAULT, at most once a minute, and let
    # on_sensor() record no approach while it chatters; the door and the button go on.
    global edges_seen, chattering, fault_at
    n = edges - edges_seen
    edges_seen += n
    chattering = n > CHATTER_EDGES
    if chattering and (fault_at is None or time.ticks_diff(now, fault_at) >= FAULT_EVERY_MS):
        fault_at = now
        log(now, "FAULT")


sensor.irq(handler=on_sensor, trigger=Pin.IRQ_RISING)
# Both edges: the first edge of a door's move may be either.
door.irq(handler=on_door, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
button.irq(handler=on_button, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)

while True:
    job()
    # watch() runs as consume() does, as a scheduled call: the two never run inside each
    # other, so a disarm can't slip between watch() reading entry_since and clearing it.
    try:  # noqa: SIM105 (MicroPython has no contextlib)
        micropython.schedule(watch, 0)
    except RuntimeError:
        pass  # the queue is full this once: the next pass watches
