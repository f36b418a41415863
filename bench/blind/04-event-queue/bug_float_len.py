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


SLOTS = 16
lengths = [0.0] * SLOTS  # parcel length in ms, written only by the handler
numbers = array("i", [0] * SLOTS)  # parcel number (1, 2, ...), written only by the handler
head = 0  # written only by the handler
tail = 0  # written only by the main loop
passed = 0  # every parcel that left the beam, kept or dropped
start = 0  # ticks_us() when the current parcel arrived


def on_beam(pin):
    global head, passed, start
    now = time.ticks_us()
    if pin.value():
        start = now  # the parcel broke the beam
        return
    passed += 1
    after = (head + 1) % SLOTS
    if after == tail:
        return  # full: keep the unread entries, this parcel is counted in passed
    lengths[head] = time.ticks_diff(now, start) / 1000  # in ms
    numbers[head] = passed
    head = after


beam.irq(handler=on_beam)  # both edges: a parcel arrives (0 -> 1) and leaves (1 -> 0)

printed = 0  # number of the last parcel accounted for
while True:
    while tail != head:
        num = numbers[tail]
        ms = lengths[tail]
        if num - printed > 1:
            print("LOST", num - printed - 1)
        print("PARCEL", num, f"len={round(ms)}")
        printed = num
        tail = (tail + 1) % SLOTS
    upload()
    for _ in range(15):
        crunch(1)
