# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import time

import machine as mc
import micropython

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def alert(_):
    # runs later, from the scheduler, not inside the pin's handler
    print("Alert!!!")


def handle_interrupt(pin):
    micropython.schedule(alert, None)


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)

while True:
    slow_job()
