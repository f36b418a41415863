# fails: test_handler_allocates_nothing
# A list as the queue: safe from loss on this port, but append() allocates in the handler.
# Lab 4: the event queue.
# An IR break-beam across a parcel conveyor on GPIO5 reads 1 while a parcel blocks it; an LED
# on GPIO2. Print PARCEL n len=L for each parcel (n counts the parcels from 1, L is how long it
# blocked the beam, in ms), in order, while the main loop keeps calling upload() and crunch().
import time

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


queue = []  # (number, length in us), oldest first
passed = 0
arrived = 0


def on_beam(pin):
    global passed, arrived
    now = time.ticks_us()
    if pin.value():
        arrived = now
        return
    passed += 1
    if len(queue) < 15:
        queue.append((passed, time.ticks_diff(now, arrived)))


beam.irq(handler=on_beam)  # both edges: a parcel arrives (0 -> 1) and leaves (1 -> 0)

n = 0
while True:
    while queue:
        number, length = queue.pop(0)
        if number != n + 1:
            print("LOST", number - n - 1)
        n = number
        print("PARCEL", n, f"len={(length + 500) // 1000}")
    upload()
    # The same 15 ms of work in 1 ms pieces: between two pieces the loop passes a pending
    # check, so a handler never waits more than about 1 ms.
    for _ in range(15):
        crunch(1)
