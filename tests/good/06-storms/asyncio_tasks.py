# asyncio: one task reports FLOW each second, one watches for storms, one prints the log a
# row at a time. The handler only counts (or disarms itself) and wakes nobody: the tasks
# read what it wrote.
import asyncio
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)
total = 0
last_us = time.ticks_us()
tripped = 0
rows = []


def on_pulse(pin):
    global total, last_us, tripped
    now = time.ticks_us()
    gap = time.ticks_diff(now, last_us)
    last_us = now
    if gap < 500:
        pin.irq(handler=None)
        tripped = 1
    else:
        total += 1


def beat(timer):
    led.toggle()


def log_block(history):
    rows = [
        f"  {5 - i} s ago   {n:4d} pulses   {n / 7.5:5.1f} L/min   {n * 2.2:8.1f} ml"
        for i, n in enumerate(history)
    ]
    return "LOG\n" + "\n".join(rows)


async def report():
    global rows
    history = [0] * 5
    reads = reported = 0
    due = time.ticks_add(time.ticks_ms(), 1000)
    while True:
        await asyncio.sleep_ms(time.ticks_diff(due, time.ticks_ms()))
        due = time.ticks_add(due, 1000)
        t = total
        print("FLOW", t - reported)
        history[reads % 5] = t - reported
        reported = t
        reads += 1
        if reads % 5 == 0:
            rows = log_block(history).split("\n")


async def logger():
    global rows
    while True:
        if rows:
            print(rows.pop(0))
        await asyncio.sleep_ms(5)


async def watch():
    global tripped, last_us
    noisy_since = time.ticks_add(time.ticks_ms(), -1000)
    while True:
        await asyncio.sleep_ms(2)
        if tripped:
            tripped = 0
            now = time.ticks_ms()
            if time.ticks_diff(now, noisy_since) > 100:
                print("NOISE")
            noisy_since = now
            await asyncio.sleep_ms(10)
            last_us = time.ticks_us()
            flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)


async def main():
    flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
    Timer(0).init(period=100, callback=beat)
    tasks = (asyncio.create_task(report()), asyncio.create_task(logger()))
    await watch()
    return tasks


asyncio.run(main())
