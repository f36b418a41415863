# Lab 1: polling with sleep.
# A doorbell button module on GPIO5 (1 idle, 0 while pressed, clean edges); an LED on GPIO2.
# Print PRESS once for each press, and keep the LED blinking as a heartbeat.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

last = button.value()

while True:
    level = button.value()
    if level == 0 and last == 1:
        print("PRESS")
    last = level
    led.value(not led.value())
    time.sleep_ms(10)
