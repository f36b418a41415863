# fails: test_counts_each_press_once
# passes: test_counts_survive_ticks_wrap, test_bouncing_release_does_not_count
# Prints the count before updating it: PRESS 0, PRESS 1 ... Right presses, wrong numbers.
# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

presses = 0
STILL_MS = 20  # bounces last up to about 10 ms: still for 20 ms means settled
last_edge = time.ticks_ms()  # when the contacts last moved, written only by the handler
stable = 1  # the debounced level: 1 released, 0 pressed


def elapsed_ms(since):
    # ticks_diff stays right when ticks_ms() wraps at 2**30; a plain subtraction does not.
    return time.ticks_diff(time.ticks_ms(), since)


def on_edge(pin):
    # Only note when the contacts moved; the main loop decides what the level means.
    global last_edge
    last_edge = time.ticks_ms()


# Both edges: a bouncing release restarts the wait just as a bouncing press does.
button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

shown = 0
while True:
    # Take a new level only once the contacts have been still for STILL_MS: bounces, a
    # bouncing release or a 1 ms glitch never last that long, so they change nothing.
    level = button.value()
    if level != stable and elapsed_ms(last_edge) >= STILL_MS:
        stable = level
        if level == 0:
            presses += 1
    if presses != shown:
        print("PRESS", shown)  # BUG: the count before this press: 0, 1, 2 ...
        shown = presses
    time.sleep_ms(5)
