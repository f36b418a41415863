# `machine` as an ESP32 has it since v1.26 (ports/esp32/modules/machine.py): a Python
# module with Counter and Encoder over esp32.PCNT, which keeps the built-in machine as
# `_machine` and hands it every other name, so that a harness on the virtual board meets
# the module a real board gives it.
import _irqmachine as _machine
from _irqcounter import Counter, Encoder  # noqa: F401  (the module's API)


def __getattr__(attr):
    return getattr(_machine, attr)
