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


SIZE = 16  # a power of two: wrap with & MASK
MASK = SIZE - 1
ring = array("i", [0] * (2 * SIZE))  # pairs: ring[2*i] = number, ring[2*i+1] = length in us
w = 0  # next slot to write (handler)
r = 0  # next slot to read (main loop)
left = 0  # parcels that have left the beam
came = 0  # when the current one arrived (ticks_us)


def beam_irq(pin):
    global w, left, came
    now = time.ticks_us()
    if pin.value():
        came = now
        return
    left += 1
    if ((w + 1) & MASK) == r:
        return  # no room: the reader still needs what is there
    ring[2 * w] = left
    ring[2 * w + 1] = time.ticks_diff(now, came)
    w = (w + 1) & MASK


beam.irq(trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING, handler=beam_irq)

last_n = 0
while True:
    while r != w:
        n = ring[2 * r]
        lost = n - last_n - 1
        if lost > 0:
            print("LOST", lost)
        print("PARCEL %d len=%d" % (n, (ring[2 * r + 1] + 500) // 1000))
        last_n = n
        r = (r + 1) & MASK
    upload()
    for _ in range(30):
        crunch(0.5)
