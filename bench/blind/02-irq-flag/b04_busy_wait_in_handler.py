# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)

approaches = 0


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    global approaches
    # make sure it is a real approach and not noise: still high 1 ms later
    t0 = time.ticks_us()
    while time.ticks_diff(time.ticks_us(), t0) < 1000:
        pass
    if pin.value() == 1:
        approaches += 1


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)

alerted = 0
while True:
    slow_job()
    while alerted != approaches:
        alerted += 1
        print("Alert!!!")
