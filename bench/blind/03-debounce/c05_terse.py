import time
from machine import Pin

btn = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)
t_edge = time.ticks_ms()


def on_edge(p):
    global t_edge
    t_edge = time.ticks_ms()


btn.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)
state, n = btn.value(), 0
while True:
    v = btn.value()
    if v != state and time.ticks_diff(time.ticks_ms(), t_edge) >= 20:
        state = v
        if not v:
            n += 1
            print("PRESS", n)
    time.sleep_ms(5)
