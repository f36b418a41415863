# fails: test_alert_within_400_ms
# Polls the sensor after slow_job(): a 20 ms approach during the job is never seen.
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


was_near = 0
while True:
    slow_job()
    near = alertPin.value()  # BUG: only sees what is still there after 300 ms
    if near and not was_near:
        print("Alert!!!")
    was_near = near
