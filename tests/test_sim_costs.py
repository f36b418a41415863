"""Every statement the program runs costs board time, handlers included, and every event knows
the line it happened at (irqlab.instrument puts a cost-and-line store before each statement;
the board reads it as time, irqlab.profiles.Costs)."""

from __future__ import annotations

from programs.simrun import lines, ok, run_source

from irqlab.outcome import problem

SLOW_HANDLER = """
import time
from machine import Pin
def slow(pin):
    i = 0
    while i < 20000:
        i += 1
Pin(5, Pin.IN).irq(slow, Pin.IRQ_RISING)
out = Pin(4, Pin.OUT, value=0)
out.value(1)
time.sleep_ms(200)
"""


def test_a_handler_costs_what_its_code_costs() -> None:
    # 20,000 passes of a loop take tens of ms on an ESP32 at 160 MHz (about 1.5 us each)
    (run,) = ok(run_source(SLOW_HANDLER)).trace.handler_runs("pin5")
    assert run.end_us is not None
    assert 20_000 <= run.end_us - run.start_us <= 60_000


def test_the_same_loop_takes_twice_as_long_at_half_the_clock() -> None:
    def loop_us(freq: int) -> int:
        r = ok(
            run_source(f"""
                import machine, time
                machine.freq({freq})
                t = time.ticks_us()
                for i in range(5000):
                    x = i * 2
                print(time.ticks_diff(time.ticks_us(), t))
            """)
        )
        return int(lines(r)[0])

    fast, slow = loop_us(160_000_000), loop_us(80_000_000)
    assert fast > 5_000 and 1.9 < slow / fast < 2.1


def test_events_name_the_line_they_happened_at() -> None:
    r = ok(
        run_source("""
            from machine import Pin
            hits = 0
            def h(pin):
                global hits
                hits += 1
            Pin(5, Pin.IN).irq(h, Pin.IRQ_RISING)
            out = Pin(4, Pin.OUT, value=0)
            out.value(1)
            n = 0
            if n == 0:
                print("done", hits)
        """)
    )
    (write,) = r.trace.of("write", level=1)
    assert (write["file"], write["line"]) == ("main.py", 9)
    (enter,) = r.trace.of("enter")
    # the handler ran at the first pending check after the edge: the `if` after line 10
    assert enter["line"] == 10
    (printed,) = r.trace.of("print")
    assert printed["line"] == 12 and printed["text"] == "done 1\n"


def test_a_program_python_3_cannot_read_gets_micropythons_own_error() -> None:
    # Ungraded, it runs as it is (no costs): MicroPython reports the error at its line.
    r = run_source("x = 1\nprint(x\n")
    assert r.trace.exceptions("main")[0]["type"] == "SyntaxError"
    message = problem(r)
    assert message is not None and "SyntaxError" in message


def test_a_handler_whose_clock_stopped_is_reported_with_its_line() -> None:
    r = run_source(
        """
        from machine import Pin
        def stuck(pin):
            while True:
                pass
        Pin(5, Pin.IN).irq(stuck)
        Pin(4, Pin.OUT).value(1)
        for i in range(10):
            pass
        """,
        timeout_s=120,  # the stall needs 5 s of the board's CPU: a loaded machine gives it slowly
    )
    assert r.stopped == "timeout" and r.extra["interrupted"] == "stalled"  # not the limit
    message = problem(r)
    assert message is not None
    assert message.startswith("the handler for pin5 started at 0.000 s and never returned")
    assert message.endswith("at main.py line 5 when it was stopped")
