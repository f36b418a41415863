# Lab 3: debouncing.
# The pin handler notes when the contacts moved; a periodic 5 ms timer decides,
# and the main loop only prints.
import time

from machine import Pin, Timer

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20
SAMPLE_MS = 5

last_move = time.ticks_ms()   # pin handler writes
debounced = button.value()    # timer callback writes
presses = 0                   # timer callback writes


def on_edge(pin):
    global last_move
    last_move = time.ticks_ms()


def sample(t):
    global debounced, presses
    level = button.value()
    if level != debounced and time.ticks_diff(time.ticks_ms(), last_move) >= STILL_MS:
        debounced = level
        if level == 0:
            presses += 1


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)
sampler = Timer(1)
sampler.init(period=SAMPLE_MS, mode=Timer.PERIODIC, callback=sample)

printed = 0   # main loop writes
while True:
    while printed != presses:
        printed += 1
        print("PRESS", printed)
    time.sleep_ms(5)
