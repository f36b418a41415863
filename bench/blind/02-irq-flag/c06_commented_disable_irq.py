# Lab 2: the interrupt flag.
# An IR proximity sensor on GPIO5 (1 while an object is near, 0 otherwise); an LED on GPIO2.
# Print Alert!!! once for each approach, from the main loop, while it keeps calling slow_job().
#
# How this works (my own summary of the page):
#   * The main loop is slow: slow_job() blocks for 300 ms every pass. A 20 ms
#     approach would be over before the loop looks, so polling would miss it.
#   * An interrupt on the RISING edge (object arrives: 0 -> 1) notices it.
#     On the ESP32 the handler is "soft": it is queued and runs between two
#     bytecodes, also while slow_job() sleeps.
#   * The handler must only RECORD: one integer += 1. No print, no sleep,
#     no allocation. It must be back in well under 0.5 ms.
#   * The main loop ACTS: after each slow_job() it prints one Alert!!! for
#     each approach it has not reported yet.
#   * Two counters, each with exactly one writer, so no update is lost:
#       approaches -> written by the handler only
#       alerted    -> written by the main loop only
#   * I take a snapshot of approaches with interrupts masked. For one
#     integer that is not really needed on the ESP32, but it is the habit
#     the concepts page recommends and it is only two lines.
import time

import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)   # sensor: 1 while an object is near
led = mc.Pin(2, mc.Pin.OUT)       # toggled by slow_job()

approaches = 0   # how many rising edges the handler has seen (handler writes)
alerted = 0      # how many Alert!!! lines the main loop has printed (main writes)


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    # Runs once per rising edge. Only records, and returns at once.
    global approaches
    approaches += 1


# Rising edge only: leaving the sensor (falling edge) must not count.
alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)

while True:
    slow_job()                       # the work, unchanged, every pass

    state = mc.disable_irq()         # short masked section, no branch inside
    total = approaches               # consistent snapshot of the handler's count
    mc.enable_irq(state)

    for _ in range(total - alerted): # one line per approach not yet reported
        print("Alert!!!")
    alerted = total
