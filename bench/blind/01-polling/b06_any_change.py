# Lab 1: polling with sleep.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

old = button.value()
deadline = time.ticks_add(time.ticks_ms(), 500)

while True:
    new = button.value()
    if new != old:          # the button changed
        print("PRESS")
        old = new
    if time.ticks_diff(time.ticks_ms(), deadline) >= 0:
        led.value(not led.value())
        deadline = time.ticks_add(deadline, 500)
    time.sleep_ms(10)
