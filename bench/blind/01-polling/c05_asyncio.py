# Lab 1: polling with sleep, as two asyncio tasks.
import asyncio

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)


async def watch_button():
    last = button.value()
    while True:
        level = button.value()
        if level == 0 and last == 1:
            print("PRESS")
        last = level
        await asyncio.sleep_ms(10)


async def heartbeat():
    while True:
        await asyncio.sleep_ms(500)
        led.value(not led.value())


async def main():
    asyncio.create_task(heartbeat())
    await watch_button()


asyncio.run(main())
