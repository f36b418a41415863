# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

LOCKOUT_MS = 50

presses = 0
last_count = time.ticks_add(time.ticks_ms(), -LOCKOUT_MS)


def on_edge(pin):
    # count the first falling edge, then ignore the bounces for 50 ms
    global presses, last_count
    now = time.ticks_ms()
    if time.ticks_diff(now, last_count) >= LOCKOUT_MS:
        presses += 1
        last_count = now


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING)

shown = 0
while True:
    while shown != presses:
        shown += 1
        print("PRESS", shown)
    time.sleep_ms(5)
