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
# TODO (task 2): the door's contact bounces as the button's does: keep its state the same way
# TODO (task 2): one slot keeps only the last event: keep them all in a ring buffer
event = 0  # what happened: NEAR, DOOR or PRESS (0: nothing)
event_t = 0  # when (ticks_ms)
# TODO (task 1): consume() will be queued from the handlers: remember when it is
# TODO (task 3): a chattering sensor: count its edges, and remember when FAULT was said


def since_start(t):
    # TODO (task 3): what does this return when ticks_ms() wraps from 2**30 - 1 to 0?
    return t - START


def job():
    # 100 ms of work on every pass: the report to the monitoring station. Do not change it.
    time.sleep_ms(100)


def log(t, word):
    print(since_start(t), word)


def put(code, t):
    # TODO (task 2): a second event before consume() runs overwrites the first
    global event, event_t
    event, event_t = code, t
    # TODO (task 1): consume() runs only when the main loop comes round: have it run sooner


def on_sensor(pin):
    # TODO (task 3): a chattering sensor makes hundreds of rising edges a second
    put(NEAR, time.ticks_ms())


def on_door(pin):
    # TODO (task 2): a bouncing contact makes several rising edges each time it moves
    put(DOOR, time.ticks_ms())


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
    # TODO (task 2): take every event from the ring buffer, and (task 1) say none is queued
    global event, armed, entry_since
    while event:
        t, code = event_t, event
        event = 0
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
    # TODO (task 3): judge the sensor's edge rate; say FAULT, at most once a minute


sensor.irq(handler=on_sensor, trigger=Pin.IRQ_RISING)
# TODO (task 2): a move of the door may start with either edge
door.irq(handler=on_door, trigger=Pin.IRQ_RISING)
button.irq(handler=on_button, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)

while True:
    job()
    # TODO (task 1): every event waits here for job() to end: up to 100 ms
    watch(0)
