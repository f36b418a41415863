# Lab 6: interrupt storms and starvation.
# A flow meter on GPIO5: one pulse per 2.2 ml, 7.5 pulses a second per L/min (0 to 450 Hz).
# A loose wire sometimes adds a burst of 30 kHz chatter. An LED on GPIO2.
# Print FLOW n each second (n: the pulses of that second) and NOISE once per burst; keep the
# heartbeat blinking every 100 ms, and log the readings every 5 s.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

CHATTER_US = 400
pulses = 0  # running total, written only by the handler
last_us = time.ticks_us()
trips = 0  # written only by the handler
trip_at = 0
disarmed = False
sample = 0  # pulses total at the last 1 s tick, written only by the Timer
samples = 0  # how many ticks so far, written only by the Timer


def on_pulse(pin):
    global pulses, last_us, trips, trip_at, disarmed
    t = time.ticks_us()
    if time.ticks_diff(t, last_us) < CHATTER_US:
        pin.irq(handler=None)
        disarmed = True
        trip_at = time.ticks_ms()
        trips += 1
    else:
        pulses += 1
    last_us = t


def on_second(timer):
    global sample, samples
    sample = pulses
    samples += 1


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


flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
Timer(0).init(period=100, callback=beat)
Timer(1).init(period=1000, mode=Timer.PERIODIC, callback=on_second)

history = [0] * 5
reads = 0
printed = 0  # samples already printed
prev_total = 0
log_rows = []
row = 0
trips_seen = 0
last_trip = None
while True:
    if samples != printed:
        printed = samples
        total = sample
        n = total - prev_total
        prev_total = total
        print("FLOW", n)
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            log_rows = log_block(history).split("\n")
            row = 0
    elif row < len(log_rows):
        print(log_rows[row])
        row += 1
    if trips != trips_seen:
        trips_seen = trips
        if last_trip is None or time.ticks_diff(trip_at, last_trip) > 100:
            print("NOISE")
        last_trip = trip_at
    if disarmed and time.ticks_diff(time.ticks_ms(), trip_at) >= 10:
        disarmed = False
        last_us = time.ticks_us()
        flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
    time.sleep_ms(5)
