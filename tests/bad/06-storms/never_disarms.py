# fails: test_heartbeat_survives_the_storm
# A short handler that never disarms: in a burst its runs fill the queue, and the heartbeat's
# ticks are dropped with the rest (it counts the chatter as flow, too).
# passes: test_flow_every_second, test_flow_counts_pulses, test_handlers_start_within_2_ms
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
CHATTER_US = 500  # flow pulses come at least 2,222 us apart (450 Hz): closer is chatter
tripped = 0  # set by the handler when it disarmed itself; cleared by the main loop
armed = True  # written only by the main loop
noisy_since = 0  # when the main loop last saw the handler trip (ms)
QUIET_MS = 100  # no trip for this long: the burst is over, the next one is new
REARM_MS = 10  # how long the IRQ stays off before the main loop tries again


def on_pulse(pin):
    # Only integers: no float, nothing allocated. Each call costs about 40 us of the CPU.
    global pulses, last_us, tripped
    now = time.ticks_us()
    last_us = now
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


# A pulse is a rise and a fall: trigger on one edge only, or each pulse counts twice.
flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)

Timer(0).init(period=100, callback=beat)
history = [0] * 5
reads = 0
rows = []  # the log's rows still to print, one a pass
row = 0
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
            # One row a pass: a print that fits the UART's 128-byte FIFO returns at once, and
            # the sleep between rows lets it drain, so no print holds the handlers back.
            rows = log_block(history).split("\n")
            row = 0
    if row < len(rows):
        print(rows[row])
        row += 1
    if tripped:
        # The handler disarmed itself: chatter. NOISE only for a new burst.
        tripped = 0
        armed = False
        if time.ticks_diff(now, noisy_since) > QUIET_MS:
            print("NOISE")
        noisy_since = now
    if not armed and time.ticks_diff(now, noisy_since) >= REARM_MS:
        # Try again: if the chatter goes on, the handler trips at its second edge.
        armed = True
        last_us = time.ticks_us()
        flow.irq(handler=on_pulse, trigger=Pin.IRQ_RISING)
    time.sleep_ms(5)
