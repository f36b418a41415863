# Lab 1: polling with sleep.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

pressed = button.value() == 0      # True while the button is down
blink_at = time.ticks_add(time.ticks_ms(), 500)

while True:
    down = button.value() == 0
    if down and not pressed:
        print("PRESS")
    pressed = down

    if time.ticks_diff(blink_at, time.ticks_ms()) <= 0:
        led.value(1 - led.value())
        blink_at = time.ticks_add(blink_at, 500)

    time.sleep(0.02)   # 20 ms: still far under the 60 ms limit
