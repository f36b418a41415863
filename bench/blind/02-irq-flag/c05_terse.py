import time
import machine as mc

alertPin = mc.Pin(5, mc.Pin.IN)
led = mc.Pin(2, mc.Pin.OUT)
n = 0


def slow_job():
    # 300 ms of work the main loop must do on every pass. Do not change it.
    led.value(not led.value())
    time.sleep_ms(300)


def handle_interrupt(pin):
    global n
    n += 1


alertPin.irq(trigger=mc.Pin.IRQ_RISING, handler=handle_interrupt)
done = 0
while True:
    slow_job()
    while done < n:
        done += 1
        print("Alert!!!")
