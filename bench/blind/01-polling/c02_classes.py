# Lab 1: polling with sleep -- written with two small classes.
import time

from machine import Pin


class FallingEdge:
    """Reports True once each time the pin goes from 1 to 0."""

    def __init__(self, pin):
        self.pin = pin
        self.previous = pin.value()

    def poll(self):
        now = self.pin.value()
        fell = self.previous == 1 and now == 0
        self.previous = now
        return fell


class Heartbeat:
    """Toggles an LED on a fixed period, by the clock."""

    def __init__(self, pin, period_ms):
        self.pin = pin
        self.period = period_ms
        self.due = time.ticks_add(time.ticks_ms(), period_ms)

    def update(self):
        if time.ticks_diff(time.ticks_ms(), self.due) >= 0:
            self.pin.value(not self.pin.value())
            self.due = time.ticks_add(self.due, self.period)


button = FallingEdge(Pin(5, Pin.IN))
beat = Heartbeat(Pin(2, Pin.OUT), 500)

while True:
    if button.poll():
        print("PRESS")
    beat.update()
    time.sleep_ms(10)
