# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


class ApproachCounter:
    def __init__(self, pin):
        self.seen = 0        # only the handler writes this
        self.reported = 0    # only the main loop writes this
        pin.irq(trigger=mc.Pin.IRQ_RISING, handler=self.handle_interrupt)

    def handle_interrupt(self, pin):
        self.seen += 1

    def report(self):
        while self.reported != self.seen:
            self.reported += 1
            print("Alert!!!")


counter = ApproachCounter(alertPin)

while True:
    slow_job()
    counter.report()
