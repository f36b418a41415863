# Another way to pass: the heartbeat counts 10 ms passes. Each pass takes a little more
# than 10 ms, so the interval drifts above 500 ms, but stays well inside ± 50 ms.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

last = 1
passes = 0
while True:
    level = button.value()
    if level == 0 and last == 1:
        print("PRESS")
    last = level
    passes += 1
    if passes == 50:
        passes = 0
        led.value(not led.value())
    time.sleep_ms(10)
