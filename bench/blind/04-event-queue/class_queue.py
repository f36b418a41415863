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


class ParcelQueue:
    SIZE = 16

    def __init__(self):
        self.length_us = array("i", [0] * self.SIZE)
        self.number = array("i", [0] * self.SIZE)
        self.head = 0  # entries ever written: only the handler moves it
        self.tail = 0  # entries ever read: only the reader moves it
        self.passed = 0
        self.arrived = 0
        self.reported = 0

    def on_edge(self, pin):
        now = time.ticks_us()
        if pin.value() == 1:
            self.arrived = now
            return
        self.passed += 1
        if self.head - self.tail >= self.SIZE:
            return  # ring full: drop the newest, it shows up as LOST later
        slot = self.head % self.SIZE
        self.length_us[slot] = time.ticks_diff(now, self.arrived)
        self.number[slot] = self.passed
        self.head += 1

    def report(self):
        while self.tail != self.head:
            slot = self.tail % self.SIZE
            n = self.number[slot]
            ms = (self.length_us[slot] + 500) // 1000
            gap = n - self.reported - 1
            if gap:
                print("LOST", gap)
            print("PARCEL", n, "len=%d" % ms)
            self.reported = n
            self.tail += 1


queue = ParcelQueue()
handler = queue.on_edge  # bound once, before the IRQ is set
beam.irq(handler=handler, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)

while True:
    queue.report()
    upload()
    for piece in range(15):
        crunch(1)
