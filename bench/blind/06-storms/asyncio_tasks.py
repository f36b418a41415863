# Lab 6: interrupt storms and starvation.
# A flow meter on GPIO5: one pulse per 2.2 ml, 7.5 pulses a second per L/min (0 to 450 Hz).
# A loose wire sometimes adds a burst of 30 kHz chatter. An LED on GPIO2.
# Print FLOW n each second (n: the pulses of that second) and NOISE once per burst; keep the
# heartbeat blinking every 100 ms, and log the readings every 5 s.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)
import asyncio

GAP_US = 500
pulses = 0
last_us = time.ticks_us()
trips = 0
trip_ms = 0
disarmed = False


def on_pulse(pin):
    global pulses, last_us, trips, trip_ms, disarmed
    now = time.ticks_us()
    gap = time.ticks_diff(now, last_us)
    last_us = now
    if gap < GAP_US:
        pin.irq(handler=None)
        disarmed = True
        trip_ms = time.ticks_ms()
        trips += 1
    else:
        pulses += 1


def beat(timer):
    # The heartbeat: the LED toggles every 100 ms while the board is alive. Do not change it.
    led.toggle()


def log_block(history):
    # The PC's logger reads the last five readings as one block. Do not change its text.
    rows = [
        f"  {5 - i} s ago   {n:4d} pulses   {n / 7.5:5.1f} L/min   {n * 2.2:8.1f} ml"
        for i, n in enumerate(history)
    ]
    return "LOG\n" + "\n".join(rows)


history = [0] * 5
log_rows = []


async def flow_task():
    global pulses, log_rows
    reads = 0
    due = time.ticks_ms()
    while True:
        due = time.ticks_add(due, 1000)
        await asyncio.sleep_ms(time.ticks_diff(due, time.ticks_ms()))
        n = pulses
        pulses = 0
        print("FLOW", n)
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            log_rows = log_block(history).split("\n")


async def log_task():
    while True:
        if log_rows:
            print(log_rows.pop(0))  # one row, then let the UART drain
        await asyncio.sleep_ms(5)


async def noise_task():
    global disarmed, last_us
    seen = 0
    last_trip = None
    while True:
        if trips != seen:
            seen = trips
            t = trip_ms
            if last_trip is None or time.ticks_diff(t, last_trip) > 100:
                print("NOISE")
            last_trip = t
        if disarmed and time.ticks_diff(time.ticks_ms(), trip_ms) >= 10:
            disarmed = False
            last_us = time.ticks_us()
            flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
        await asyncio.sleep_ms(5)


async def main():
    asyncio.create_task(log_task())
    asyncio.create_task(noise_task())
    await flow_task()


flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
Timer(0).init(period=100, callback=beat)
asyncio.run(main())
