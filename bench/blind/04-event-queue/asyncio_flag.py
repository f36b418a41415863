# Lab 4: the event queue.
# An IR break-beam across a parcel conveyor on GPIO5 reads 1 while a parcel blocks it; an LED
# on GPIO2. Print PARCEL n len=L for each parcel (n counts the parcels from 1, L is how long it
# blocked the beam, in ms), in order, while the main loop keeps calling upload() and crunch().
import time
from array import array

import machine
from machine import Pin

beam = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)
started = time.ticks_ms()


def upload():
    # Sends the report: 250 ms waiting on the network, during which handlers run. From 6 s
    # to 8.5 s after the start the network is down, and upload() waits for it. Do not change it.
    time.sleep_ms(250)
    while 6000 <= time.ticks_diff(time.ticks_ms(), started) < 8500:
        time.sleep_ms(10)


def crunch(ms=15):
    # Compresses the log: `ms` ms of work inside one C call, with the LED lit. No handler
    # runs until it returns (like a flash write). Do not change it; you may call it with a
    # smaller ms, more often.
    led.on()
    machine.time_pulse_us(led, 0, int(ms * 1000))  # waits for the lit LED to go dark: it can't
    led.off()

import asyncio

N = 16
when_len = array("i", [0] * N)
which = array("i", [0] * N)
head = 0  # handler only
tail = 0  # reporter task only
count = 0
t_in = 0
ready = asyncio.ThreadSafeFlag()


def on_beam(pin):
    global head, count, t_in
    t = time.ticks_us()
    if pin.value():
        t_in = t
        return
    count += 1
    nxt = (head + 1) % N
    if nxt == tail:
        return
    when_len[head] = time.ticks_diff(t, t_in)
    which[head] = count
    head = nxt
    ready.set()


async def reporter():
    global tail
    last = 0
    while True:
        await ready.wait()
        while tail != head:
            n = which[tail]
            if n != last + 1:
                print("LOST", n - last - 1)
            print("PARCEL", n, "len={}".format((when_len[tail] + 500) // 1000))
            last = n
            tail = (tail + 1) % N


async def worker():
    while True:
        # sleep_ms(1), not 0: a task due at once would run again before the woken reporter
        await asyncio.sleep_ms(1)
        upload()
        for _ in range(15):
            crunch(1)


beam.irq(handler=on_beam)


async def main():
    asyncio.create_task(reporter())
    await worker()


asyncio.run(main())
