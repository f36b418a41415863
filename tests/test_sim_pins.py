"""The simulated machine.Pin behaves as the ESP32 (and ESP8266) port's does
(MicroPython's ports/esp32/machine_pin.c and ports/esp8266/machine_pin.c)."""

from __future__ import annotations

import json

import pytest
from programs.simrun import lines, ok, run_source

from irqlab.scenario import Button, Jumper, Scenario, Sensor

ESP32_CONSTANTS = {
    "IN": 1,
    "OUT": 3,
    "OPEN_DRAIN": 7,
    "PULL_UP": 2,
    "PULL_DOWN": 1,
    "IRQ_RISING": 1,
    "IRQ_FALLING": 2,
    "WAKE_LOW": 4,
    "WAKE_HIGH": 5,
}
ESP8266_CONSTANTS = {
    "IN": 0,
    "OUT": 1,
    "OPEN_DRAIN": 2,
    "PULL_UP": 1,
    "IRQ_RISING": 1,
    "IRQ_FALLING": 2,
}
ALL_NAMES = sorted(set(ESP32_CONSTANTS) | {"DRIVE_0"})

CONSTANTS = f"""
import json
from machine import Pin
print(json.dumps({{k: getattr(Pin, k) for k in {ALL_NAMES!r} if hasattr(Pin, k)}}))
"""


def test_esp32_pin_constants() -> None:
    got = json.loads(lines(ok(run_source(CONSTANTS)))[0])
    assert got == {**ESP32_CONSTANTS, "DRIVE_0": 0}


def test_esp8266_pin_constants_have_no_pull_down_or_wake() -> None:
    got = json.loads(lines(ok(run_source(CONSTANTS, board="esp8266")))[0])
    assert got == ESP8266_CONSTANTS


VALID_IDS = """
from machine import Pin
good = []
for i in range(-1, 41):
    try:
        Pin(i)
        good.append(i)
    except ValueError as e:
        assert str(e) == "invalid pin", e
print(good)
"""


def test_esp32_pin_ids() -> None:
    expected = [*range(0, 24), 25, 26, 27, *range(32, 40)]
    assert lines(ok(run_source(VALID_IDS))) == [str(expected)]


def test_esp8266_pin_ids() -> None:
    expected = [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16]
    assert lines(ok(run_source(VALID_IDS, board="esp8266"))) == [str(expected)]


def test_gpio34_to_39_are_input_only() -> None:
    r = run_source("""
        from machine import Pin
        for i in range(32, 40):
            Pin(i, Pin.IN)
            try:
                Pin(i, Pin.OUT)
                print(i, "out")
            except ValueError as e:
                print(i, e)
    """)
    assert lines(ok(r)) == ["32 out", "33 out"] + [
        f"{i} pin can only be input" for i in range(34, 40)
    ]


def test_repr_and_import_spellings() -> None:
    r = run_source("""
        import machine as mc
        from machine import Pin
        print(repr(mc.Pin(5)), Pin(5), mc.Pin is Pin)
    """)
    assert lines(ok(r)) == ["Pin(5) Pin(5) True"]


def test_inputs_read_the_world_and_the_pulls() -> None:
    # GPIO5: a button idle high; GPIO13: a sensor idle low; GPIO14: nothing connected.
    world = (Button(pin=5), Sensor(pin=13, idle=0), Jumper(source=4, target=27))
    r = run_source(
        """
        from machine import Pin
        print(Pin(5, Pin.IN).value(), Pin(13, Pin.IN).value())
        print(Pin(14, Pin.IN).value(), Pin(14, Pin.IN, Pin.PULL_UP).value(),
              Pin(15, Pin.IN, Pin.PULL_DOWN).value())
        print(Pin(13, Pin.IN, Pin.PULL_UP).value())  # a driven input ignores its pull
        """,
        Scenario(world=world, seconds=0.1),
    )
    assert lines(ok(r)) == ["1 0", "0 1 0", "0"]


def test_output_reads_back_its_level_and_write_to_input_is_no_error() -> None:
    r = run_source("""
        from machine import Pin
        led = Pin(2, Pin.OUT)
        led.value(1)
        a = led.value()
        led(0)
        b = led()
        led.on()
        c = led.value()
        led.toggle()
        d = led.value()
        print(a, b, c, d, led.on(), led.off())
        Pin(14, Pin.IN).value(1)
        print(Pin(18, Pin.OUT, value=1).value())
    """)
    assert lines(ok(r)) == ["1 0 1 0 None None", "1"]


def test_the_jumper_carries_gpio4_to_gpio5() -> None:
    r = run_source("""
        from machine import Pin
        src = Pin(4, Pin.OUT, value=0)
        dst = Pin(5, Pin.IN)
        seen = [dst.value()]
        src.value(1)
        seen.append(dst.value())
        src.value(0)
        seen.append(dst.value())
        print(seen)
    """)
    ok(r)
    assert lines(r) == ["[0, 1, 0]"]
    assert [lv for _, lv in r.trace.edges(5)] == [1, 0]
    assert [lv for _, lv in r.trace.writes(4)] == [0, 1, 0]


def test_irq_object_has_trigger_and_no_flags() -> None:
    r = run_source("""
        from machine import Pin
        p = Pin(5, Pin.IN)
        irq = p.irq(lambda p: None, Pin.IRQ_FALLING)
        print(irq.trigger(), hasattr(irq, "flags"))
        irq = p.irq(lambda p: None)
        print(irq.trigger())
        p.irq(None)
        print(p.irq().trigger())
    """)
    assert lines(ok(r)) == ["2 False", "3", "0"]


IRQ_HARD = """
from machine import Pin
p = Pin(5, Pin.IN)
try:
    p.irq(lambda p: None, hard=True)
    print("accepted")
except Exception as e:
    print(type(e).__name__, e)
"""


def test_esp32_irq_has_no_hard_keyword() -> None:
    r = run_source(IRQ_HARD)
    assert lines(ok(r)) == ["TypeError extra keyword arguments given"]


def test_esp8266_refuses_hard_irq() -> None:
    r = run_source(IRQ_HARD, board="esp8266")
    assert lines(ok(r)) == ["ValueError hard IRQ not supported"]


def test_esp8266_pin16_has_no_irq() -> None:
    r = run_source(
        """
        from machine import Pin
        try:
            Pin(16, Pin.IN).irq(lambda p: None)
        except OSError as e:
            print(e)
        """,
        board="esp8266",
    )
    assert lines(ok(r)) == ["pin does not have IRQ capabilities"]


def test_soft_callback_gets_the_pin_and_runs_after_the_edge() -> None:
    r = run_source("""
        from machine import Pin
        import time
        got = []
        def handler(pin):
            got.append((pin is button, repr(pin), pin.value()))
        button = Pin(5, Pin.IN)
        button.irq(handler, Pin.IRQ_RISING)
        out = Pin(4, Pin.OUT, value=0)
        out.value(1)
        got.append("main")  # straight-line code: no pending check, the handler waits
        time.sleep_ms(1)
        out.value(0)  # a falling edge: not the trigger
        time.sleep_ms(1)
        print(got)
    """)
    assert lines(ok(r)) == ["['main', (True, 'Pin(5)', 1)]"]
    edge = r.trace.edges(5)[0][0]
    (run,) = r.trace.handler_runs("pin5")
    assert 0 < run.start_us - edge < 200


def test_irq_without_arguments_changes_nothing() -> None:
    r = run_source("""
        from machine import Pin
        import time
        n = [0]
        def handler(pin):
            n[0] += 1
        out = Pin(4, Pin.OUT, value=0)
        p = Pin(5, Pin.IN)
        p.irq(handler, Pin.IRQ_RISING)
        print(p.irq().trigger())
        out.value(1)
        time.sleep_ms(1)
        print(n[0])
    """)
    assert lines(ok(r)) == ["1", "1"]


def test_handler_none_disables_the_irq() -> None:
    r = run_source("""
        from machine import Pin
        import time
        n = 0
        def handler(pin):
            global n
            n += 1
        out = Pin(4, Pin.OUT, value=0)
        Pin(5, Pin.IN).irq(handler)
        out.value(1)
        time.sleep_ms(1)
        Pin(5).irq(None)
        out.value(0)
        time.sleep_ms(1)
        print(n)
    """)
    assert lines(ok(r)) == ["1"]


def test_signal_inverts() -> None:
    r = run_source("""
        from machine import Pin, Signal
        led = Signal(Pin(2, Pin.OUT), invert=True)
        led.on()
        a = Pin(2).value()
        led.off()
        print(a, Pin(2).value(), led.value())
    """)
    assert lines(ok(r)) == ["0 1 0"]


@pytest.mark.parametrize(
    ("board", "expected"),
    [
        ("esp32", ["160000000", "frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz"]),
        ("esp8266", ["80000000", "frequency can only be either 80Mhz or 160MHz"]),
    ],
)
def test_freq_default_and_error(board: str, expected: list[str]) -> None:
    r = run_source(
        """
        import machine
        print(machine.freq())
        try:
            machine.freq(123)
        except ValueError as e:
            print(e)
        """,
        board=board,
    )
    assert lines(ok(r)) == expected
