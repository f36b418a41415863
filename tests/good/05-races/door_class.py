# Another way to pass: the counter is a class. Its handler is a bound method made once
# (making one inside the IRQ would allocate); take() reads and resets in a short,
# branch-free masked section.
import time

import machine
from machine import Pin

REPORT_MS = 2000


class DoorCounter:
    def __init__(self, pin):
        self.count = 0
        self.last = 0
        self._handler = self.on_pass
        Pin(pin, Pin.IN).irq(handler=self._handler, trigger=Pin.IRQ_RISING)

    def on_pass(self, pin):
        self.count += 1
        self.last = time.ticks_ms()

    def take(self):
        state = machine.disable_irq()
        n, t = self.count, self.last
        self.count = 0
        machine.enable_irq(state)
        return n, t


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


door = DoorCounter(5)
while True:
    time.sleep_ms(REPORT_MS)
    n, t = door.take()
    report(n, t)
