# fails: test_runs
# Loops 300 times and ends: the presses after 3 s find no program running.
# Lab 1: polling with sleep.
# A doorbell button module on GPIO5 (1 idle, 0 while pressed, clean edges); an LED on GPIO2.
# Print PRESS once for each press, and keep the LED blinking as a heartbeat.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

last = button.value()  # the level at the previous pass: a press is a 1 -> 0 change
next_toggle = time.ticks_add(time.ticks_ms(), 500)  # when the heartbeat is due next

for _ in range(300):  # BUG: 300 passes of 10 ms, then the program ends
    level = button.value()
    # A press is the change from 1 to 0: holding the button down prints nothing more.
    if level == 0 and last == 1:
        print("PRESS")
    last = level
    # Toggle on the clock, not on the pass count: the interval stays 500 ms at any poll rate.
    if time.ticks_diff(time.ticks_ms(), next_toggle) >= 0:
        led.value(not led.value())
        next_toggle = time.ticks_add(next_toggle, 500)
    # 10 ms between reads: a press is seen within about 10 ms, well inside 60 ms.
    time.sleep_ms(10)
