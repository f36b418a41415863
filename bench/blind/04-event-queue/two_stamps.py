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


RING = 16
t_on = [0] * RING  # ticks_us() when the parcel broke the beam
t_off = [0] * RING  # ticks_us() when it left
seq = [0] * RING  # the parcel's number
wr = 0  # handler's index
rd = 0  # main loop's index
total = 0
entering = 0


def on_beam(pin):
    global wr, total, entering
    stamp = time.ticks_us()
    if pin.value() == 1:
        entering = stamp
    else:
        total += 1
        nxt = wr + 1
        if nxt == RING:
            nxt = 0
        if nxt != rd:
            t_on[wr] = entering
            t_off[wr] = stamp
            seq[wr] = total
            wr = nxt


beam.irq(handler=on_beam)

shown = 0
while True:
    while rd != wr:
        k = seq[rd]
        length_ms = time.ticks_diff(t_off[rd], t_on[rd]) // 1000
        if k > shown + 1:
            print("LOST", k - shown - 1)
        print("PARCEL", k, "len=" + str(length_ms))
        shown = k
        rd = rd + 1 if rd + 1 < RING else 0
    upload()
    done = 0
    while done < 15:
        crunch(1)
        done += 1
