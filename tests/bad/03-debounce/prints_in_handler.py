# fails: test_handler_does_not_print_or_sleep
# Debounces with a lockout and prints from the handler.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
presses = 0
last_count = time.ticks_add(time.ticks_ms(), -50)


def on_press(pin):
    global presses, last_count
    now = time.ticks_ms()
    if time.ticks_diff(now, last_count) >= 50:
        presses += 1
        last_count = now
        print("PRESS", presses)  # BUG: printing from the handler


button.irq(handler=on_press, trigger=Pin.IRQ_FALLING)

while True:
    time.sleep_ms(5)
