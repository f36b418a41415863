# Lab 1: polling with sleep.
# Heartbeat: toggle every 50 passes.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

last = button.value()
count = 0

while True:
    level = button.value()
    if level == 0 and last == 1:
        print("PRESS")
    last = level
    count += 1
    if count == 50:
        count = 0
        led.value(not led.value())
    time.sleep_ms(20)
