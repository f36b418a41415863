"""asyncio on the board's clock (extmod/asyncio/core.py over extmod/modselect.c poll and
extmod/modasyncio.c): its loop waits in select.poll's ipoll, which runs pending callbacks while
it waits, its task queue is keyed by time.ticks_ms(), and ThreadSafeFlag.set() from an IRQ
wakes the loop. Nothing waits in real time."""

from __future__ import annotations

import itertools

from programs.simrun import lines, ok, run_source

from irqlab.scenario import Button, Jumper, Led, Press, Scenario


def test_sleeps_run_on_board_time_and_cost_no_real_time() -> None:
    r = ok(
        run_source(
            """
            import asyncio, time
            async def main():
                for _ in range(3):
                    await asyncio.sleep_ms(500)
                    print(time.ticks_ms())
                await asyncio.sleep(600)  # ten minutes: only board time could pass them
            asyncio.run(main())
            """,
            Scenario(seconds=700),
            timeout_s=60,
        )
    )
    times = [int(t) for t in lines(r)]
    assert [t // 100 for t in times] == [5, 10, 15]  # 500 ms apart, plus the loop's own work
    assert r.stopped == "exit" and 601 < r.virtual_s < 602


def test_the_trace_shows_the_loop_waiting() -> None:
    r = ok(
        run_source(
            """
            import asyncio
            async def main():
                await asyncio.sleep_ms(200)
            asyncio.run(main())
            """
        )
    )
    waits = [e for e in r.trace.of("sleep") if e["us"] >= 100_000]
    assert len(waits) == 1 and 199_000 <= waits[0]["us"] <= 200_000


def test_tasks_gather_wait_for_and_events_keep_board_time() -> None:
    r = ok(
        run_source(
            """
            import asyncio, time
            t0 = time.ticks_ms()
            def now():
                return time.ticks_diff(time.ticks_ms(), t0) // 10 * 10
            async def worker(ms, ev=None):
                await asyncio.sleep_ms(ms)
                if ev:
                    ev.set()
                return now()
            async def waiter(ev):
                await ev.wait()
                return ("event", now())
            async def main():
                ev = asyncio.Event()
                got = await asyncio.gather(worker(100), worker(300, ev), waiter(ev))
                print(got)
                try:
                    await asyncio.wait_for(worker(1000), 0.25)
                except asyncio.TimeoutError:
                    print("timeout", now())
                t = asyncio.create_task(worker(50))
                print(await t)
            asyncio.run(main())
            """,
            Scenario(seconds=2),
        )
    )
    assert lines(r) == ["[100, 300, ('event', 300)]", "timeout 550", "600"]


# The lab kit's jumper: the program drives GPIO4, GPIO5 follows; its IRQ sets the flag.
FLAG = """
import asyncio, time
from machine import Pin
tsf = asyncio.ThreadSafeFlag()
edges = 0
def on_edge(pin):
    global edges
    edges += 1
    tsf.set()
Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
out = Pin(4, Pin.OUT, value=0)
async def pulse(at_ms, n):
    await asyncio.sleep_ms(at_ms)
    for _ in range(n):  # n rising edges in a row, before the waiter can run
        out.value(1)
        out.value(0)
async def waiter():
    for _ in range(2):
        await tsf.wait()
        print("woke", time.ticks_ms(), edges)
async def main():
    asyncio.create_task(pulse(100, 1))
    asyncio.create_task(pulse(300, 3))
    await waiter()
asyncio.run(main())
"""


def test_a_pin_irq_sets_a_thread_safe_flag_and_wakes_the_loop_at_once() -> None:
    r = ok(run_source(FLAG, Scenario(world=(Jumper(), Led()), seconds=1)))
    woke = [ln.split() for ln in lines(r)]
    assert [w[0] for w in woke] == ["woke", "woke"]
    # within a millisecond of the edge: the wait ends when the handler sets the flag
    assert [int(w[1]) for w in woke] == [100, 300]
    # three sets before the wait returns coalesce into one wake (the count says three)
    assert [int(w[2]) for w in woke] == [1, 4]
    (run,) = [h for h in r.trace.handler_runs("pin5") if h.start_us < 200_000]
    assert 100_000 <= run.start_us < 100_300


def test_a_hinch_style_program_with_a_button_and_a_blinker() -> None:
    # Peter Hinch's pattern: the handler sets a ThreadSafeFlag, a task does the work, and
    # another task keeps blinking the LED on asyncio.sleep_ms.
    scenario = Scenario(
        world=(Button(pin=5), Led()),
        timeline=(Press(at=0.25, hold=0.1), Press(at=0.7, hold=0.1)),
        seconds=1,
    )
    r = ok(
        run_source(
            """
            import asyncio, time
            from machine import Pin
            led = Pin(2, Pin.OUT)
            button = Pin(5, Pin.IN, Pin.PULL_UP)
            flag = asyncio.ThreadSafeFlag()
            button.irq(lambda p: flag.set(), Pin.IRQ_FALLING)
            async def blink():
                while True:
                    led.toggle()
                    await asyncio.sleep_ms(100)
            async def presses():
                n = 0
                while True:
                    await flag.wait()
                    n += 1
                    print("PRESS", n, time.ticks_ms())
            asyncio.create_task(blink())
            asyncio.run(presses())
            """,
            scenario,
        )
    )
    pressed = [ln.split() for ln in lines(r)]
    assert [p[:2] for p in pressed] == [["PRESS", "1"], ["PRESS", "2"]]
    assert [int(p[2]) for p in pressed] == [250, 700]
    toggles = [t for t, _ in r.trace.writes(2)]
    assert len(toggles) == 10  # every 100 ms, the presses notwithstanding
    assert all(99_000 <= b - a <= 101_000 for a, b in itertools.pairwise(toggles))
