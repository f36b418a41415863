# Lab 1: polling with sleep.
# Heartbeat by counting passes: 50 passes of 10 ms make 500 ms.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

PASS_MS = 10
PASSES_PER_TOGGLE = 500 // PASS_MS

last = button.value()
passes = 0

while True:
    level = button.value()
    if level == 0 and last == 1:
        print("PRESS")
    last = level
    passes += 1
    if passes >= PASSES_PER_TOGGLE:
        passes = 0
        led.value(not led.value())
    time.sleep_ms(PASS_MS)
