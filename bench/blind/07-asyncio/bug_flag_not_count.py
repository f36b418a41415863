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

presses = 0  # written only by the handler
rung = 0  # written only by doorbell()
last_press = time.ticks_ms()
ding = asyncio.Event()  # doorbell() -> chime(): both run in the asyncio loop
tsf = asyncio.ThreadSafeFlag()  # handler -> doorbell()
DEBOUNCE_MS = 10  # the bounces are over within 3 ms


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


def on_press(pin):
    global presses, last_press
    now = time.ticks_ms()
    if time.ticks_diff(now, last_press) >= DEBOUNCE_MS:
        presses += 1
        last_press = now
        tsf.set()


async def chime():
    # Sounds the bell for 120 ms each time doorbell() sets `ding`.
    while True:
        await ding.wait()
        ding.clear()
        bell.on()
        await asyncio.sleep_ms(120)
        bell.off()


async def doorbell():
    global rung
    while True:
        await tsf.wait()
        rung += 1
        print("RING", rung)
        ding.set()


button.irq(handler=on_press, trigger=Pin.IRQ_FALLING)
others = [asyncio.create_task(task()) for task in (network, display, chime)]
asyncio.run(doorbell())
