# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)

interrupt_pin = None
# TODO (task 3): a flag only says "at least one approach happened": keep a count instead


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    # TODO (task 3): count each approach here
    global interrupt_pin
    interrupt_pin = pin
    # TODO (task 1): a handler only records what happened: move the print out of it
    print("Alert!!!")


# TODO (task 1): make alertPin call handle_interrupt on each rising edge (Pin.irq)

while True:
    slow_job()
    # TODO (task 2): after each slow_job(), print Alert!!! for what the handler recorded
