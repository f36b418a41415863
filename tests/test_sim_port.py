"""Port facts the second half of the course rests on, each from MicroPython v1.28.0's source
(the path and function are named in each test): masking, pin IRQs, the GPIO ISR's own cost,
timers, numbers on a 32-bit board, and errors as the board prints them."""

from __future__ import annotations

import pytest
from programs.simrun import lines, ok, run_source

from irqlab.outcome import problem
from irqlab.scenario import Button, Press, Scenario, Sensor, SquareWave

# --- masking: ports/esp32/mphalport.h mp_begin_atomic_section / mp_end_atomic_section;
# --- ports/esp8266/xtirq.h disable_irq (rsil 15) / enable_irq (wsr ps)

NESTED = """
import machine, micropython, time
from machine import Pin
log = []
out = Pin(4, Pin.OUT, value=0)
Pin(5, Pin.IN).irq(lambda p: log.append("irq"), Pin.IRQ_RISING)
a = machine.disable_irq()
b = machine.disable_irq()
out.value(1)  # the edge latches: IRQs are off
machine.enable_irq(b)
for _ in range(3):
    pass
log.append("inner enable")
machine.enable_irq(a)
for _ in range(3):
    pass
log.append("outer enable")
print(a, b, log)
"""


def test_esp32_masking_is_a_counted_section_and_disable_irq_returns_0() -> None:
    # portENTER_CRITICAL nests; each enable_irq() leaves one level, whatever its argument
    assert lines(ok(run_source(NESTED))) == ["0 0 ['inner enable', 'irq', 'outer enable']"]


def test_esp8266_disable_irq_returns_the_old_level_and_enable_irq_restores_it() -> None:
    # rsil 15 returns the old PS (INTLEVEL 0 when on, 15 when already off); wsr ps puts
    # back what it is given: enable_irq(15) leaves IRQs off, enable_irq(0) turns them on.
    assert lines(ok(run_source(NESTED, board="esp8266"))) == [
        "0 15 ['inner enable', 'irq', 'outer enable']"
    ]


def test_esp32_enable_irq_ignores_its_argument() -> None:
    r = ok(
        run_source("""
            import machine
            from machine import Pin
            log = []
            out = Pin(4, Pin.OUT, value=0)
            Pin(5, Pin.IN).irq(lambda p: log.append("irq"), Pin.IRQ_RISING)
            machine.disable_irq()
            machine.disable_irq()
            out.value(1)
            machine.enable_irq(0)  # 0 is what a board returns: one level only
            for _ in range(3):
                pass
            print(log)
        """)
    )
    assert lines(r) == ["[]"]


def test_a_long_masked_section_resets_the_esp32_as_its_watchdog_does() -> None:
    # ESP-IDF's interrupt watchdog (CONFIG_ESP_INT_WDT_TIMEOUT_MS, 300 ms by default)
    r = run_source(
        """
        import machine, time
        state = machine.disable_irq()
        t = time.ticks_ms()
        while time.ticks_diff(time.ticks_ms(), t) < 500:
            pass
        machine.enable_irq(state)
        print("survived")
        """,
        Scenario(seconds=2),
    )
    assert r.stopped == "reset" and "survived" not in r.stdout
    assert "Guru Meditation Error: Core  0 panic'ed (Interrupt wdt timeout on CPU0)." in r.stdout
    assert 0.29 < r.virtual_s < 0.31
    message = problem(r)
    assert message is not None and "disable_irq() at main.py line 3" in message


def test_a_short_masked_section_is_fine_and_the_esp8266_has_no_such_watchdog() -> None:
    source = """
        import machine, time
        state = machine.disable_irq()
        t = time.ticks_ms()
        while time.ticks_diff(time.ticks_ms(), t) < 350:
            pass
        machine.enable_irq(state)
        print("survived")
    """
    assert lines(ok(run_source(source, board="esp8266"))) == ["survived"]
    assert ok(run_source(source.replace("350", "250"))).stopped != "reset"


# --- pin IRQs: ports/esp32/machine_pin.c machine_pin_irq, machine_pin_irq_type;
# --- ports/esp8266/machine_pin.c pyb_pin_irq, pin_irq_type


def _error(source: str, board: str = "esp32") -> str:
    (exc,) = run_source(source, board=board).trace.exceptions("main")
    return f"{exc['type']}: {exc['message']}"


def test_esp32_irq_takes_handler_trigger_and_wake_positionally_and_checks_wake() -> None:
    head = "from machine import Pin\ndef h(p):\n    pass\n"
    # a level trigger with wake: the wake level is 2..7, on an RTC pin only
    assert _error(head + "Pin(4, Pin.IN).irq(h, 4, 9)") == "ValueError: bad wake value"
    assert _error(head + "Pin(5, Pin.IN).irq(h, 4, 2)") == "ValueError: invalid pin for wake"
    assert _error(head + "Pin(5, Pin.IN).irq(h, 1, 2, 3)").startswith("TypeError")
    assert _error(head + "Pin(5, Pin.IN).irq(h, hard=True)") == (
        "TypeError: extra keyword arguments given"
    )


def test_a_level_trigger_with_wake_sets_up_the_wake_not_an_irq() -> None:
    r = ok(
        run_source("""
            from machine import Pin
            runs = []
            out = Pin(16, Pin.OUT, value=1)
            Pin(4, Pin.IN).irq(lambda p: runs.append(1), 4, 2)  # low level, wake
            for i in range(3):
                pass
            print(len(runs))
        """)
    )
    assert lines(r) == ["0"] and not r.trace.of("irq")


def test_esp8266_irq_takes_hard_and_refuses_it_and_has_no_wake() -> None:
    head = "from machine import Pin\ndef h(p):\n    pass\n"
    assert _error(head + "Pin(5, Pin.IN).irq(h, hard=True)", "esp8266") == (
        "ValueError: hard IRQ not supported"
    )
    for kw in ("wake=2", "priority=1"):
        assert _error(head + f"Pin(5, Pin.IN).irq(h, {kw})", "esp8266") == (
            "TypeError: extra keyword arguments given"
        )
    assert _error(head + "Pin(16, Pin.IN).irq()", "esp8266") == (
        "OSError: pin does not have IRQ capabilities"
    )


def test_the_irq_object_can_be_called_and_its_trigger_changed() -> None:
    r = ok(
        run_source("""
            from machine import Pin
            got = []
            out = Pin(4, Pin.OUT, value=0)
            pin = Pin(5, Pin.IN)
            irq = pin.irq(lambda p: got.append(p is pin), Pin.IRQ_RISING)
            irq()  # runs the ISR's work by hand: the handler is scheduled
            for i in range(2):
                pass
            old = irq.trigger(Pin.IRQ_FALLING)
            out.value(1)  # rising: no longer a trigger
            for i in range(2):
                pass
            out.value(0)  # falling: now it is
            for i in range(2):
                pass
            print(got, old, irq.trigger(), pin.irq(None).trigger())
        """)
    )
    assert lines(r) == ["[True, True] 1 2 0"]


# --- the GPIO ISR's own cost: machine_pin_isr_handler runs for every matching edge


# The loop runs inside a callback: the scheduler is locked there, so no handler runs and
# the queue stays full; only the ISR itself can take time from the loop.
STORM_LOOP = """
import micropython, time
from machine import Pin
{irq}
def count(_):
    n = 0
    t = time.ticks_us()
    while time.ticks_diff(time.ticks_us(), t) < 50_000:
        n += 1
    print(n)
micropython.schedule(count, None)
time.sleep_ms(100)
"""


def test_an_edge_storm_steals_the_cpu_even_when_the_queue_is_full() -> None:
    storm = Scenario(world=(SquareWave(pin=5, hz=20_000),), seconds=0.2)

    def passes(irq: str) -> tuple[int, int]:
        r = ok(run_source(STORM_LOOP.format(irq=irq), storm))
        return int(lines(r)[0]), len(r.trace.drops())

    quiet, _ = passes("Pin(5, Pin.IN)")  # the same edges, but no IRQ: no ISR runs
    stormy, dropped = passes("Pin(5, Pin.IN).irq(lambda p: None, Pin.IRQ_RISING)")
    assert dropped > 900  # 20,000 rises a second for 50 ms, all but 8 dropped
    assert stormy < quiet * 0.95  # yet each ran the ISR, a few us of CPU each


def test_edges_closer_than_the_isrs_entry_merge_into_one() -> None:
    # 400 kHz: a rise every 2.5 us, its fall 1.25 us later, before the ISR has run:
    # with both edges as triggers, each fall merges into its rise's pending ISR.
    scenario = Scenario(
        world=(SquareWave(pin=5, hz=400_000, start=0.01, stop=0.0101),), seconds=0.05
    )
    r = ok(
        run_source(
            """
            import time
            from machine import Pin
            Pin(5, Pin.IN).irq(lambda p: None)
            time.sleep_ms(40)
            """,
            scenario,
        )
    )
    rises = [t for t, level in r.trace.edges(5) if level == 1]
    isr_runs = len(r.trace.handler_runs("pin5")) + len(r.trace.drops())
    assert len(rises) == 40 and isr_runs == len(rises)


# --- timers: ports/esp32/machine_timer.c; ports/esp8266/modmachine.c (esp_timer_*)


def test_esp32_timers_are_one_object_per_id_and_print_as_the_port_does() -> None:
    r = ok(
        run_source("""
            from machine import Timer
            t = Timer(0)
            print(Timer(0) is t, Timer(1) is t, t)
            t.init(mode=Timer.PERIODIC, period=10)
            print(t)
            Timer(1).init()  # no period: 0xffffffff ticks of tick_hz
            print(Timer(1))
        """)
    )
    assert lines(r) == [
        "True False Timer(0, mode=ONE_SHOT, period=0)",
        "Timer(0, mode=PERIODIC, period=10)",
        "Timer(1, mode=PERIODIC, period=4294967295)",
    ]


def test_esp32_timer_value_counts_ms_since_the_last_reload() -> None:
    r = ok(
        run_source("""
            import time
            from machine import Timer
            t = Timer(0)
            t.init(mode=Timer.PERIODIC, period=10, callback=lambda t: None)
            time.sleep_ms(25)
            a = t.value()  # reloaded at 20 ms
            t.init(mode=Timer.ONE_SHOT, period=5, callback=lambda t: None)
            time.sleep_ms(12)
            b = t.value()  # a one-shot counter is not reloaded: it goes on counting
            t.deinit()
            try:
                t.value()
            except ValueError as e:
                print(a, b, e)
        """)
    )
    assert lines(r) == ["5 12 timer not set"]


def test_a_timer_with_no_callback_fails_when_it_fires_as_the_port_prints_it() -> None:
    # machine_timer_isr_handler schedules self->callback, None included
    r = run_source("""
        import time
        from machine import Timer
        Timer(0).init(mode=Timer.ONE_SHOT, period=5)
        time.sleep_ms(10)
        print("still running")
    """)
    assert r.stdout == "TypeError: 'NoneType' object isn't callable\nstill running\n"


def test_esp8266_timer_takes_only_its_id_and_has_no_value() -> None:
    assert _error("from machine import Timer\nTimer(-1, period=5)", "esp8266") == (
        "TypeError: function doesn't take keyword arguments"
    )
    assert _error("from machine import Timer\nTimer(-1).value()", "esp8266").startswith(
        "AttributeError"
    )
    r = ok(run_source("from machine import Timer\nprint(Timer(-1) is Timer(-1))", board="esp8266"))
    assert lines(r) == ["False"]


def test_esp8266_hard_timer_runs_in_the_isr_with_the_heap_locked() -> None:
    # esp_timer_cb: mp_sched_lock(); gc_lock(); the callback; an exception is printed after
    # "uncaught exception in timer callback"
    r = run_source(
        """
        import time
        from machine import Timer
        ran = bytearray(1)
        def fine(t):
            ran[0] = 1  # no allocation: fine in an ISR
        def allocates(t):
            x = [1, 2]
        Timer(-1).init(mode=Timer.ONE_SHOT, period=5, callback=fine, hard=True)
        time.sleep_ms(10)
        Timer(-1).init(mode=Timer.ONE_SHOT, period=5, callback=allocates, hard=True)
        time.sleep_ms(10)
        print("ran", ran[0])
        """,
        board="esp8266",
    )
    assert r.stdout.startswith("uncaught exception in timer callback\nTraceback")
    assert "MemoryError:\n" in r.stdout and r.stdout.endswith("ran 1\n")
    (run, _) = r.trace.handler_runs()
    armed = r.trace.of("timer")[0]["t_us"]
    assert 5000 <= run.start_us - armed <= 5002  # in the ISR, at the alarm: no scheduler


def test_machine_has_the_ports_wake_constants() -> None:
    # ports/esp32/modmachine.h wake_type_t; ports/esp8266/modmachine.c (no SLEEP)
    source = "import machine\nprint(machine.DEEPSLEEP, hasattr(machine, 'SLEEP'))"
    assert lines(ok(run_source(source))) == ["4 True"]
    assert lines(ok(run_source(source, board="esp8266"))) == ["4 False"]


def test_reset_cause_and_its_constants_are_the_ports() -> None:
    # ports/esp32/modmachine.c reset_reason_t (1..5) and mp_machine_reset_cause: after a
    # soft reset (machine_deinit), SOFT_RESET; ports/esp8266/modmachine.c: the SDK's
    # rst_reason values, and the last hardware reset's (a soft reset keeps it)
    source = (
        "import machine as m\n"
        "print(m.PWRON_RESET, m.HARD_RESET, m.WDT_RESET, m.DEEPSLEEP_RESET, m.SOFT_RESET,"
        " m.reset_cause())"
    )
    assert lines(ok(run_source(source))) == ["1 2 3 4 5 5"]
    assert lines(ok(run_source(source, board="esp8266"))) == ["0 6 1 5 4 0"]


@pytest.mark.parametrize(("size", "message"), [(51, ""), (52, "heap is locked")])
def test_a_locked_heap_memory_error_needs_52_bytes_of_emergency_buffer(
    size: int, message: str
) -> None:
    # py/objexcept.c mp_obj_new_exception_msg: the message's str object goes in the
    # emergency buffer at EMG_BUF_STR_OFFSET (two traceback entries and a 1-tuple: 36 bytes
    # on a 32-bit board) if 16 more bytes fit: 52 bytes, else a bare MemoryError
    r = run_source(
        f"""
        import micropython, time
        from machine import Pin
        micropython.alloc_emergency_exception_buf({size})
        def h(p):
            x = [1, 2]
        Pin(5, Pin.IN).irq(h, Pin.IRQ_RISING)
        Pin(4, Pin.OUT).value(1)
        time.sleep_ms(5)
        """,
        strict_isr=True,
    )
    (exc,) = r.trace.exceptions("handler")
    assert exc["type"] == "MemoryError" and exc["message"].endswith(message)
    assert bool(exc["message"]) == bool(message)


def test_a_value_of_2_to_the_30_allocates_with_the_heap_locked() -> None:
    # py/smallint.h: a 32-bit board's small ints are 31-bit; time_ns() past 1.07 s of
    # uptime is a long int, so making it allocates: in a strict handler, MemoryError.
    r = run_source(
        """
        import time
        from machine import Pin
        def h(p):
            t = time.time_ns()
        Pin(5, Pin.IN).irq(h, Pin.IRQ_RISING)
        time.sleep_ms(1200)
        Pin(4, Pin.OUT).value(1)
        time.sleep_ms(10)
        """,
        Scenario(seconds=2),
        strict_isr=True,
    )
    (exc,) = r.trace.exceptions("handler")
    assert (exc["type"], exc["line"]) == ("MemoryError", 5)


def test_the_boards_api_called_with_keywords_allocates_nothing_with_the_heap_locked() -> None:
    # ports/esp32/machine_timer.c and machine_pin.c parse keywords with mp_arg_parse_all on
    # the C stack: restarting a one-shot Timer or re-arming an IRQ from a strict handler
    # allocates nothing; the float after them does.
    r = run_source(
        """
        import time
        from machine import Pin, Timer
        t = Timer(0)
        def done(_):
            pass
        def h(p):
            t.init(mode=Timer.ONE_SHOT, period=20, callback=done)
            p.irq(handler=h, trigger=Pin.IRQ_RISING)
            x = p.value() * 1.5
        Pin(5, Pin.IN).irq(handler=h, trigger=Pin.IRQ_RISING)
        Pin(4, Pin.OUT).value(1)
        time.sleep_ms(50)
        """,
        Scenario(seconds=1),
        strict_isr=True,
    )
    (exc,) = r.trace.exceptions("handler")
    assert (exc["type"], exc["line"]) == ("MemoryError", 10)


# Names the ESP32 port's modules have (ports/esp32/modmachine.c, extmod/modmachine.c,
# extmod/modtime.c, py/modmicropython.c, ports/esp32/modesp32.c): the simulated ones offer
# no name beyond these.
PORT_NAMES = {
    "machine": {
        "Pin",
        "Signal",
        "Timer",
        "disable_irq",
        "enable_irq",
        "freq",
        "idle",
        "lightsleep",
        "sleep",
        "deepsleep",
        "reset",
        "soft_reset",
        "reset_cause",
        "unique_id",
        "wake_reason",
        "time_pulse_us",
        "PWRON_RESET",
        "HARD_RESET",
        "WDT_RESET",
        "DEEPSLEEP_RESET",
        "SOFT_RESET",
        "SLEEP",
        "DEEPSLEEP",
        "Counter",
        "Encoder",
        "ADC",
        "PWM",
        "I2C",
        "SPI",
        "UART",
        "RTC",
        "WDT",
        "bootloader",
        "mem8",
        "mem16",
        "mem32",
        "bitstream",
    },
    "time": {
        "ticks_ms",
        "ticks_us",
        "ticks_cpu",
        "ticks_add",
        "ticks_diff",
        "sleep",
        "sleep_ms",
        "sleep_us",
        "time",
        "time_ns",
        "gmtime",
        "localtime",
        "mktime",
    },
    # ports/esp32/modesp32.c esp32_module_globals_table
    "esp32": {
        "HEAP_DATA",
        "HEAP_EXEC",
        "LDO",
        "NVS",
        "PCNT",
        "Partition",
        "RMT",
        "ULP",
        "WAKEUP_ALL_LOW",
        "WAKEUP_ANY_HIGH",
        "gpio_deep_sleep_hold",
        "idf_heap_info",
        "idf_task_info",
        "mcu_temperature",
        "raw_temperature",
        "wake_on_ext0",
        "wake_on_ext1",
        "wake_on_gpio",
        "wake_on_touch",
        "wake_on_ulp",
    },
    "micropython": {
        "const",
        "opt_level",
        "alloc_emergency_exception_buf",
        "mem_info",
        "qstr_info",
        "stack_use",
        "heap_lock",
        "heap_unlock",
        "kbd_intr",
        "schedule",
        "RingIO",
    },
}


@pytest.mark.parametrize("module", list(PORT_NAMES))
def test_the_modules_offer_the_ports_names_and_nothing_of_the_simulator(module: str) -> None:
    r = ok(run_source(f"import {module}\nprint(sorted({module}.__dict__))"))
    names = {n for n in eval(lines(r)[0]) if not n.startswith("__")}
    assert names <= PORT_NAMES[module], names - PORT_NAMES[module]


def test_errors_read_as_the_board_prints_them() -> None:
    # py/bc.c fun_pos_args_mismatch: NORMAL on the ESP ports ("function takes ..."), not the
    # unix build's DETAILED ("h() takes ..."); a callback's error shows no simulator frame.
    r = run_source("""
        import time
        from machine import Pin
        def h():
            pass
        Pin(5, Pin.IN).irq(h)
        Pin(4, Pin.OUT).value(1)
        time.sleep_ms(5)
        print("goes on")
    """)
    expected = "TypeError: function takes 0 positional arguments but 1 were given"
    assert r.stdout == expected + "\ngoes on\n"
    (exc,) = r.trace.exceptions("handler")
    assert exc["message"] == "function takes 0 positional arguments but 1 were given"


def test_time_pulse_us_times_a_pulse_and_says_minus_2_or_minus_1_on_a_timeout() -> None:
    # extmod/machine_pulse.c machine_time_pulse_us: -2 if the level never came, -1 if the
    # pulse did not end, each within timeout_us; a C loop, so no callback runs inside.
    # machine_time_pulse_us_ takes the pin through mp_hal_get_pin_obj: a number too.
    scenario = Scenario(
        world=(Button(pin=5),), timeline=(Press(at=0.1, hold=0.05), Press(at=0.3, hold=0.2))
    )
    r = ok(
        run_source(
            """
            import machine
            from machine import Pin
            button = Pin(5, Pin.IN)
            never = machine.time_pulse_us(5, 0, 1000)  # a pin's number will do
            pulse = machine.time_pulse_us(button, 0, 200_000)
            too_long = machine.time_pulse_us(button, 0, 150_000)
            print(never, pulse, too_long)
            """,
            scenario,
        )
    )
    assert lines(r) == ["-2 50000 -1"]


# --- level triggers: ports/esp32/machine_pin.c machine_pin_irq (trigger is the ESP-IDF
# --- interrupt type: 4 low level, 5 high level)

LEVEL = """
import micropython, time
from machine import Pin
runs = 0
def h(p):
    global runs
    runs += 1
Pin(5, Pin.IN).irq(h, 5)  # high level: fires while GPIO5 is 1
t = time.ticks_us()
time.sleep_ms(20)
print(runs, time.ticks_diff(time.ticks_us(), t) // 1000)
"""


def test_a_level_trigger_fires_for_as_long_as_the_level_holds() -> None:
    # A sensor high for 5 ms: the ISR re-fires back to back, the queue fills (8), every
    # other run is dropped, and nothing else runs until the level falls.
    scenario = Scenario(world=(Sensor(pin=5),), timeline=(Press(at=0.005, hold=0.005),))
    r = ok(run_source(LEVEL, scenario))
    runs, slept = map(int, lines(r)[0].split())
    assert runs == 8 and slept == 20
    drops = r.trace.drops()
    assert len(drops) > 500  # a few us an ISR for 5 ms
    assert all(5_000 <= d["t_us"] <= 10_100 for d in drops)
    assert min(h.start_us for h in r.trace.handler_runs()) >= 10_000  # after the level fell


def test_a_level_that_holds_too_long_resets_the_esp32() -> None:
    scenario = Scenario(world=(Sensor(pin=5),), timeline=(Press(at=0.005, hold=0.5),), seconds=1)
    r = run_source(LEVEL, scenario)
    assert r.stopped == "reset" and "Interrupt wdt timeout" in r.stdout
    assert 0.30 <= r.virtual_s < 0.31


# --- hardware counting: machine.Counter (ports/esp32/modules/machine.py over
# --- ports/esp32/esp32_pcnt.c): every edge counted, with no CPU time, masked or not


def test_a_counter_counts_every_edge_even_with_irqs_masked() -> None:
    scenario = Scenario(world=(SquareWave(pin=5, hz=1000, start=0.01, stop=0.11),), seconds=0.3)
    r = ok(
        run_source(
            """
            import machine, time
            from machine import Counter, Pin
            c = Counter(0, Pin(5, Pin.IN))  # rising edges, counting up
            print(Counter(0) is c)
            state = machine.disable_irq()
            time.sleep_ms(50)
            machine.enable_irq(state)
            time.sleep_ms(100)
            print(c.value(0), c.value())
            """,
            scenario,
        )
    )
    assert lines(r) == ["True", "100 0"]  # value(0) returns the count, then starts again


def test_a_counters_filter_ignores_pulses_shorter_than_filter_ns() -> None:
    # 1.25 us pulses (400 kHz) are chatter to a 5 us filter; 1 kHz pulses pass
    world = (SquareWave(pin=5, hz=400_000, start=0.01, stop=0.011),)
    scenario = Scenario(world=world, seconds=0.1)
    source = """
        import time
        from machine import Counter, Pin
        c = Counter(1, Pin(5, Pin.IN), edge=Counter.RISING | Counter.FALLING, filter_ns={f})
        time.sleep_ms(50)
        print(c.value())
    """
    assert lines(ok(run_source(source.format(f=0), scenario))) == ["800"]
    assert lines(ok(run_source(source.format(f=5000), scenario))) == ["0"]


def test_the_esp8266_has_no_counter() -> None:
    r = run_source("import machine\nprint(hasattr(machine, 'Counter'))", board="esp8266")
    assert lines(ok(r)) == ["False"]
