# Another way to pass, in asyncio: the handler counts and sets a ThreadSafeFlag; an alert
# task waits on it. slow_job() blocks every task for 300 ms, so after it the work task
# yields with sleep_ms(1): a task due 1 ms later lets the alert task, woken by the flag,
# run first (with sleep_ms(0) the work task is due at once and runs again before it).
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
        await asyncio.sleep_ms(1)


async def main():
    alerting = asyncio.create_task(alerts())  # runs beside the work
    await work()
    await alerting


asyncio.run(main())
