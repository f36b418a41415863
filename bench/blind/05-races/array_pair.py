# Lab 5: race conditions.
# A shop-door people counter: an IR beam across the door on GPIO5 reads 1 while a person
# blocks it (150 to 400 ms each). Every 2 s, report how many came in since the last report,
# and when the last of them passed: IN n last=t.
import time

import machine
from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)
from array import array

COUNT, LAST = 0, 1
shared = array("i", [0, 0])  # shared[COUNT] people, shared[LAST] ticks_ms() of the latest


def on_pass(pin):
    shared[LAST] = time.ticks_ms()
    shared[COUNT] += 1


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


beam.irq(handler=on_pass, trigger=Pin.IRQ_RISING)

while True:
    time.sleep_ms(REPORT_MS)
    was = machine.disable_irq()
    n = shared[COUNT]
    t = shared[LAST]
    shared[COUNT] = 0
    machine.enable_irq(was)
    report(n, t)
