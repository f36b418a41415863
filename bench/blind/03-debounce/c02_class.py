# Lab 3: debouncing, with a Debouncer class.
import time

from machine import Pin


class Debouncer:
    def __init__(self, pin, still_ms=20):
        self.pin = pin
        self.still_ms = still_ms
        self.moved_at = time.ticks_ms()    # handler writes
        self.level = pin.value()           # main loop writes
        self.count = 0                     # main loop writes
        pin.irq(handler=self._moved, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

    def _moved(self, pin):
        self.moved_at = time.ticks_ms()

    def poll(self):
        """Returns True when a new press has settled."""
        now = self.pin.value()
        if now == self.level:
            return False
        if time.ticks_diff(time.ticks_ms(), self.moved_at) < self.still_ms:
            return False
        self.level = now
        if now == 0:
            self.count += 1
            return True
        return False


button = Debouncer(Pin(5, Pin.IN, Pin.PULL_UP))
led = Pin(2, Pin.OUT)

while True:
    if button.poll():
        print("PRESS", button.count)
    time.sleep_ms(5)
