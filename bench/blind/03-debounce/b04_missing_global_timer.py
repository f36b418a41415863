# Lab 3: debouncing with a one-shot timer restarted by every edge.
import time

from machine import Pin, Timer

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20

presses = 0
stable = button.value()
settle = Timer(0)


def settled(t):
    global presses
    level = button.value()
    if level != stable:
        stable = level
        if level == 0:
            presses += 1


def on_edge(pin):
    settle.init(mode=Timer.ONE_SHOT, period=STILL_MS, callback=settled)


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

shown = 0
while True:
    while shown != presses:
        shown += 1
        print("PRESS", shown)
    time.sleep_ms(5)
