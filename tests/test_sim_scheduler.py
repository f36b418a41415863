"""Soft IRQs go through the port's scheduler queue, as in MicroPython's py/scheduler.c,
ports/esp32/modmachine.c (IRQ masking) and py/modmicropython.c (the heap lock)."""

from __future__ import annotations

import pytest
from programs.simrun import lines, ok, run_source

from irqlab.scenario import Button, Press, Scenario, SquareWave

# A callback toggles the jumpered GPIO4 twenty times: twenty edges on GPIO5 while the
# scheduler is locked. The queue takes `depth` of them; the rest are dropped, silently.
BURST = """
import micropython, time
from machine import Pin
runs = 0
def on_edge(pin):
    global runs
    runs += 1
def burst(_):
    for i in range(20):
        out.value(i % 2 == 0)
out = Pin(4, Pin.OUT, value=0)
Pin(5, Pin.IN).irq(on_edge)
micropython.schedule(burst, None)
time.sleep_ms(20)
print(runs)
"""


@pytest.mark.parametrize(("board", "depth"), [("esp32", 8), ("esp8266", 4)])
def test_queue_depth_and_silent_drops(board: str, depth: int) -> None:
    r = ok(run_source(BURST, board=board))
    assert lines(r) == [str(depth)]
    assert len(r.trace.edges(5)) == 20
    assert len(r.trace.drops()) == 20 - depth
    assert {e["source"] for e in r.trace.drops()} == {"pin5"}
    assert "Traceback" not in r.stdout  # dropped without a word
    assert r.extra["queue_high_water"] == depth


def test_a_long_handler_loses_edges_of_a_fast_signal() -> None:
    # 2 kHz square wave: 4 edges a millisecond; the handler busy-loops for ~5 ms.
    scenario = Scenario(world=(SquareWave(pin=5, hz=2000, start=0.01, stop=0.03),), seconds=0.1)
    r = run_source(
        """
        import time
        from machine import Pin
        runs = 0
        def slow(pin):
            global runs
            runs += 1
            t = time.ticks_us()
            while time.ticks_diff(time.ticks_us(), t) < 5000:
                pass
        Pin(5, Pin.IN).irq(slow)
        time.sleep_ms(80)
        print(runs)
        """,
        scenario,
    )
    ok(r)
    edges, drops = len(r.trace.edges(5)), len(r.trace.drops())
    assert edges == 80
    assert drops > 0
    assert int(lines(r)[0]) == edges - drops
    runs = r.trace.handler_runs("pin5")
    assert all(run.duration_us is not None and run.duration_us >= 5000 for run in runs)


def test_one_callback_per_pending_check_and_none_in_straight_line_code() -> None:
    # The unix port's own scheduler gives exactly this order for this program: a
    # `for` loop over range(3) has 5 pending checks (its first jump, then one
    # conditional branch per test), one callback each; the sixth waits.
    r = run_source("""
        import micropython
        log = []
        micropython.schedule(log.append, "a")
        micropython.schedule(log.append, "b")
        micropython.schedule(log.append, "c")
        micropython.schedule(log.append, "d")
        micropython.schedule(log.append, "e")
        micropython.schedule(log.append, "f")
        log.append("straight")
        log.append("line")
        for i in range(3):
            log.append(i)
        print(log)
    """)
    assert lines(ok(r)) == ["['straight', 'line', 'a', 'b', 0, 'c', 1, 'd', 2, 'e']"]


def test_callbacks_run_while_sleeping() -> None:
    scenario = Scenario(world=(Button(pin=5),), timeline=(Press(at=0.05, hold=0.01),), seconds=0.3)
    r = run_source(
        """
        import time
        from machine import Pin
        def handler(pin):
            print("edge", pin.value(), time.ticks_ms())
        Pin(5, Pin.IN).irq(handler, Pin.IRQ_FALLING)
        time.sleep(0.2)
        print("woke", time.ticks_ms())
        """,
        scenario,
    )
    ok(r)
    (run,) = r.trace.handler_runs("pin5")
    assert 50_000 < run.start_us < 50_500  # within half a millisecond of the press
    assert lines(r)[0] == "edge 0 50"
    assert lines(r)[1] == "woke 200"


@pytest.mark.parametrize(("board", "runs_inside"), [("esp32", False), ("esp8266", True)])
def test_short_sleep_us_runs_no_callbacks_on_esp32(board: str, runs_inside: bool) -> None:
    r = ok(
        run_source(
            """
            import time
            from machine import Pin
            out = Pin(4, Pin.OUT, value=0)
            Pin(5, Pin.IN).irq(lambda p: None)
            out.value(1)
            time.sleep_us(100)
            time.sleep_us(1)
            for i in range(3):
                pass
            """,
            board=board,
        )
    )
    kinds = [e["kind"] for e in r.trace if e["kind"] in ("sleep", "enter")]
    assert kinds == (["sleep", "enter", "sleep"] if runs_inside else ["sleep", "sleep", "enter"])


def test_a_long_sleep_us_runs_callbacks_except_in_its_last_150_us() -> None:
    r = ok(
        run_source("""
            import time
            from machine import Pin
            out = Pin(4, Pin.OUT, value=0)
            Pin(5, Pin.IN).irq(lambda p: None)
            out.value(1)
            time.sleep_us(1000)
        """)
    )
    (sleep,) = r.trace.of("sleep")
    (run,) = r.trace.handler_runs("pin5")
    assert sleep["t_us"] <= run.start_us < sleep["t_us"] + 100


IDLE = """
import machine, micropython, time
log = []
micropython.schedule(log.append, "cb")
machine.idle()
log.append("after idle")
for _ in range(2):  # pending checks: a queued callback runs at the first
    pass
print(log)
"""


@pytest.mark.parametrize(
    ("board", "expected"),
    [("esp32", "['after idle', 'cb']"), ("esp8266", "['cb', 'after idle']")],
)
def test_idle_runs_a_callback_only_on_esp8266(board: str, expected: str) -> None:
    # ESP32: mp_machine_idle is taskYIELD() alone (ports/esp32/modmachine.c);
    # ESP8266: waiti, then mp_event_handle_nowait() runs one (ports/esp8266/modmachine.c).
    assert lines(ok(run_source(IDLE, board=board))) == [expected]


def test_lightsleep_runs_no_callback_until_the_wake() -> None:
    # ports/esp32/modmachine.c machine_sleep_helper: esp_light_sleep_start(), no
    # mp_handle_pending while asleep; the edge's callback waits for a pending check.
    r = ok(
        run_source("""
            import machine
            from machine import Pin
            log = []
            out = Pin(4, Pin.OUT, value=0)
            Pin(5, Pin.IN).irq(lambda p: log.append("edge"), Pin.IRQ_RISING)
            t = machine.Timer(0)
            t.init(mode=t.ONE_SHOT, period=1, callback=lambda t: out.value(1))
            machine.lightsleep(5)
            log.append("woke")
            for _ in range(2):
                pass
            print(log)
        """)
    )
    assert lines(r) == ["['woke', 'edge']"]


def test_sleep_ms_runs_queued_callbacks_first_in_first_out() -> None:
    # ports/esp32/mphalport.c mp_hal_delay_ms: one mp_handle_pending per pass, and
    # py/scheduler.c takes callbacks from the head of its queue.
    r = ok(
        run_source("""
            import micropython, time
            order = []
            micropython.schedule(order.append, 1)  # no pending check between these:
            micropython.schedule(order.append, 2)  # all three are still queued when
            micropython.schedule(order.append, 3)  # the sleep begins
            time.sleep_ms(5)
            print(order)
        """)
    )
    assert lines(r) == ["[1, 2, 3]"]


def test_sleep_ms_0_runs_one_callback_on_esp32() -> None:
    # ports/esp32/mphalport.c mp_hal_delay_ms(0): the loop's first pass handles one
    # pending callback, then returns.
    source = """
        import micropython, time
        log = []
        micropython.schedule(log.append, 1)
        micropython.schedule(log.append, 2)
        time.sleep_ms(0)
        log.append("slept")
        print(log)
    """
    assert lines(ok(run_source(source))) == ["[1, 'slept']"]
    assert lines(ok(run_source(source, board="esp8266"))) == ["['slept']"]


def test_exception_in_callback_is_printed_swallowed_and_irq_stays_enabled() -> None:
    r = run_source("""
        import time
        from machine import Pin
        def handler(pin):
            raise ValueError("boom")
        out = Pin(4, Pin.OUT, value=0)
        Pin(5, Pin.IN).irq(handler)
        for level in (1, 0, 1):
            out.value(level)
            time.sleep_ms(1)
        print("main goes on")
    """)
    assert r.stopped == "exit" and r.exit == 0
    assert len(r.trace.handler_runs("pin5")) == 3
    assert r.stdout.count("ValueError: boom") == 3
    assert 'File "main.py", line 5, in handler' in r.stdout
    assert r.stdout.rstrip().endswith("main goes on")
    assert [e["where"] for e in r.trace.exceptions()] == ["handler"] * 3


@pytest.mark.parametrize(("board", "depth"), [("esp32", 8), ("esp8266", 4)])
def test_schedule_raises_when_the_queue_is_full(board: str, depth: int) -> None:
    # Straight-line code has no pending check: nothing runs, the queue fills up.
    calls = "\n".join(f"    micropython.schedule(f, {i})\n    n += 1" for i in range(9))
    r = run_source(
        "import micropython\nf = lambda x: None\nn = 0\ntry:\n" + calls + "\n"
        "except RuntimeError as e:\n    print(n, e)\n",
        board=board,
    )
    assert lines(ok(r)) == [f"{depth} schedule queue full"]


MASKED = """
import machine, time
from machine import Pin
runs = []
def handler(pin):
    runs.append(time.ticks_us())
out = Pin(4, Pin.OUT, value=0)
Pin(5, Pin.IN).irq(handler)
state = machine.disable_irq()
for i in range(6):
    out.value(1 - out.value())
t = time.ticks_us()
while time.ticks_diff(time.ticks_us(), t) < 200:
    pass
machine.enable_irq(state)
time.sleep_ms(1)
print(len(runs))
"""


def test_masked_irqs_latch_one_edge_per_pin() -> None:
    r = ok(run_source(MASKED))
    assert len(r.trace.edges(5)) == 6
    assert lines(r) == ["1"]
    ((start, end),) = r.trace.masked_spans()
    (run,) = r.trace.handler_runs("pin5")
    assert run.start_us >= end  # it fired once IRQs came back
    assert r.trace.drops() == []  # lost in the latch, not in the queue
    assert r.extra["longest_masked_us"] == end - start >= 200


def test_queued_callbacks_still_run_inside_a_masked_section() -> None:
    r = ok(
        run_source("""
            import machine, time
            from machine import Pin
            out = Pin(4, Pin.OUT, value=0)
            Pin(5, Pin.IN).irq(lambda p: None)
            out.value(1)            # queued now...
            state = machine.disable_irq()
            for i in range(3):      # ...and run at the first pending check
                pass
            machine.enable_irq(state)
        """)
    )
    ((start, end),) = r.trace.masked_spans()
    (run,) = r.trace.handler_runs("pin5")
    assert start <= run.start_us < end


def test_the_trace_names_what_happened_while_irqs_were_off() -> None:
    # A counted, nested section: everything from the outer mask to the outer unmask is
    # inside; the print after the unmask is not.
    r = ok(
        run_source("""
            import machine, time
            from machine import Pin
            out = Pin(4, Pin.OUT, value=0)
            Pin(5, Pin.IN).irq(lambda p: None)
            out.value(1)
            state = machine.disable_irq()
            inner = machine.disable_irq()
            machine.enable_irq(inner)
            print("masked")
            time.sleep_us(20)       # too short to run callbacks
            for i in range(2):      # a pending check: the queued handler runs here
                pass
            machine.enable_irq(state)
            print("unmasked")
        """)
    )
    inside = r.trace.while_masked("print", "sleep", "enter")
    assert [e["kind"] for e in inside] == ["print", "sleep", "enter"]
    assert inside[0]["text"].strip() == "masked"
    assert [e["text"].strip() for e in r.trace.of("print")] == ["masked", "unmasked"]


def test_heap_lock_message_and_unlock_depth() -> None:
    r = run_source("""
        import micropython
        failed = bytearray(1)
        micropython.heap_lock()
        micropython.heap_lock()
        try:
            x = [1, 2, 3]
        except MemoryError as e:
            failed[0] = 1
            err = e  # allocates: raises again, caught below
        """)
    # no message: the board has no emergency exception buffer until the program asks
    assert r.trace.exceptions("main")[0]["message"] == ""
    r = run_source("""
        import micropython
        depth = [None, None]  # storing into it allocates nothing
        micropython.heap_lock()
        micropython.heap_lock()
        depth[0] = micropython.heap_unlock()
        depth[1] = micropython.heap_unlock()
        print(depth[0], depth[1])
        try:
            micropython.heap_lock()
            x = [1, 2, 3]
        except MemoryError as e:
            micropython.heap_unlock()
            print(e)
    """)
    assert lines(ok(r)) == ["1 0", "memory allocation failed, heap is locked"]


def test_handlers_that_do_not_allocate_run_with_the_heap_locked() -> None:
    # Pin calls, ticks and schedule allocate nothing on the board: nor on the sim.
    r = run_source("""
        import micropython, time
        from machine import Pin
        buf = bytearray(4)
        def later(n):
            print("later", n, buf[0])
        def handler(pin):
            micropython.heap_lock()
            buf[0] = pin.value()
            t = time.ticks_us()
            led.value(1)
            micropython.schedule(later, 7)
            micropython.heap_unlock()
        led = Pin(2, Pin.OUT)
        out = Pin(4, Pin.OUT, value=0)
        Pin(5, Pin.IN).irq(handler, Pin.IRQ_RISING)
        out.value(1)
        time.sleep_ms(2)
    """)
    assert lines(ok(r)) == ["later 7 1"]


def test_alloc_emergency_exception_buf_exists_on_both_boards() -> None:
    for board in ("esp32", "esp8266"):
        r = run_source(
            "import micropython\nprint(micropython.alloc_emergency_exception_buf(100))",
            board=board,
        )
        assert lines(ok(r)) == ["None"]


STRICT = """
import time
from machine import Pin
events = []
def handler(pin):
    n = pin.value()
    events.append(str(n))
out = Pin(4, Pin.OUT, value=0)
Pin(5, Pin.IN).irq(handler)
out.value(1)
time.sleep_ms(1)
print("done", len(events))
"""


def test_strict_isr_names_the_line_that_allocates() -> None:
    relaxed = ok(run_source(STRICT))
    assert lines(relaxed) == ["done 1"]
    strict = run_source(STRICT, strict_isr=True)
    (exc,) = strict.trace.exceptions("handler")
    assert (exc["type"], exc["line"]) == ("MemoryError", 7)
    assert lines(strict)[-1] == "done 0"


def test_a_locked_heap_memory_error_has_its_message_only_with_an_emergency_buffer() -> None:
    # py/objexcept.c: the MemoryError raised with the heap locked gets its message from
    # the emergency exception buffer, which a board allocates only when asked to.
    bare = run_source(STRICT, strict_isr=True)
    assert bare.trace.exceptions("handler")[0]["message"] == ""
    assert "MemoryError:\n" in bare.stdout
    asked = "import micropython\nmicropython.alloc_emergency_exception_buf(100)\n" + STRICT
    full = run_source(asked, strict_isr=True)
    assert full.trace.exceptions("handler")[0]["message"] == (
        "memory allocation failed, heap is locked"
    )


def test_a_flag_handler_passes_strict_isr() -> None:
    r = run_source(
        """
        import time
        from machine import Pin
        flag = bytearray(1)
        def handler(pin):
            flag[0] = 1
        out = Pin(4, Pin.OUT, value=0)
        Pin(5, Pin.IN).irq(handler)
        out.value(1)
        time.sleep_ms(1)
        print(flag[0])
        """,
        strict_isr=True,
    )
    assert lines(ok(r)) == ["1"]
