# Lab 6: interrupt storms and starvation.
# A flow meter on GPIO5: one pulse per 2.2 ml, 7.5 pulses a second per L/min (0 to 450 Hz).
# A loose wire sometimes adds a burst of 30 kHz chatter. An LED on GPIO2.
# Print FLOW n each second (n: the pulses of that second) and NOISE once per burst; keep the
# heartbeat blinking every 100 ms, and log the readings every 5 s.
import time

from machine import Pin, Timer

flow = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

pulses = 0
litres = 0.0
rate = 0.0
last_us = time.ticks_us()
# TODO (task 2): what the handler and the main loop need to know about a storm


def on_pulse(pin):
    # TODO (task 1): a handler only counts: do the float maths in the main loop
    # TODO (task 2): edges far faster than any flow are chatter: disarm this IRQ
    global pulses, litres, rate, last_us
    t = time.ticks_us()
    rate = 60_000_000 / time.ticks_diff(t, last_us) / 7.5  # L/min, from this pulse's period
    litres += 1 / 450
    last_us = t
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


# TODO (task 1): count each pulse once: a pulse has two edges
flow.irq(handler=on_pulse)

Timer(0).init(period=100, callback=beat)
history = [0] * 5
reads = 0
# TODO (task 3): what the main loop needs to print the log a piece at a time
next_flow = time.ticks_add(time.ticks_ms(), 1000)
while True:
    now = time.ticks_ms()
    if time.ticks_diff(now, next_flow) >= 0:
        next_flow = time.ticks_add(next_flow, 1000)
        n = pulses
        pulses = 0
        print("FLOW", n)
        history[reads % 5] = n
        reads += 1
        if reads % 5 == 0:
            # TODO (task 3): the UART sends 11.5 bytes a ms; no handler runs while print waits
            print(log_block(history))
    # TODO (task 2): print NOISE once per burst; re-arm the IRQ when the chatter may be over
    time.sleep_ms(5)
