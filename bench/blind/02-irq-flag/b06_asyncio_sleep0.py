# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
import asyncio
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)

approaches = 0
flag = asyncio.ThreadSafeFlag()


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    global approaches
    approaches += 1
    flag.set()


async def alert_task():
    alerted = 0
    while True:
        await flag.wait()
        while alerted != approaches:
            alerted += 1
            print("Alert!!!")


async def main():
    asyncio.create_task(alert_task())
    while True:
        slow_job()
        await asyncio.sleep(0)   # yield so the alert task can run


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)
asyncio.run(main())
