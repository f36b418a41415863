# Lab 7: asyncio and ThreadSafeFlag.
# A doorbell push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its
# contacts bounce for up to 3 ms as they close. Four tasks share the board: network() polls
# a server every 200 ms, display() redraws the screen every 50 ms (GPIO13 toggles as each
# frame is latched), chime() sounds the bell on GPIO2, and doorbell() must print RING n for
# every press, n counting from 1.
import asyncio
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
bell = Pin(2, Pin.OUT)
latch = Pin(13, Pin.OUT)

count = 0  # presses, written only by the IRQ handler
stamp = time.ticks_ms()  # when the last counted press began
wake = asyncio.ThreadSafeFlag()
ring_bell = asyncio.Event()
HOLDOFF_MS = 15  # bounces last 3 ms; two presses come 20 ms apart at the closest


def work(ms):
    # Stands for ms of real work (decoding, drawing): Python that never awaits.
    t0 = time.ticks_us()
    while time.ticks_diff(time.ticks_us(), t0) < ms * 1000:
        pass


async def network():
    # Provided: polls the server every 200 ms and spends 25 ms decoding its reply.
    due = time.ticks_ms()
    while True:
        due = time.ticks_add(due, 200)
        await asyncio.sleep_ms(time.ticks_diff(due, time.ticks_ms()))
        work(25)


async def display():
    # Provided: redraws every 50 ms (4 ms of drawing), then latches the frame.
    due = time.ticks_ms()
    while True:
        work(4)
        latch.value(not latch.value())
        due = time.ticks_add(due, 50)
        await asyncio.sleep_ms(time.ticks_diff(due, time.ticks_ms()))


def on_button(pin):
    global count, stamp
    t = time.ticks_ms()
    if time.ticks_diff(t, stamp) < HOLDOFF_MS:
        return
    stamp = t
    count += 1
    wake.set()


async def chime():
    while True:
        await ring_bell.wait()
        ring_bell.clear()
        bell.value(1)
        await asyncio.sleep_ms(120)
        bell.value(0)


async def doorbell():
    done = 0
    while True:
        await wake.wait()
        target = count
        while done < target:
            done += 1
            print("RING", done)
        ring_bell.set()


async def main():
    for t in (network, display, chime):
        asyncio.create_task(t())
    await doorbell()


button.irq(trigger=Pin.IRQ_FALLING, handler=on_button)
asyncio.run(main())
