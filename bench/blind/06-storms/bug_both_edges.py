# Lab 6: interrupt storms and starvation.
# A flow meter on GPIO5: one pulse per 2.2 ml, 7.5 pulses a second per L/min (0 to 450 Hz).
# A loose wire sometimes adds a burst of 30 kHz chatter. An LED on GPIO2.
# Print FLOW n each second (n: the pulses of that second) and NOISE once per burst; keep the
# heartbeat blinking every 100 ms, and log the readings every 5 s.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

CHATTER_US = 500  # no flow pulse comes this close to the last one (450 Hz is 2222 us apart)
REARM_MS = 10  # re-arm the IRQ this long after the last trip
BURST_MS = 100  # trips closer than this belong to the same burst

pulses = 0  # written only by the handler
last_us = time.ticks_us()
tripped = 0  # trips so far: written only by the handler
trip_ms = 0  # ticks_ms() of the last trip
armed = True  # the handler clears it when it disarms, the main loop sets it when it re-arms
litres = 0.0
rate = 0.0


def on_pulse(pin):
    global pulses, last_us, tripped, trip_ms, armed
    now = time.ticks_us()
    gap = time.ticks_diff(now, last_us)
    last_us = now
    if gap < CHATTER_US:
        pin.irq(handler=None)  # chatter: no more ISR, no more handlers
        armed = False
        trip_ms = time.ticks_ms()
        tripped += 1
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


def arm():
    flow.irq(handler=on_pulse)


arm()

Timer(0).init(period=100, callback=beat)
history = [0] * 5
reads = 0
rows = []  # the LOG block still to print, one row per pass
seen_trips = 0
prev_trip = None  # ticks_ms() of the last trip the main loop saw
next_flow = time.ticks_add(time.ticks_ms(), 1000)
while True:
    now = time.ticks_ms()
    if time.ticks_diff(now, next_flow) >= 0:
        next_flow = time.ticks_add(next_flow, 1000)
        n = pulses
        pulses = 0
        print("FLOW", n)
        rate = n / 7.5  # L/min
        litres += n * 2.2 / 1000
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            rows = log_block(history).split("\n")
    elif rows:
        print(rows.pop(0))
    if tripped != seen_trips:
        seen_trips = tripped
        t = trip_ms
        if prev_trip is None or time.ticks_diff(t, prev_trip) > BURST_MS:
            print("NOISE")
        prev_trip = t
    if not armed and time.ticks_diff(time.ticks_ms(), trip_ms) >= REARM_MS:
        last_us = time.ticks_us()  # a spike right after re-arming is still chatter
        armed = True
        arm()
    time.sleep_ms(5)
