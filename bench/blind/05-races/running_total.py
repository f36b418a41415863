# Lab 5: race conditions.
# A shop-door people counter: an IR beam across the door on GPIO5 reads 1 while a person
# blocks it (150 to 400 ms each). Every 2 s, report how many came in since the last report,
# and when the last of them passed: IN n last=t.
import time

import machine
from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)

total = 0  # everyone ever counted: written only by the handler
last = 0  # time.ticks_ms() of the latest person: written only by the handler


def on_pass(pin):
    global total, last
    total += 1
    last = time.ticks_ms()


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


beam.irq(handler=on_pass, trigger=Pin.IRQ_RISING)

reported = 0  # written only by the main loop
while True:
    time.sleep_ms(REPORT_MS)
    seen, t = total, last  # one line, no jump: the pair is from one moment
    n = seen - reported
    reported = seen
    report(n, t)
