# Lab 1: polling with sleep.
# A doorbell button module on GPIO5 (1 idle, 0 while pressed, clean edges); an LED on GPIO2.
# Print PRESS once for each press, and keep the LED blinking as a heartbeat.
#
# My notes while doing this lab:
#  - The button reads 1 when nobody touches it and 0 while it is held down.
#    A "press" is the moment it goes from 1 to 0, so I have to remember what
#    I read last time round the loop and compare.
#  - The loop has to come round much faster than 60 ms (the promise) and
#    faster than the shortest press (80 ms). I use 5 ms, which is plenty.
#  - The heartbeat must not depend on how fast the loop runs, so I keep a
#    deadline in ticks and move it on by exactly 500 ms each time it passes.
#    Moving it from the old deadline (not from "now") means no drift.
#  - ticks_ms() wraps around, so never compare ticks with < or -, always
#    with time.ticks_diff(), and add with time.ticks_add().
import time

from machine import Pin

POLL_MS = 5          # how long to sleep between two reads of the button
BLINK_MS = 500       # half a heartbeat: the LED changes this often

button = Pin(5, Pin.IN)   # the module has its own pull-up, so no PULL_UP here
led = Pin(2, Pin.OUT)     # active high: 1 = on

# Task 1: the level seen on the previous pass (1 = released at start)
previous_level = button.value()

# Task 3: the time (in ticks) when the LED should change next
led_deadline = time.ticks_add(time.ticks_ms(), BLINK_MS)

while True:
    # --- button ---------------------------------------------------------
    level = button.value()
    if previous_level == 1 and level == 0:
        # it just went down: this is a new press
        print("PRESS")
    # remember this reading for the next pass (whatever it was)
    previous_level = level

    # --- heartbeat ------------------------------------------------------
    # ticks_diff(now, deadline) >= 0 means "the deadline has passed"
    if time.ticks_diff(time.ticks_ms(), led_deadline) >= 0:
        led.value(not led.value())
        # next deadline counted from the old one: keeps a steady 500 ms
        led_deadline = time.ticks_add(led_deadline, BLINK_MS)

    # --- pace -----------------------------------------------------------
    # Task 2: short sleep so every press is seen within a few ms
    time.sleep_ms(POLL_MS)
