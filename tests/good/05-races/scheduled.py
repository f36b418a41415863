# Another way to pass: the pin handler notes the time and hands the counting to a function
# run by micropython.schedule (the pattern for ports whose pin IRQs are hard). Both run
# whole, between two pending checks of the main loop, so the snapshot needs no mask.
import time

import micropython
from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)

count = 0
last = 0


def add(t):
    global count, last
    count += 1
    last = t


def on_pass(pin):
    micropython.schedule(add, time.ticks_ms())


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


beam.irq(handler=on_pass, trigger=Pin.IRQ_RISING)

while True:
    time.sleep_ms(REPORT_MS)
    n, t, count = count, last, 0  # one statement: no jump between the reads and the reset
    report(n, t)
