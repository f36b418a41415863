# The ESP32's pulse counters instead of an IRQ: machine.Counter counts in hardware, with no
# ISR and no handler, so a storm costs the CPU nothing. Its glitch filter (10 us) passes the
# flow's pulses (over 1 ms) and drops the chatter's 5 us spikes; a second unit, unfiltered,
# counts every spike, so what the two disagree on is chatter. (ESP32 only: the ESP8266 has
# no pulse counter.)
import time

from machine import Counter, Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)
pulses = Counter(0, flow, edge=Counter.RISING, filter_ns=10_000)
edges = Counter(1, flow, edge=Counter.RISING)
CHATTER = 20  # more spikes than this dropped by the filter in one pass: a burst
QUIET_MS = 100


def beat(timer):
    led.toggle()


def log_block(history):
    rows = [
        f"  {5 - i} s ago   {n:4d} pulses   {n / 7.5:5.1f} L/min   {n * 2.2:8.1f} ml"
        for i, n in enumerate(history)
    ]
    return "LOG\n" + "\n".join(rows)


Timer(0).init(period=100, callback=beat)
history = [0] * 5
reads = 0
rows = []
row = 0
last_good = last_raw = reported = 0
noisy_since = time.ticks_add(time.ticks_ms(), -1000)
next_flow = time.ticks_add(time.ticks_ms(), 1000)
while True:
    now = time.ticks_ms()
    good, raw = pulses.value(), edges.value()
    if (raw - last_raw) - (good - last_good) > CHATTER:
        if time.ticks_diff(now, noisy_since) > QUIET_MS:
            print("NOISE")
        noisy_since = now
    last_good, last_raw = good, raw
    if time.ticks_diff(now, next_flow) >= 0:
        next_flow = time.ticks_add(next_flow, 1000)
        n = good - reported
        reported = good
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
