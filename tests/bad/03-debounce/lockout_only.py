# fails: test_bouncing_release_does_not_count
# A lockout: count a falling edge, then ignore edges for 50 ms. The release's bounces,
# hundreds of ms later, count as a new press.
# passes: test_counts_survive_ticks_wrap
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
LOCKOUT_MS = 50
presses = 0
last_count = time.ticks_add(time.ticks_ms(), -LOCKOUT_MS)


def on_press(pin):
    global presses, last_count
    now = time.ticks_ms()
    if time.ticks_diff(now, last_count) >= LOCKOUT_MS:  # BUG: a release bounces too
        presses += 1
        last_count = now


button.irq(handler=on_press, trigger=Pin.IRQ_FALLING)

shown = 0
while True:
    if presses != shown:
        shown = presses
        print("PRESS", shown)
    time.sleep_ms(5)
