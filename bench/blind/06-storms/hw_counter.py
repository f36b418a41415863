# Lab 6: interrupt storms and starvation.
# A flow meter on GPIO5: one pulse per 2.2 ml, 7.5 pulses a second per L/min (0 to 450 Hz).
# A loose wire sometimes adds a burst of 30 kHz chatter. An LED on GPIO2.
# Print FLOW n each second (n: the pulses of that second) and NOISE once per burst; keep the
# heartbeat blinking every 100 ms, and log the readings every 5 s.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)
from machine import Counter

# Two pulse-counter units on the same pin: the filtered one ignores anything shorter than
# 10 us (the chatter's 5 us spikes), the raw one counts every rising edge. No handler runs.
clean = Counter(0, flow, edge=Counter.RISING, filter_ns=10_000)
raw = Counter(1, flow, edge=Counter.RISING)
SPIKES_PER_PASS = 5  # more extra edges than this in one pass is chatter
QUIET_MS = 100  # a new burst only after this long without chatter


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


Timer(0).init(period=100, callback=beat)
history = [0] * 5
reads = 0
pending_rows = []
last_clean = clean.value()
last_raw = raw.value()
flow_base = last_clean
noisy_at = None  # ticks_ms() of the last pass that saw chatter
next_flow = time.ticks_add(time.ticks_ms(), 1000)
while True:
    now = time.ticks_ms()
    c = clean.value()
    r = raw.value()
    extra = (r - last_raw) - (c - last_clean)
    last_clean, last_raw = c, r
    if extra > SPIKES_PER_PASS:
        if noisy_at is None or time.ticks_diff(now, noisy_at) > QUIET_MS:
            print("NOISE")
        noisy_at = now
    if time.ticks_diff(now, next_flow) >= 0:
        next_flow = time.ticks_add(next_flow, 1000)
        n = c - flow_base
        flow_base = c
        print("FLOW", n)
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            pending_rows = log_block(history).split("\n")
    elif pending_rows:
        print(pending_rows.pop(0))
    time.sleep_ms(5)
