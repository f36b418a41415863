# Another way to pass, in asyncio: the handler notes when the contacts moved and sets a
# ThreadSafeFlag; a task wakes on it, waits until they have been still for 20 ms, and
# then reads the level.
import asyncio
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20
last_edge = time.ticks_ms()  # written only by the handler
moved = asyncio.ThreadSafeFlag()  # set() is safe in a handler


def on_edge(pin):
    global last_edge
    last_edge = time.ticks_ms()
    moved.set()


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)


async def debounce():
    presses = 0
    stable = 1
    while True:
        await moved.wait()
        still = time.ticks_diff(time.ticks_ms(), last_edge)  # right across the ticks wrap
        while still < STILL_MS:  # a bounce during the wait moves last_edge on
            await asyncio.sleep_ms(STILL_MS - still)
            still = time.ticks_diff(time.ticks_ms(), last_edge)
        level = button.value()
        if level != stable:
            stable = level
            if level == 0:
                presses += 1
                print("PRESS", presses)


asyncio.run(debounce())
