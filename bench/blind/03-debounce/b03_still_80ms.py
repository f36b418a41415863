# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 80   # cheap buttons can be bad: wait well past the bounce to be safe

presses = 0
last_edge = time.ticks_ms()


def on_edge(pin):
    global last_edge
    last_edge = time.ticks_ms()


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

stable = button.value()
while True:
    level = button.value()
    if level != stable and time.ticks_diff(time.ticks_ms(), last_edge) >= STILL_MS:
        stable = level
        if level == 0:
            presses += 1
            print("PRESS", presses)
    time.sleep_ms(5)
