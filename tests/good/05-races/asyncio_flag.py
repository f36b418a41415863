# Another way to pass: asyncio. The handler counts, notes the time and sets a
# ThreadSafeFlag (IRQ-safe) that wakes a task lighting the door lamp; a second task
# reports every 2 s, taking the count with no await and no jump between read and reset.
import asyncio
import time

from machine import Pin

REPORT_MS = 2000

beam = Pin(5, Pin.IN)
lamp = Pin(2, Pin.OUT)
came = asyncio.ThreadSafeFlag()

count = 0
last = 0


def on_pass(pin):
    global count, last
    count += 1
    last = time.ticks_ms()
    came.set()


def report(n, t):
    # Send the report to the shop's server: 120 ms waiting for its reply. Do not change it.
    time.sleep_ms(120)
    print("IN", n, "last=" + str(t))


async def welcome():
    while True:
        await came.wait()
        lamp.toggle()


async def reporter():
    global count
    while True:
        await asyncio.sleep_ms(REPORT_MS)
        n, t = count, last
        count = 0
        report(n, t)


async def main():
    lamp_task = asyncio.create_task(welcome())
    await reporter()
    lamp_task.cancel()


beam.irq(handler=on_pass, trigger=Pin.IRQ_RISING)
asyncio.run(main())
