import time
from machine import Pin

b = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)
prev = b()
due = time.ticks_add(time.ticks_ms(), 500)
while True:
    v = b()
    if prev and not v:
        print("PRESS")
    prev = v
    if time.ticks_diff(time.ticks_ms(), due) >= 0:
        led(not led())
        due = time.ticks_add(due, 500)
    time.sleep_ms(10)
