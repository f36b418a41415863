"""The same program, scenario and seed give byte-identical traces, even on a loaded machine."""

from __future__ import annotations

import json
import subprocess
import sys

from programs.simrun import run_source

from irqlab.scenario import Bounce, Button, Press, Scenario

BUSY_AND_IRQ = """
import time, micropython
from machine import Pin, Timer
count = 0
def on_press(pin):
    global count
    count += 1
def on_tick(t):
    led.value(1 - led.value())
led = Pin(2, Pin.OUT)
Pin(5, Pin.IN, Pin.PULL_UP).irq(on_press, Pin.IRQ_FALLING)
Timer(0, period=7, callback=on_tick)
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 300:
    if count % 3 == 2:
        time.sleep_us(300)
print(count)
"""

SCENARIO = Scenario(
    world=(Button(pin=5, bounce=Bounce()),),
    timeline=(Press(at=0.05, hold=0.05), Press(at=0.15, hold=0.08)),
    seconds=0.4,
    seed=11,
)


def test_twenty_runs_under_load_give_identical_traces() -> None:
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        traces = {json.dumps(run_source(BUSY_AND_IRQ, SCENARIO).trace.to_json()) for _ in range(20)}
    finally:
        burner.kill()
        burner.wait()
    assert len(traces) == 1
    (trace,) = traces
    sources = {e.get("source") for e in json.loads(trace)}
    assert {"pin5", "timer0"} <= sources  # both kinds of IRQ took part
