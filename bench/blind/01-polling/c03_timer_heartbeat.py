# Lab 1: polling with sleep.
# The heartbeat is left to a hardware timer, the loop only polls the button.
import time

from machine import Pin, Timer

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)


def blink(t):
    led.value(not led.value())


heartbeat = Timer(0)
heartbeat.init(period=500, mode=Timer.PERIODIC, callback=blink)

was_up = button.value() == 1
while True:
    up = button.value() == 1
    if was_up and not up:
        print("PRESS")
    was_up = up
    time.sleep_ms(10)
