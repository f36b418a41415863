# fails: test_runs
# head and tail move on but never wrap: the 17th parcel writes past the arrays' end.
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


# A ring buffer, allocated once: the handler only writes into it, so it allocates nothing.
# head is written only by the handler, tail only by the main loop: one writer each, so
# neither can undo the other's update, whenever the handler runs.
SLOTS = 16
numbers = array("i", bytearray(4 * SLOTS))  # which parcel each entry is: 1, 2, 3 ...
lengths = array("i", bytearray(4 * SLOTS))  # how long it blocked the beam, in us
head = 0  # the next slot the handler fills
tail = 0  # the next slot the main loop reads: head == tail means empty
passed = 0  # parcels that left the beam, dropped or not: numbers them
arrived = 0  # ticks_us() when the current parcel broke the beam


def on_beam(pin):
    # Time from the edge: ticks_us() now, not when the main loop gets round to it.
    global head, passed, arrived
    now = time.ticks_us()
    if pin.value():
        arrived = now
        return
    passed += 1
    after = head + 1
    if after == tail:
        return  # full: the unread entries stay; the gap in numbers tells the main loop
    numbers[head] = passed
    lengths[head] = time.ticks_diff(now, arrived)
    head = after


beam.irq(handler=on_beam)  # both edges: a parcel arrives (0 -> 1) and leaves (1 -> 0)

n = 0
while True:
    # Read from tail up to head; only this loop moves tail, once the entry is printed.
    while tail != head:
        number = numbers[tail]
        if number != n + 1:
            print("LOST", number - n - 1)  # a gap in the numbers: the ring was full
        n = number
        print("PARCEL", n, f"len={(lengths[tail] + 500) // 1000}")
        tail += 1
    upload()
    # The same 15 ms of work in 1 ms pieces: between two pieces the loop passes a pending
    # check, so a handler never waits more than about 1 ms.
    for _ in range(15):
        crunch(1)
