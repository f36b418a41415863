# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import time
from array import array

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)

SLOTS = 16
stamps = array("i", [0] * SLOTS)   # preallocated: the handler never allocates
head = 0   # handler's index
tail = 0   # main loop's index


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    global head
    stamps[head % SLOTS] = time.ticks_ms()
    head += 1


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)

while True:
    slow_job()
    while tail != head:
        tail += 1
        print("Alert!!!")
