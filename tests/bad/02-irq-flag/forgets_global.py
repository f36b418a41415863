# fails: test_runs
# The handler counts without `global approaches`: every run of it raises NameError.
# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)

interrupt_pin = None
approaches = 0  # a count, not a flag; written only by the handler
alerted = 0  # written only by the main loop: one writer each, so no update is lost


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    # Count: two approaches before the main loop looks are two alerts.
    global interrupt_pin  # BUG: approaches is not declared global
    approaches += 1  # noqa: F823, F841 (the bug this variant shows)
    interrupt_pin = pin
    # Only record: no print, no sleep here. The main loop does the slow part.


# Rising edge: the sensor goes from 0 (nothing near) to 1 (something near).
alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)

while True:
    slow_job()
    # One alert per recorded approach, caught up after each slow_job().
    while alerted != approaches:
        alerted += 1
        print("Alert!!!")
