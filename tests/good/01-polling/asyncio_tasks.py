# Lab 1 in asyncio: one task polls the button, another keeps the heartbeat.
import asyncio

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)


async def watch_button():
    last = button.value()
    while True:
        level = button.value()
        if level == 0 and last == 1:  # a press is the change from 1 to 0
            print("PRESS")
        last = level
        await asyncio.sleep_ms(10)


async def heartbeat():
    while True:
        led.value(not led.value())
        await asyncio.sleep_ms(500)


async def main():
    blink = asyncio.create_task(heartbeat())  # runs beside the button task
    await watch_button()
    await blink


asyncio.run(main())
