"""Every statement the program runs costs board time, handlers included, and every event knows
the line it happened at (irqlab.instrument puts a cost-and-line store before each statement;
the board reads it as time, irqlab.profiles.Costs)."""

from __future__ import annotations

import pytest
from programs.simrun import lines, ok, run_source

from irqlab.outcome import problem
from irqlab.scenario import Button, Press, Scenario

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


# --- While nothing can interrupt the program (no tick) and once something can ---

IDLE_IRQ = "Pin(14, Pin.IN).irq(lambda p: None, Pin.IRQ_RISING)  # arms the tick: nothing fires"
POLL_FOR_A_WHILE = """
from machine import Pin
import time
button = Pin(5, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)
{arm}
t = time.ticks_us()
n = 0
for i in range(3000):
    if button.value() == 0 and i % 3:
        led.value(1)
    else:
        led.value(0)
    n += 1
print(time.ticks_diff(time.ticks_us(), t))
"""


def test_quiet_and_live_boards_count_the_same_work_within_a_few_percent() -> None:
    # Quiet, the program counts its pending checks from its text; live, the tick counts each as
    # it comes. The same loop costs about the same either way.
    quiet = int(lines(ok(run_source(POLL_FOR_A_WHILE.format(arm=""))))[0])
    live = int(lines(ok(run_source(POLL_FOR_A_WHILE.format(arm=IDLE_IRQ))))[0])
    assert quiet > 3000 * 15  # two calls into the board per pass, 7.5 us each at 160 MHz
    assert abs(quiet - live) / live < 0.05


def test_a_quiet_board_sees_each_edge_at_the_first_call_after_it() -> None:
    # A polling loop with no handler: the press at 100 ms is seen by the first read after it.
    r = ok(
        run_source(
            """
            from machine import Pin
            import time
            button = Pin(5, Pin.IN, Pin.PULL_UP)
            while button.value():
                pass
            print(time.ticks_us())
            """,
            Scenario(world=(Button(pin=5),), timeline=(Press(at=0.1, hold=0.05),), seconds=0.2),
        )
    )
    assert 100_000 <= int(lines(r)[0]) <= 100_020


@pytest.mark.parametrize(
    "loop",
    [
        "x = 0\nwhile True:\n    x += 1\n",  # a statement sure to run: the look is after it
        "x = 0\nwhile True:\n    if x:\n        x = 0\n",  # none: the look is in the test
        "for i in range(1 << 40):\n    if i < 0:\n        pass\n",  # a for into an if: its test
        "x = 0\nwhile True:\n    for i in range(3):\n        x += i\n",
    ],
)
def test_a_loop_that_calls_nothing_ends_with_the_scenario(loop: str) -> None:
    r = run_source(loop, Scenario(seconds=0.2))
    assert (r.stopped, r.virtual_s) == ("scenario", pytest.approx(0.2))


@pytest.mark.parametrize(
    "busy",
    [
        "total = sum([i for i in range(2000)])",
        "total = sum(i * 2 for i in range(2000))",
        "total = len(list(filter(lambda i: i & 1, range(2000))))",
    ],
)
def test_comprehensions_and_lambdas_cost_each_item(busy: str) -> None:
    # Before the items were charged, a handler could hide any amount of work in one of these.
    source = SLOW_HANDLER.replace(
        "    i = 0\n    while i < 20000:\n        i += 1\n", f"    {busy}\n"
    )
    (run,) = ok(run_source(source)).trace.handler_runs("pin5")
    assert run.end_us is not None
    assert run.end_us - run.start_us >= 1_000  # 2,000 items, a few ops each


def test_a_method_taken_before_the_board_went_live_still_works() -> None:
    r = ok(
        run_source(
            f"""
            from machine import Pin
            import time
            out = Pin(4, Pin.OUT, value=0)
            read, write = Pin(5, Pin.IN).value, out.value  # quiet: the fast paths
            {IDLE_IRQ}
            write(1)
            time.sleep_us(10)
            print(read())
            """
        )
    )
    assert lines(r) == ["1"] and r.trace.writes(4)[-1][1] == 1
