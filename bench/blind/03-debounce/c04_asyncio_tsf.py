# Lab 3: debouncing with asyncio. The handler notes the time and wakes a task.
import asyncio
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20

moved = asyncio.ThreadSafeFlag()
last_edge = time.ticks_ms()


def on_edge(pin):
    global last_edge
    last_edge = time.ticks_ms()
    moved.set()


async def debounce():
    stable = button.value()
    presses = 0
    while True:
        await moved.wait()
        # wait until the contacts have been still for STILL_MS
        while time.ticks_diff(time.ticks_ms(), last_edge) < STILL_MS:
            await asyncio.sleep_ms(5)
        level = button.value()
        if level != stable:
            stable = level
            if level == 0:
                presses += 1
                print("PRESS", presses)


button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)
asyncio.run(debounce())
