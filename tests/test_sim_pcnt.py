"""The ESP32's pulse counters as MicroPython v1.28.0 has them: esp32.PCNT
(ports/esp32/esp32_pcnt.c over ESP-IDF's legacy driver, driver/deprecated/pcnt_legacy.c),
and machine.Counter and machine.Encoder, Python in the firmware over it
(ports/esp32/modules/machine.py). Each test names the function its fact comes from."""

from __future__ import annotations

import pytest
from programs.simrun import lines, ok, run_source

from irqlab.scenario import Scenario, SquareWave

# 100 cycles of 1 kHz on GPIO12, from 10 ms to 110 ms
WAVE = Scenario(world=(SquareWave(pin=12, hz=1000, start=0.01, stop=0.11),), seconds=0.3)


def _quadrature(forward: bool) -> Scenario:
    # Two 1 kHz waves a quarter period apart: A (GPIO12) leads B (GPIO13), or follows it.
    a, b = (0.01, 0.01025) if forward else (0.01025, 0.01)
    world = (
        SquareWave(pin=12, hz=1000, start=a, stop=a + 0.1),
        SquareWave(pin=13, hz=1000, start=b, stop=b + 0.1),
    )
    return Scenario(world=world, seconds=0.3)


def _run(source: str, scenario: Scenario | None = None) -> list[str]:
    return lines(ok(run_source(source, scenario)))


def test_the_constants_are_the_esp_idf_values() -> None:
    # esp32_pcnt_locals_dict_table: PCNT_COUNT_*, PCNT_MODE_*, PCNT_EVT_* (pcnt_types_legacy.h)
    out = _run("""
        from esp32 import PCNT as P
        print(P.IGNORE, P.INCREMENT, P.DECREMENT, P.NORMAL, P.REVERSE, P.HOLD)
        print(P.IRQ_THRESHOLD1, P.IRQ_THRESHOLD0, P.IRQ_MIN, P.IRQ_MAX, P.IRQ_ZERO)
    """)
    assert out == ["0 1 2 0 1 2", "4 8 16 32 64"]


def test_a_unit_is_one_object_that_counts_only_once_started() -> None:
    # esp32_pcnt_make_new: one object per unit, deinit-ed (paused, cleared) when first met;
    # esp32_pcnt_start resumes it; esp32_pcnt_print
    out = _run(
        """
        import time
        from esp32 import PCNT
        from machine import Pin
        p = PCNT(0, pin=Pin(12), rising=PCNT.INCREMENT)
        time.sleep_ms(50)
        before = p.value()
        p.start()
        time.sleep_ms(200)
        print(p, PCNT(0) is p, before, p.value())
        """,
        WAVE,
    )
    assert out == ["PCNT(0) True 0 59"]  # started just after the rise at 50 ms: 51..109


def test_rising_falling_and_a_second_channel_update_one_count() -> None:
    # esp32_pcnt_init_helper: rising/falling per channel; both channels, one counter
    out = _run(
        """
        import time
        from esp32 import PCNT
        p = PCNT(1, pin=12, rising=PCNT.INCREMENT, falling=PCNT.INCREMENT)
        p.init(channel=1, pin=13, rising=PCNT.DECREMENT)
        p.start()
        time.sleep_ms(200)
        print(p.value())
        """,
        _quadrature(True),
    )
    assert out == ["100"]  # 200 edges on A, less 100 rises on B


@pytest.mark.parametrize(
    ("mode_low", "forward", "count"),
    [("HOLD", True, 0), ("HOLD", False, 100), ("REVERSE", True, -100), ("REVERSE", False, 100)],
)
def test_the_mode_pin_holds_or_reverses_the_count(mode_low: str, forward: bool, count: int) -> None:
    # esp32_pcnt_init_helper mode_pin/mode_low/mode_high: HOLD stops counting while the
    # mode pin is low, REVERSE turns an increment into a decrement (mode_high: NORMAL).
    # A's rises come while B is low when A leads, while B is high when B leads.
    out = _run(
        f"""
        import time
        from esp32 import PCNT
        p = PCNT(2, pin=12, rising=PCNT.INCREMENT, mode_pin=13, mode_low=PCNT.{mode_low})
        p.start()
        time.sleep_ms(200)
        print(p.value())
        """,
        _quadrature(forward),
    )
    assert out == [str(count)]


def test_at_a_limit_the_count_starts_again_from_zero_and_the_irq_says_which() -> None:
    # ESP32 counters reset to zero at min or max (docs/library/esp32.rst, PCNT note);
    # esp32_pcnt_intr_handler ORs the events into the flags, schedules the handler
    # (a soft callback, with the PCNT); irq().flags() reads and clears them
    out = _run(
        """
        import time
        from esp32 import PCNT
        seen = []
        def h(p):
            seen.append((p.irq().flags(), p.value()))
        p = PCNT(3, pin=12, rising=PCNT.INCREMENT, max=30, min=-5, threshold0=7)
        p.irq(h, PCNT.IRQ_MAX | PCNT.IRQ_ZERO | PCNT.IRQ_THRESHOLD0)
        p.start()
        time.sleep_ms(200)
        print(seen, p.value(), p.irq().trigger())
        """,
        WAVE,
    )
    max_zero, thr = 32 | 64, 8
    want = [(thr, 7), (max_zero, 0), (thr, 7), (max_zero, 0), (thr, 7), (max_zero, 0), (thr, 7)]
    assert out == [f"{want} 10 {32 | 64 | 8}"]  # 100 rises: 3 x 30, then 10


def test_value_runs_a_pending_handler_first_and_value_0_clears() -> None:
    # esp32_pcnt_value: with flags pending, it calls the handler itself until none are
    # left; value(0) returns the count, then clears it; any other value is a ValueError.
    # Masked, the ISR waits (esp32_pcnt_intr_handler sets the flags when it runs), so
    # value() finds none; the handler runs once after the unmask.
    out = _run(
        """
        import machine, time
        from esp32 import PCNT
        log = []
        def h(p):
            log.append(p.irq().flags())
        p = PCNT(4, pin=12, rising=PCNT.INCREMENT, max=25)
        p.irq(h, PCNT.IRQ_MAX)
        p.start()
        s = machine.disable_irq()  # the ISR waits: the flag is up, the handler not queued
        time.sleep_ms(50)
        first = p.value(0)  # 41 rises: 25 (the limit: back to 0), then 16
        machine.enable_irq(s)
        try:
            p.value(5)
        except ValueError as e:
            print(repr(e))
        time.sleep_ms(10)
        print(first, log, p.value())
        """,
        WAVE,
    )
    assert out == ["ValueError('value',)", "16 [32] 10"]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("PCNT()", "TypeError('id',)"),
        ("PCNT(8)", "ValueError('invalid id',)"),
        ("PCNT(0, channel=2)", "ValueError('channel',)"),
        ("PCNT(0, mode_pin=12)", "ValueError('pin',)"),
        ("PCNT(0, pin=40)", "ValueError('invalid pin',)"),
        ("PCNT(0, pin=12, rising=3)", "ValueError('rising',)"),
        ("PCNT(0, falling=-1)", "ValueError('falling',)"),
        ("PCNT(0, mode_high=3)", "ValueError('mode_high',)"),
        ("PCNT(0, filter=1024)", "ValueError('filter',)"),
        ("PCNT(0, value=1)", "ValueError('value',)"),
        ("PCNT(0, min=1)", "ValueError('minimum',)"),
        ("PCNT(0, max=32768)", "ValueError('maximum',)"),
        ("PCNT(0, threshold1=-32769)", "ValueError('threshold1',)"),
        ("PCNT(0, speed=1)", "TypeError('extra keyword arguments given',)"),
        ("PCNT(0).init(1)", "TypeError('extra positional arguments given',)"),
        ("PCNT(0).irq(print, 2)", "ValueError('trigger',)"),
        ("PCNT(0).irq(None, 128)", "ValueError('trigger',)"),
    ],
)
def test_bad_arguments_raise_what_the_port_raises(call: str, error: str) -> None:
    # esp32_pcnt_make_new, esp32_pcnt_init_helper, esp32_pcnt_irq; py/argcheck.c
    # mp_arg_parse_all (NORMAL error reporting)
    source = f"from esp32 import PCNT\ntry:\n    {call}\nexcept Exception as e:\n    print(repr(e))"
    assert _run(source) == [error]


def test_setting_a_limit_or_threshold_clears_the_count() -> None:
    # esp32_pcnt_init_helper: min, max, threshold0/1 and value=0 each clear the counter
    out = _run(
        """
        import time
        from esp32 import PCNT
        p = PCNT(5, pin=12, rising=PCNT.INCREMENT)
        p.start()
        time.sleep_ms(50)
        a = p.value()
        p.init(threshold1=3)
        b = p.value()
        p.init(filter=0)
        print(a, b, p.value())
        """,
        WAVE,
    )
    assert out == ["41 0 0"]  # the rises at 10..50 ms


def test_a_counted_pin_becomes_an_input_with_its_pull_up() -> None:
    # pcnt_legacy.c _pcnt_set_pin: gpio_set_direction(INPUT), gpio_set_pull_mode(PULLUP_ONLY)
    out = _run("""
        from esp32 import PCNT
        from machine import Pin
        out = Pin(14, Pin.OUT, value=0)
        before = out.value()
        PCNT(6, pin=14)
        print(before, Pin(14).value())
    """)
    assert out == ["0 1"]


COUNT_LOOP = """
import time
from machine import Pin
{setup}
n = 0
t = time.ticks_us()
while time.ticks_diff(time.ticks_us(), t) < 50_000:
    n += 1
print(n, {read})
"""


def test_counting_takes_no_cpu_time_even_in_a_storm() -> None:
    # The PCNT counts in hardware: no ISR runs per edge (esp32_pcnt.c installs one only
    # for irq() events), unlike a pin IRQ's (ports/esp32/machine_pin.c machine_pin_isr_handler)
    storm = Scenario(world=(SquareWave(pin=12, hz=100_000),), seconds=0.2)
    quiet = _run(COUNT_LOOP.format(setup="", read="0"), storm)
    counted = _run(
        COUNT_LOOP.format(
            setup="from machine import Counter\nc = Counter(0, Pin(12))", read="c.value()"
        ),
        storm,
    )
    irq = _run(
        COUNT_LOOP.format(setup="Pin(12).irq(lambda p: None, Pin.IRQ_RISING)", read="0"), storm
    )
    passes = [int(r[0].split()[0]) for r in (quiet, counted, irq)]
    assert int(counted[0].split()[1]) >= 5000  # 100 kHz for over 50 ms, every rise
    assert passes[1] == passes[0] and passes[2] < passes[0] * 0.8


def test_a_counter_goes_past_the_units_range_through_its_overflow_irq() -> None:
    # machine.py _CounterBase: the unit counts -32000..32000 and resets at each end; its
    # IRQ_MAX handler (a soft callback, in the scheduler's queue) counts the overflows
    storm = Scenario(world=(SquareWave(pin=12, hz=100_000, start=0.01, stop=0.18),), seconds=0.25)
    r = ok(
        run_source(
            """
            import time
            from machine import Counter, Pin
            c = Counter(0, Pin(12), edge=Counter.RISING | Counter.FALLING)
            time.sleep_ms(200)
            print(c.value(), c.value(0), c.value())
            """,
            storm,
        )
    )
    assert lines(r) == ["34000 34000 0"]
    assert r.extra["queue_high_water"] == 1  # the overflow's callback


def test_counter_and_encoder_share_the_units() -> None:
    # machine.py _CounterBase.__new__: one instance per unit, and of one class
    out = _run("""
        from machine import Counter, Encoder, Pin
        c = Counter(3, Pin(12))
        try:
            Encoder(3, Pin(12), Pin(13))
        except ValueError as e:
            print(repr(e))
        c.deinit()
        try:
            c.value()
        except RuntimeError as e:
            print(repr(e))
        c.init(12, edge=Counter.FALLING)
        print(c.value(), Counter(3) is c)
    """)
    assert out == ["ValueError('PCNT in use',)", "RuntimeError('not initialised',)", "0 True"]


def test_a_counters_value_can_be_set_to_any_number_a_pcnts_only_to_0() -> None:
    # machine.py _CounterBase.value: value(v) returns the count and carries on from v
    # (an offset); esp32_pcnt_value refuses anything but 0
    out = _run(
        """
        import time
        from machine import Counter, Pin
        c = Counter(0, Pin(12))
        time.sleep_ms(50)
        print(c.value(1000), c.value())
        time.sleep_ms(20)
        print(c.value())
        """,
        WAVE,
    )
    assert out == ["41 1000", "1020"]


@pytest.mark.parametrize(("phases", "count"), [(1, 100), (2, 200), (4, 400)])
def test_an_encoder_counts_1_2_or_4_per_cycle_and_backwards_negative(
    phases: int, count: int
) -> None:
    # machine.py Encoder._configure: channel 0 on phase A with B as its mode pin (HOLD
    # for 1 phase, REVERSE for 2), and for 4 phases channel 1 on B with A as mode pin
    source = f"""
        import time
        from machine import Encoder, Pin
        e = Encoder(0, Pin(12), Pin(13), phases={phases})
        time.sleep_ms(200)
        print(e.value(), e.phases())
    """
    assert _run(source, _quadrature(True)) == [f"{count} {phases}"]
    assert _run(source, _quadrature(False)) == [f"{-count} {phases}"]
    bad = "from machine import Encoder\ntry:\n    Encoder(0, 12, 13, phases=3)\n"
    assert _run(bad + "except ValueError as e:\n    print(repr(e))") == ["ValueError('phases',)"]


def test_a_pcnt_handler_is_traced_as_a_handler_of_its_own() -> None:
    r = ok(
        run_source(
            """
            import time
            from esp32 import PCNT
            p = PCNT(7, pin=12, rising=PCNT.INCREMENT, threshold0=10)
            got = []
            p.irq(lambda u: got.append(u is p), PCNT.IRQ_THRESHOLD0)
            p.start()
            time.sleep_ms(50)
            print(got)
            """,
            WAVE,
        )
    )
    assert lines(r) == ["[True]"]
    (run,) = r.trace.handler_runs("pcnt7")
    assert 19_000 <= run.start_us < 19_200  # the 10th rise is at 19 ms


def test_the_esp8266_has_no_esp32_module() -> None:
    r = run_source("import esp32", board="esp8266")
    assert r.trace.exceptions()[0]["type"] == "ImportError"
