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


# TODO (task 1): a list the handler grows allocates in the handler: preallocate a ring buffer
events = []
start = 0  # when the current parcel arrived


def on_beam(pin):
    # TODO (task 1): write into the ring at head, then move head on (and wrap it)
    # TODO (task 3): when the ring is full, keep the unread entries: count the parcel as lost
    events.append((time.ticks_ms(), pin.value()))


beam.irq(handler=on_beam)  # both edges: a parcel arrives (0 -> 1) and leaves (1 -> 0)

n = 0
while True:
    # TODO (task 1): read from tail up to head, and let only the main loop move tail
    # TODO (task 3): print LOST k before the next PARCEL when k parcels were dropped
    for t, level in events:
        if level == 1:
            start = t
        else:
            n += 1
            print("PARCEL", n, f"len={time.ticks_diff(t, start)}")
    upload()
    # TODO (task 1): the events that came during upload() are wiped here
    events.clear()
    # TODO (task 2): no handler runs during a 15 ms C call: do the same work in 1 ms pieces
    crunch()
