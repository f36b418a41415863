# Lab 3: debouncing.
# A push button on GPIO5 to ground with a pull-up (1 idle, 0 while pressed); its contacts
# bounce. An LED on GPIO2. Print PRESS n once per press, n counting from 1.
#
# My approach, slightly different from the page's:
#   The handler does the smallest possible thing: it counts edges (one
#   integer += 1, on BOTH edges). It does not decide anything.
#   The main loop, every 5 ms, looks at that edge count. If it changed since
#   the last pass, the contacts are moving: remember *now* as the moment they
#   last moved. Once the count has not changed for STILL_MS, the contacts are
#   still, and the level on the pin is the real, debounced level.
#   A change of the debounced level from 1 to 0 is a press.
#
#   Why this is fine:
#   - bouncing press: edges keep coming for up to 8 ms, so we wait 20 ms after
#     the last one; one press counted.
#   - bouncing release: it ends at level 1, and 1 -> ... -> 1 is not a press.
#   - 1 ms glitch: the level is back to 1 long before 20 ms of stillness.
#   - lost edges (queue of 8 full): the count still changes as long as any
#     handler runs, and handlers pending in the queue run after the burst.
#   - ticks wrap: only time.ticks_diff / ticks_ms are used, never "-" on ticks.
#   - worst delay: 8 ms bounce + up to 5 ms to notice + 20 ms + 5 ms = 38 ms,
#     under the 60 ms the task asks for.
import time

from machine import Pin

button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)

STILL_MS = 20     # how long the contacts must be still
POLL_MS = 5       # main loop pace

edges = 0         # written only by the handler


def on_edge(pin):
    global edges
    edges += 1


# both edges: every bounce, of a press or of a release, is seen
button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)

seen_edges = 0                  # the edge count at the last pass
quiet_since = time.ticks_ms()   # when we last saw the count change
level_now = button.value()      # the debounced level (1 = released)
presses = 0

while True:
    if edges != seen_edges:
        # the contacts moved since the last pass: restart the still-time
        seen_edges = edges
        quiet_since = time.ticks_ms()
    elif time.ticks_diff(time.ticks_ms(), quiet_since) >= STILL_MS:
        # still long enough: trust the pin
        level = button.value()
        if level != level_now:
            level_now = level
            if level == 0:
                presses += 1
                print("PRESS", presses)
    time.sleep_ms(POLL_MS)
