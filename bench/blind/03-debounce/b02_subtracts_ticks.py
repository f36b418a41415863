# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

presses = 0
last_edge = time.ticks_ms()


def elapsed_ms(since):
    return time.ticks_ms() - since


def on_edge(pin):
    global last_edge
    last_edge = time.ticks_ms()


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

stable = button.value()
shown = 0
while True:
    level = button.value()
    if level != stable and elapsed_ms(last_edge) >= 20:
        stable = level
        if level == 0:
            presses += 1
    if presses != shown:
        shown = presses
        print("PRESS", shown)
    time.sleep_ms(5)
