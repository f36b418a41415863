"""irqlab: learn interrupts in MicroPython, with labs checked on a simulated or a real board."""

from irqlab.errors import IrqlabError
from irqlab.runner import Run, run
from irqlab.scenario import (
    Bounce,
    Button,
    Glitch,
    Jumper,
    Led,
    Press,
    Scenario,
    Sensor,
    SquareWave,
)
from irqlab.trace import Trace

__all__ = [
    "Bounce",
    "Button",
    "Glitch",
    "IrqlabError",
    "Jumper",
    "Led",
    "Press",
    "Run",
    "Scenario",
    "Sensor",
    "SquareWave",
    "Trace",
    "run",
]
__version__ = "0.1.0"
