# A Timer samples the count once a second, so FLOW keeps to the second however long the main
# loop's passes take; the handler disarms itself in a storm, so the Timer's callbacks are
# never dropped from a full queue.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

total = 0  # written only by the handler
last_us = time.ticks_us()
tripped = 0
sample = -1  # the pulses of the last second, written only by the sampling Timer
taken = 0  # total when the Timer last sampled


def on_pulse(pin):
    global total, last_us, tripped
    now = time.ticks_us()
    gap = time.ticks_diff(now, last_us)
    last_us = now
    if gap < 500:
        pin.irq(handler=None)
        tripped = 1
    else:
        total += 1


def beat(timer):
    led.toggle()


def take(timer):
    global sample, taken
    t = total
    sample = t - taken
    taken = t


def log_block(history):
    rows = [
        f"  {5 - i} s ago   {n:4d} pulses   {n / 7.5:5.1f} L/min   {n * 2.2:8.1f} ml"
        for i, n in enumerate(history)
    ]
    return "LOG\n" + "\n".join(rows)


flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
Timer(0).init(period=100, callback=beat)
Timer(1).init(period=1000, callback=take)
history = [0] * 5
reads = 0
rows = []
row = 0
armed = True
noisy_since = time.ticks_add(time.ticks_ms(), -1000)
while True:
    now = time.ticks_ms()
    if sample >= 0:
        n = sample
        sample = -1
        print("FLOW", n)
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            rows = log_block(history).split("\n")
            row = 0
    if row < len(rows):
        print(rows[row])
        row += 1
    if tripped:
        tripped = 0
        armed = False
        if time.ticks_diff(now, noisy_since) > 100:
            print("NOISE")
        noisy_since = now
    if not armed and time.ticks_diff(now, noisy_since) >= 10:
        armed = True
        last_us = time.ticks_us()
        flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
    time.sleep_ms(5)
