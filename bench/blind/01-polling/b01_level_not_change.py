# Lab 1: polling with sleep.
# A doorbell button module on GPIO5 (1 idle, 0 while pressed, clean edges); an LED on GPIO2.
# Print PRESS once for each press, and keep the LED blinking as a heartbeat.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

next_toggle = time.ticks_add(time.ticks_ms(), 500)

while True:
    level = button.value()
    if level == 0:
        print("PRESS")
    if time.ticks_diff(time.ticks_ms(), next_toggle) >= 0:
        led.value(not led.value())
        next_toggle = time.ticks_add(next_toggle, 500)
    time.sleep_ms(10)
