# Another way to pass: an IRQ on the falling edge sets a flag, and the main loop prints for
# it. The lab's checks judge what is printed and the LED, not how the press is noticed.
import time

from machine import Pin

button = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT)

pressed = False  # set by the handler, cleared by the main loop


def on_press(pin):
    global pressed
    pressed = True


button.irq(handler=on_press, trigger=Pin.IRQ_FALLING)  # a press is the change from 1 to 0

next_blink = time.ticks_add(time.ticks_ms(), 500)
while True:
    if pressed:
        pressed = False
        print("PRESS")
    if time.ticks_diff(time.ticks_ms(), next_blink) >= 0:
        led.value(not led.value())
        next_blink = time.ticks_add(next_blink, 500)
    time.sleep_ms(10)
