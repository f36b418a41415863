# fails: test_glitch_is_not_a_press
# Counts a falling edge that follows 50 ms of quiet: bounces never do, but a glitch does.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
presses = 0
last_edge = time.ticks_add(time.ticks_ms(), -1000)
level = 1  # the level the last edge left the line at


def on_edge(pin):
    global presses, last_edge, level
    now = time.ticks_ms()
    if level == 1 and time.ticks_diff(now, last_edge) >= 50:  # BUG: quiet before is not enough
        presses += 1
    level = 1 - level
    last_edge = now


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

shown = 0
while True:
    if presses != shown:
        shown = presses
        print("PRESS", shown)
    time.sleep_ms(5)
