# Another way to pass: the handler defers the print with micropython.schedule, so the
# alert comes while slow_job() sleeps, not after it.
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
    print("Alert!!!")


def handle_interrupt(pin):
    micropython.schedule(alert, None)


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)

while True:
    slow_job()
