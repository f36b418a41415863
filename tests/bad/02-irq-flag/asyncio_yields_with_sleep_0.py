# fails: test_alert_within_400_ms
# In asyncio, the work task yields with sleep_ms(0) after slow_job(): it is queued, due at
# once, before the loop polls and finds the flag set, so it runs again first
# (extmod/asyncio/core.py) and an approach during slow_job() waits for the next one too.
import asyncio
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)

approaches = 0  # written only by the handler
flag = asyncio.ThreadSafeFlag()  # set() is safe in a handler; Event.set() is not


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    global approaches
    approaches += 1
    flag.set()


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)


async def alerts():
    alerted = 0  # written only by this task
    while True:
        await flag.wait()  # several sets before the wait are one wake: count, don't flag
        while alerted != approaches:
            alerted += 1
            print("Alert!!!")


async def work():
    while True:
        slow_job()
        await asyncio.sleep_ms(0)  # BUG: due at once, it runs again before the alerts


async def main():
    alerting = asyncio.create_task(alerts())  # runs beside the work
    await work()
    await alerting


asyncio.run(main())
