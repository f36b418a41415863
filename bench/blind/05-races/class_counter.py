# Lab 5: race conditions.
# A shop-door people counter: an IR beam across the door on GPIO5 reads 1 while a person
# blocks it (150 to 400 ms each). Every 2 s, report how many came in since the last report,
# and when the last of them passed: IN n last=t.
import time

import machine
from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


class DoorCounter:
    def __init__(self, pin):
        self.count = 0
        self.last = 0
        pin.irq(handler=self.on_pass, trigger=Pin.IRQ_RISING)

    def on_pass(self, pin):
        self.count += 1
        self.last = time.ticks_ms()

    def take(self):
        irq = machine.disable_irq()
        n, t = self.count, self.last
        self.count = 0
        machine.enable_irq(irq)
        return n, t


counter = DoorCounter(beam)
while True:
    time.sleep_ms(REPORT_MS)
    n, t = counter.take()
    report(n, t)
