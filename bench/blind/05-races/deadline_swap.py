# Lab 5: race conditions.
# A shop-door people counter: an IR beam across the door on GPIO5 reads 1 while a person
# blocks it (150 to 400 ms each). Every 2 s, report how many came in since the last report,
# and when the last of them passed: IN n last=t.
import time

import machine
from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)

people = 0
last_seen = 0


def on_person(pin):
    global people, last_seen
    last_seen = time.ticks_ms()
    people += 1


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


beam.irq(trigger=Pin.IRQ_RISING, handler=on_person)

due = time.ticks_add(time.ticks_ms(), REPORT_MS)
while True:
    wait = time.ticks_diff(due, time.ticks_ms())
    if wait > 0:
        time.sleep_ms(wait)
        continue
    due = time.ticks_add(due, REPORT_MS)
    s = machine.disable_irq()
    n, t, people = people, last_seen, 0
    machine.enable_irq(s)
    report(n, t)
