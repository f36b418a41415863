# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

presses = 0
# TODO (task 1): remember when the contacts last moved


def elapsed_ms(since):
    # TODO (task 3): what does this return when ticks_ms() wraps from 2**30 - 1 to 0?
    return time.ticks_ms() - since


def on_edge(pin):
    # TODO (task 1): a bouncing contact makes many edges per press: note the time, don't count
    global presses
    presses += 1


# TODO (task 2): releases bounce too: watch both edges
button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING)

shown = 0
while True:
    # TODO (task 1): count a press once the contacts have been still for a while, at 0
    if presses != shown:
        shown = presses
        print("PRESS", shown)
    time.sleep_ms(5)
