# Another way to pass: no reset and no mask. The handler alone writes the running total, the
# time and a sequence number; the main loop copies the pair and keeps it only if the
# sequence number did not move meanwhile (a seqlock read), then reports the difference from
# what it reported before. Safe on a port with hard IRQs too.
import time

from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)

total = 0  # everyone so far: written only by the handler
last = 0  # time.ticks_ms() when the last person passed: only the handler
seq = 0  # bumped by the handler after each pair it writes


def on_pass(pin):
    global total, last, seq
    total += 1
    last = time.ticks_ms()
    seq += 1


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


def snapshot():
    # Copy the pair; if a handler ran while copying, seq moved: copy again.
    while True:
        before = seq
        c, t = total, last
        if seq == before:
            return c, t


beam.irq(handler=on_pass, trigger=Pin.IRQ_RISING)

reported = 0  # written only by the main loop
while True:
    time.sleep_ms(REPORT_MS)
    c, t = snapshot()
    report(c - reported, t)
    reported = c
