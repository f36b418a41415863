"""The world a scenario wires to the board: its edges reach the program exactly as declared."""

from __future__ import annotations

import pytest
from programs.simrun import run_source

from irqlab.errors import IrqlabError
from irqlab.scenario import Bounce, Button, Glitch, Press, Scenario, SquareWave

COUNT_RISING = """
from machine import Pin
import time
n = 0
def h(p):
    global n
    n += 1
Pin(5, Pin.IN).irq(handler=h, trigger=Pin.IRQ_RISING)
while True:
    time.sleep_ms(100)
    print(n)
"""


def test_a_storm_of_edges_fits_the_board_and_every_edge_arrives() -> None:
    # 20 kHz for 2 s is 80,000 edges: generated on the board, not shipped to it.
    scenario = Scenario(world=(SquareWave(pin=5, hz=20_000),), seconds=2)
    run = run_source(COUNT_RISING, scenario)
    assert run.stopped == "scenario", run.stdout[-300:]
    assert run.trace.edges(5) == [(t, lv) for t, _, lv in run.compiled.edges]
    assert len(run.trace.edges(5)) == 80_000


def test_a_square_wave_starts_and_stops_when_told() -> None:
    wave = SquareWave(pin=5, hz=1000, start=0.5, stop=0.6, duty=0.25)
    run = run_source(COUNT_RISING, Scenario(world=(wave,), seconds=1))
    edges = run.trace.edges(5)
    assert edges[0] == (500_000, 1)
    assert edges[1] == (500_250, 0)
    assert len(edges) == 200
    assert run.trace.lines()[-1].text == "100"


def test_square_waves_on_one_pin_play_one_after_another() -> None:
    # A flow meter's 1 kHz pulses, 10 ms of 30 kHz chatter, then the pulses again.
    world = (
        SquareWave(pin=5, hz=1000, start=0.1, stop=0.2),
        SquareWave(pin=5, hz=30_000, start=0.2005, stop=0.2105, duty=0.15),
        SquareWave(pin=5, hz=1000, start=0.211, stop=0.3),
    )
    run = run_source(COUNT_RISING, Scenario(world=world, seconds=0.5))
    assert run.trace.edges(5) == [(t, lv) for t, _, lv in run.compiled.edges]
    assert sum(lv for _, lv in run.trace.edges(5)) == 100 + 301 + 89  # 10 ms / 33.333 us: 301
    with pytest.raises(IrqlabError, match="overlap on GPIO5"):
        Scenario(world=(SquareWave(hz=10), SquareWave(hz=1000, start=0.5, stop=0.6))).compile()


def test_bounces_and_glitches_reach_the_pin_as_compiled() -> None:
    world = (Button(pin=5, bounce=Bounce()),)
    timeline = (Press(at=0.2, hold=0.1), Glitch(at=0.5, width_ms=1))
    run = run_source(COUNT_RISING, Scenario(world=world, timeline=timeline, seconds=1, seed=9))
    assert run.trace.edges(5) == [(t, lv) for t, _, lv in run.compiled.edges]
    assert len(run.compiled.edges) > 4  # the press bounced
