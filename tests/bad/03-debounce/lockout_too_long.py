# fails: test_counts_each_press_once
# A 200 ms lockout: a second press 150 ms after the first is ignored.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
LOCKOUT_MS = 200  # BUG: longer than the gap between two quick presses
presses = 0
last_count = time.ticks_add(time.ticks_ms(), -LOCKOUT_MS)


def on_press(pin):
    global presses, last_count
    now = time.ticks_ms()
    if time.ticks_diff(now, last_count) >= LOCKOUT_MS:
        presses += 1
        last_count = now


button.irq(handler=on_press, trigger=Pin.IRQ_FALLING)

shown = 0
while True:
    if presses != shown:
        shown = presses
        print("PRESS", shown)
    time.sleep_ms(5)
