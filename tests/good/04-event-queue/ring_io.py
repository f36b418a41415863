# Another way to pass: micropython.RingIO, a ring of bytes kept in C, is the queue. The handler
# packs each parcel into 8 bytes it owns and writes them only when all 8 fit.
import struct
import time

import machine
import micropython
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


RECORD = 8  # number and length, two 32-bit ints
ring = micropython.RingIO(16 * RECORD)  # room for 16 parcels, made once
record = bytearray(RECORD)  # the handler packs into this: no allocation
got = bytearray(RECORD)  # the main loop unpacks from this
passed = 0
arrived = 0


def on_beam(pin):
    global passed, arrived
    now = time.ticks_us()
    if pin.value():
        arrived = now
        return
    passed += 1
    if 16 * RECORD - ring.any() < RECORD:
        return  # full: what is unread stays; the number's jump says what was lost
    struct.pack_into("<ii", record, 0, passed, time.ticks_diff(now, arrived))
    ring.write(record)


beam.irq(handler=on_beam)

n = 0
while True:
    while ring.any() >= RECORD:
        ring.readinto(got)
        number, length = struct.unpack("<ii", got)
        if number != n + 1:
            print("LOST", number - n - 1)
        n = number
        print("PARCEL", n, f"len={(length + 500) // 1000}")
    upload()
    for _ in range(15):
        crunch(1)
