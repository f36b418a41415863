# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20

presses = 0
settled_at = time.ticks_ms()   # the moment the contacts will count as still


def on_edge(pin):
    global settled_at
    settled_at = time.ticks_ms() + STILL_MS


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

stable = button.value()
shown = 0
while True:
    level = button.value()
    if level != stable and time.ticks_ms() >= settled_at:
        stable = level
        if level == 0:
            presses += 1
    while shown != presses:
        shown += 1
        print("PRESS", shown)
    time.sleep_ms(5)
