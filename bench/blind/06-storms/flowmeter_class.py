# Lab 6: interrupt storms and starvation.
# A flow meter on GPIO5: one pulse per 2.2 ml, 7.5 pulses a second per L/min (0 to 450 Hz).
# A loose wire sometimes adds a burst of 30 kHz chatter. An LED on GPIO2.
# Print FLOW n each second (n: the pulses of that second) and NOISE once per burst; keep the
# heartbeat blinking every 100 ms, and log the readings every 5 s.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)


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


class FlowMeter:
    MIN_GAP_US = 500
    REARM_MS = 10

    def __init__(self, pin):
        self.pin = pin
        self.pulses = 0
        self.last_us = time.ticks_us()
        self.trips = 0
        self.trip_ms = 0
        self.off = False
        self.cb = self.on_pulse  # bound once
        self.arm()

    def arm(self):
        self.last_us = time.ticks_us()
        self.off = False
        self.pin.irq(handler=self.cb, trigger=Pin.IRQ_RISING)

    def on_pulse(self, pin):
        now = time.ticks_us()
        gap = time.ticks_diff(now, self.last_us)
        self.last_us = now
        if gap < self.MIN_GAP_US:
            pin.irq(handler=None)
            self.off = True
            self.trip_ms = time.ticks_ms()
            self.trips += 1
        else:
            self.pulses += 1

    def take(self):
        n = self.pulses
        self.pulses = 0
        return n

    def service(self):
        # Re-arm once the chatter has had REARM_MS to stop.
        if self.off and time.ticks_diff(time.ticks_ms(), self.trip_ms) >= self.REARM_MS:
            self.arm()


meter = FlowMeter(flow)
Timer(0).init(period=100, callback=beat)

history = [0] * 5
reads = 0
to_print = []
trips_seen = 0
burst_end = None
next_flow = time.ticks_add(time.ticks_ms(), 1000)
while True:
    if time.ticks_diff(time.ticks_ms(), next_flow) >= 0:
        next_flow = time.ticks_add(next_flow, 1000)
        n = meter.take()
        print("FLOW", n)
        litres_per_min = n / 7.5
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            to_print = log_block(history).split("\n")
    elif to_print:
        print(to_print.pop(0))
    if meter.trips != trips_seen:
        trips_seen = meter.trips
        t = meter.trip_ms
        if burst_end is None or time.ticks_diff(t, burst_end) > 100:
            print("NOISE")
        burst_end = t
    meter.service()
    time.sleep_ms(5)
