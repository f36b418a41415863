# Lab 1: polling with sleep.
# A doorbell button module on GPIO5 (1 idle, 0 while pressed, clean edges); an LED on GPIO2.
# Print PRESS once for each press, and keep the LED blinking as a heartbeat.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

# TODO (task 1): remember the level you read, to see when it changes
# TODO (task 3): remember when the LED should toggle next

while True:
    level = button.value()
    # TODO (task 1): this prints on every pass while the button is down: print only when it goes down
    if level == 0:
        print("PRESS")
    # TODO (task 3): toggle the LED every 500 ms, however often the loop runs
    led.value(not led.value())
    # TODO (task 2): a press must be reported within 60 ms, and an 80 ms press must not slip by
    time.sleep(1)
