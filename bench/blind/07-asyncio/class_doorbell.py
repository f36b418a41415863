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


class Doorbell:
    BOUNCE_MS = 12

    def __init__(self, pin, bell_pin):
        self.presses = 0  # handler only
        self.rung = 0  # ring() only
        self.last = time.ticks_ms()
        self.flag = asyncio.ThreadSafeFlag()
        self.ding = asyncio.Event()
        self.bell = bell_pin
        pin.irq(handler=self.on_press, trigger=Pin.IRQ_FALLING)

    def on_press(self, pin):
        now = time.ticks_ms()
        if time.ticks_diff(now, self.last) < self.BOUNCE_MS:
            return  # a bounce of the press already counted
        self.last = now
        self.presses += 1
        self.flag.set()

    async def ring(self):
        while True:
            await self.flag.wait()
            while self.rung < self.presses:
                self.rung += 1
                print("RING", self.rung)
                self.ding.set()

    async def chime(self):
        while True:
            await self.ding.wait()
            self.ding.clear()
            self.bell.on()
            await asyncio.sleep_ms(120)
            self.bell.off()


async def main():
    bellpush = Doorbell(button, bell)
    asyncio.create_task(network())
    asyncio.create_task(display())
    asyncio.create_task(bellpush.chime())
    await bellpush.ring()


asyncio.run(main())
