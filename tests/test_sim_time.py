"""Time and timers on the simulated board, as in MicroPython's extmod/modtime.c,
ports/esp32/machine_timer.c and ports/esp32/uart.c."""

from __future__ import annotations

import itertools

import pytest
from programs.simrun import lines, ok, run_source

from irqlab.scenario import Scenario

PERIOD = 2**30


def test_ticks_wrap_at_2_30_and_ticks_diff_is_signed() -> None:
    r = run_source(
        """
        import time
        t0 = time.ticks_ms()
        time.sleep_ms(100)
        t1 = time.ticks_ms()
        print(t0, t1, time.ticks_diff(t1, t0), t1 - t0)
        print(time.ticks_diff(t0, t1))
        print(time.ticks_add(t0, 100) == t1, time.ticks_add(5, -10))
        print(time.ticks_diff(2**29, 0), time.ticks_diff(0, 2**29))
        """,
        Scenario(seconds=0.5, ticks_ms_start=PERIOD - 50),
    )
    first, second, third, fourth = lines(ok(r))
    t0, t1, diff, naive = map(int, first.split())
    assert t0 == PERIOD - 50 and t1 == 50
    assert diff == 100
    assert naive == 100 - PERIOD  # what subtracting ticks gives across the wrap
    assert second == "-100"
    assert third == f"True {PERIOD - 5}"
    assert fourth == f"{-(2**29)} {-(2**29)}"  # signed: in [-2**29, 2**29)


def test_ticks_us_wrap_is_reached() -> None:
    # 1073741824 us is 1073741.824 ms: starting the clock at 1073741 ms puts ticks_us
    # 824 us before its wrap.
    r = run_source(
        """
        import time
        a = time.ticks_us()
        time.sleep_ms(1)
        b = time.ticks_us()
        print(a, b, time.ticks_diff(b, a))
        """,
        Scenario(seconds=0.1, ticks_ms_start=1073741),
    )
    a, b, diff = map(int, lines(ok(r))[0].split())
    assert a > PERIOD - 1000 and b < 1000
    assert 1000 <= diff < 1100


def test_ticks_add_overflow() -> None:
    r = run_source("""
        import time
        try:
            time.ticks_add(0, 2**29)
        except OverflowError as e:
            print(e)
    """)
    assert lines(ok(r)) == ["ticks interval overflow"]


def test_sleep_forms_and_utime_alias() -> None:
    r = run_source(
        """
        import time, utime
        t = time.ticks_us()
        time.sleep(0.0005)        # whole milliseconds: no wait at all
        a = time.ticks_diff(time.ticks_us(), t)
        t = time.ticks_us()
        utime.sleep(0.25)
        b = time.ticks_diff(time.ticks_us(), t)
        t = time.ticks_us()
        time.sleep(1)
        time.sleep_ms(-5)
        time.sleep_us(0)
        c = time.ticks_diff(time.ticks_us(), t)
        print(a < 100, 250000 <= b < 250100, 1000000 <= c < 1000100, utime.ticks_ms is not None)
    """,
        Scenario(seconds=2),
    )
    assert lines(ok(r)) == ["True True True True"]
    assert r.virtual_s > 1.25


def test_print_blocks_on_the_115200_baud_uart() -> None:
    r = run_source("""
        import time
        t = time.ticks_us()
        print("x" * 999)
        d = time.ticks_diff(time.ticks_us(), t)
        print(d)
    """)
    d = int(lines(ok(r))[1])
    # 1000 bytes at ~86.8 us each, less what the 128-byte TX FIFO absorbs.
    assert 870 * 86.8 * 0.95 < d < 1000 * 86.8


def test_scenario_end_stops_a_program_that_never_ends() -> None:
    r = run_source(
        """
        import time
        while True:
            try:
                time.sleep_ms(10)
            except BaseException:
                pass
        """,
        Scenario(seconds=0.3),
    )
    assert (r.stopped, r.exit) == ("scenario", None)
    assert r.virtual_s == pytest.approx(0.3)


TIMER = """
import time
from machine import Timer
got = []
def tick(t):
    got.append(t is tim or t is one)
tim = Timer(0)
tim.init(mode=Timer.PERIODIC, period=10, callback=tick)
time.sleep_ms(105)
tim.deinit()
time.sleep_ms(50)
one = Timer(1, mode=Timer.ONE_SHOT, period=20, callback=tick)
time.sleep_ms(100)
print(len(got), all(got), Timer.ONE_SHOT, Timer.PERIODIC)
"""


def test_periodic_and_one_shot_timers_pass_the_timer() -> None:
    r = ok(run_source(TIMER))
    assert lines(r) == ["11 True 0 1"]
    starts = [run.start_us for run in r.trace.handler_runs("timer0")]
    assert len(starts) == 10
    assert all(9_900 < b - a < 10_100 for a, b in itertools.pairwise(starts))
    assert len(r.trace.handler_runs("timer1")) == 1


def test_esp32_timer_ids_and_hard() -> None:
    r = run_source("""
        from machine import Timer
        for i in (0, 1, 2, 3, 4, -1):
            try:
                Timer(i)
                print(i, "ok")
            except ValueError as e:
                print(i, "ValueError")
        try:
            Timer(0).init(period=10, callback=print, hard=True)
        except ValueError as e:
            print(e)
    """)
    assert lines(ok(r)) == [
        "0 ok",
        "1 ok",
        "2 ok",
        "3 ok",
        "4 ValueError",
        "-1 ValueError",
        "hard Timers are not implemented",
    ]


def test_esp8266_timer_takes_any_id_and_no_keywords() -> None:
    r = run_source(
        """
        import time
        from machine import Timer
        t = Timer(-1)
        try:
            Timer(-1, period=10)
        except TypeError:
            print("TypeError")
        n = [0]
        def cb(timer):
            n[0] += 1
        t.init(period=10, mode=Timer.PERIODIC, callback=cb)
        time.sleep_ms(55)
        print(n[0])
        """,
        board="esp8266",
    )
    assert lines(ok(r)) == ["TypeError", "5"]


def test_timer_ticks_are_dropped_when_the_queue_is_full() -> None:
    # A 1 kHz timer while a callback holds the scheduler for 20 ms: 8 ticks queue up,
    # the rest are dropped.
    r = run_source("""
        import micropython, time
        from machine import Timer
        n = [0]
        def cb(t):
            n[0] += 1
        def hog(_):
            t0 = time.ticks_ms()
            while time.ticks_diff(time.ticks_ms(), t0) < 20:
                pass
        tim = Timer(0, period=1, callback=cb)
        micropython.schedule(hog, None)
        time.sleep_ms(30)
        tim.deinit()
        print(n[0])
    """)
    ok(r)
    drops = r.trace.drops()
    assert drops and {e["source"] for e in drops} == {"timer0"}
    assert r.extra["queue_high_water"] == 8
