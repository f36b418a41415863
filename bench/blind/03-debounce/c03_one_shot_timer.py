# Lab 3: debouncing with a one-shot timer restarted by every edge.
# The timer only fires once the contacts have been still for STILL_MS.
import time

from machine import Pin, Timer

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20

presses = 0                # written only by the timer callback
stable = button.value()    # written only by the timer callback
settle = Timer(0)


def settled(t):
    global stable, presses
    level = button.value()
    if level != stable:
        stable = level
        if level == 0:
            presses += 1


def on_edge(pin):
    # every bounce pushes the deadline back
    settle.init(mode=Timer.ONE_SHOT, period=STILL_MS, callback=settled)


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

shown = 0
while True:
    while shown != presses:
        shown += 1
        print("PRESS", shown)
    time.sleep_ms(5)
