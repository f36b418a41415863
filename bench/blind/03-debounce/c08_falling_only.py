# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

presses = 0
last_fall = time.ticks_ms()


def elapsed_ms(since):
    return time.ticks_diff(time.ticks_ms(), since)


def on_edge(pin):
    # The level can only be 0 after a falling edge, so the last falling edge
    # is when a low level began: that is all the debounce needs to know.
    global last_fall
    last_fall = time.ticks_ms()


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING)

stable = 1
while True:
    level = button.value()
    if level != stable and elapsed_ms(last_fall) >= 20:
        stable = level
        if level == 0:
            presses += 1
            print("PRESS", presses)
    time.sleep_ms(5)
