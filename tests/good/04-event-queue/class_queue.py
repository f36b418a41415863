# Another way to pass: the queue as a class. head and tail run on for ever and are masked
# into a slot, so the ring uses all 16 slots (full: head - tail == 16).
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


class ParcelQueue:
    def __init__(self, slots):
        self.mask = slots - 1  # slots is a power of two
        self.slots = slots
        self.numbers = array("i", bytearray(4 * slots))
        self.lengths = array("i", bytearray(4 * slots))
        self.head = 0  # entries ever written: only on_beam() changes it
        self.tail = 0  # entries ever read: only take() changes it
        self.passed = 0
        self.arrived = 0

    def on_beam(self, pin):
        now = time.ticks_us()
        if pin.value():
            self.arrived = now
            return
        self.passed += 1
        if self.head - self.tail == self.slots:
            return  # full
        i = self.head & self.mask
        self.numbers[i] = self.passed
        self.lengths[i] = time.ticks_diff(now, self.arrived)
        self.head += 1

    def take(self):
        # (number, length in us) of the oldest entry, or None when empty.
        if self.tail == self.head:
            return None
        i = self.tail & self.mask
        self.tail += 1
        return self.numbers[i], self.lengths[i]


queue = ParcelQueue(16)
beam.irq(handler=queue.on_beam)  # the bound method is made once, here

n = 0
while True:
    entry = queue.take()
    while entry:
        number, length = entry
        if number != n + 1:
            print("LOST", number - n - 1)
        n = number
        print("PARCEL", n, f"len={(length + 500) // 1000}")
        entry = queue.take()
    upload()
    for _ in range(15):
        crunch(1)
