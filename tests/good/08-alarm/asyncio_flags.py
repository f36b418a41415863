# Another way to pass: asyncio. The handlers record into the ring buffer and set a
# ThreadSafeFlag (IRQ-safe, unlike Event.set()); the log task wakes on it at once, because
# job() awaits its 100 ms instead of blocking. Tasks never interrupt each other, so the log
# task and the watch task need no care to stay out of each other's way.
import asyncio
import time
from array import array

from machine import Pin

sensor = Pin(5, Pin.IN)
door = Pin(17, Pin.IN, Pin.PULL_UP)
button = Pin(0, Pin.IN, Pin.PULL_UP)
siren = Pin(2, Pin.OUT, value=0)

START = time.ticks_ms()
ENTRY_MS = 10_000
STILL_MS = 50
NEAR_GAP_MS = 100
CHATTER_EDGES = 5
FAULT_EVERY_MS = 60_000
NEAR, DOOR, PRESS = 1, 2, 3
SIZE = 32
when = array("i", [0] * SIZE)
what = bytearray(SIZE)
head = 0
tail = 0
wake = asyncio.ThreadSafeFlag()

armed = True
entry_since = None
moved = {17: time.ticks_ms() - STILL_MS, 0: time.ticks_ms() - STILL_MS}
state = {17: False, 0: False}  # door open, button down
last_rise = time.ticks_ms() - NEAR_GAP_MS
edges = 0
chattering = False


def put(code, t):
    global head
    nxt = (head + 1) % SIZE
    if nxt != tail:
        when[head] = t
        what[head] = code
        head = nxt
    wake.set()


def on_sensor(pin):
    global edges, last_rise
    edges += 1
    t = time.ticks_ms()
    if not chattering and time.ticks_diff(t, last_rise) >= NEAR_GAP_MS:
        put(NEAR, t)
    last_rise = t


def on_contact(pin):
    # The door and the button alike: the first edge after 50 ms of stillness is a move.
    t = time.ticks_ms()
    key = 17 if pin is door else 0
    if time.ticks_diff(t, moved[key]) >= STILL_MS:
        state[key] = not state[key]
        if state[key]:
            put(DOOR if key == 17 else PRESS, t)
    moved[key] = t


def log(t, word):
    print(time.ticks_diff(t, START), word)


def consume():
    global tail, armed, entry_since
    while tail != head:
        t, code = when[tail], what[tail]
        tail = (tail + 1) % SIZE
        if code == PRESS:
            armed = not armed
            entry_since = None
            siren.value(0)
            log(t, "ARMED" if armed else "DISARMED")
        elif armed and code == NEAR:
            siren.value(1)
            log(t, "ALERT")
        elif armed and code == DOOR:
            if entry_since is None:
                entry_since = t
            log(t, "DOOR")


async def log_task():
    while True:
        await wake.wait()
        consume()


async def watch_task():
    global entry_since, chattering
    seen, fault_at = 0, None
    while True:
        await asyncio.sleep_ms(100)
        consume()
        now = time.ticks_ms()
        if entry_since is not None and time.ticks_diff(now, entry_since) >= ENTRY_MS:
            entry_since = None
            siren.value(1)
            log(now, "ALARM")
        n, seen = edges - seen, edges
        chattering = n > CHATTER_EDGES
        if chattering and (fault_at is None or time.ticks_diff(now, fault_at) >= FAULT_EVERY_MS):
            fault_at = now
            log(now, "FAULT")


async def job():
    # The 100 ms of work, awaited: the other tasks run meanwhile.
    await asyncio.sleep_ms(100)


async def main():
    tasks = [asyncio.create_task(log_task()), asyncio.create_task(watch_task())]
    while tasks:
        await job()


sensor.irq(handler=on_sensor, trigger=Pin.IRQ_RISING)
door.irq(handler=on_contact, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
button.irq(handler=on_contact, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
asyncio.run(main())
