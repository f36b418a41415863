# Another way to pass, with no interrupt at all: poll every 5 ms, and take a new level
# once the pin has read the same for 20 ms. A bounce, a bouncing release or a 1 ms glitch
# never reads the same that long. A hand's press is slow enough for this loop.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20
presses = 0
stable = 1  # the debounced level: 1 released, 0 pressed
seen = 1  # the level read on the last pass
since = time.ticks_ms()  # when the pin last read differently

while True:
    level = button.value()
    now = time.ticks_ms()
    if level != seen:
        seen = level
        since = now
    elif level != stable and time.ticks_diff(now, since) >= STILL_MS:
        stable = level
        if level == 0:
            presses += 1
            print("PRESS", presses)
    time.sleep_ms(5)
