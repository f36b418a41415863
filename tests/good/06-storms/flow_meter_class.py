# The flow meter as a class: the handler is a bound method made once (self.on_pulse is
# stored by irq(), so calling it allocates nothing) and keeps its state in the object.
import time

from machine import Pin, Timer

led = Pin(2, Pin.OUT)


class FlowMeter:
    CHATTER_US = 500
    QUIET_MS = 100
    REARM_MS = 10

    def __init__(self, pin):
        self.pin = pin
        self.total = 0
        self.last_us = time.ticks_us()
        self.tripped = 0
        self.armed = False
        self.noisy_since = time.ticks_add(time.ticks_ms(), -1000)
        self.handler = self.on_pulse  # one bound method, made here, not in the handler
        self.arm()

    def arm(self):
        self.armed = True
        self.last_us = time.ticks_us()
        self.pin.irq(handler=self.handler, trigger=Pin.IRQ_RISING)

    def on_pulse(self, pin):
        now = time.ticks_us()
        gap = time.ticks_diff(now, self.last_us)
        self.last_us = now
        if gap < self.CHATTER_US:
            pin.irq(handler=None)
            self.tripped = 1
        else:
            self.total += 1

    def watch(self, now):
        """NOISE once per burst, and re-arm once the chatter may be over."""
        if self.tripped:
            self.tripped = 0
            self.armed = False
            if time.ticks_diff(now, self.noisy_since) > self.QUIET_MS:
                print("NOISE")
            self.noisy_since = now
        if not self.armed and time.ticks_diff(now, self.noisy_since) >= self.REARM_MS:
            self.arm()


def beat(timer):
    led.toggle()


def log_block(history):
    rows = [
        f"  {5 - i} s ago   {n:4d} pulses   {n / 7.5:5.1f} L/min   {n * 2.2:8.1f} ml"
        for i, n in enumerate(history)
    ]
    return "LOG\n" + "\n".join(rows)


meter = FlowMeter(Pin(5, Pin.IN))
Timer(0).init(period=100, callback=beat)
history = [0] * 5
reads = 0
rows = []
row = 0
reported = 0
next_flow = time.ticks_add(time.ticks_ms(), 1000)
while True:
    now = time.ticks_ms()
    meter.watch(now)
    if time.ticks_diff(now, next_flow) >= 0:
        next_flow = time.ticks_add(next_flow, 1000)
        total = meter.total
        n = total - reported
        reported = total
        print("FLOW", n)
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            rows = log_block(history).split("\n")
            row = 0
    if row < len(rows):
        print(rows[row])
        row += 1
    time.sleep_ms(5)
