# Another way to pass: every edge restarts a 20 ms one-shot Timer, which fires only once
# the contacts have been still for 20 ms. No ticks arithmetic at all.
import time

from machine import Pin, Timer

button = Pin(5, Pin.IN, Pin.PULL_UP)
settle = Timer(0)
presses = 0
stable = 1


def settled(timer):
    global presses, stable
    level = button.value()
    if level != stable:
        stable = level
        if level == 0:
            presses += 1


def on_edge(pin):
    settle.init(mode=Timer.ONE_SHOT, period=20, callback=settled)


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

shown = 0
while True:
    if presses != shown:
        shown = presses
        print("PRESS", shown)
    time.sleep_ms(5)
