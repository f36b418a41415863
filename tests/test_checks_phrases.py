"""The checks API's failures phrase themselves from the facts a check gives once: the
sentence, expected and seen, the moment and the window; and a run that broke down is
classified as data, in step with the sentence irqlab.outcome gives it."""

from __future__ import annotations

from typing import Any

import pytest
from programs.simrun import run_source

from irqlab.breakdown import breakdown
from irqlab.checks import (
    Failure,
    Reply,
    expect_no_allocation,
    expect_no_drops,
    expect_nothing_before_first,
    expect_on_time,
    expect_one_each,
    expect_quiet_handlers,
    expect_short_handlers,
    expect_short_masking,
    expect_silent,
    expect_steady_toggles,
    fail_if_broken,
)
from irqlab.checks.handlers import ALLOC_HINT, PRINT_HINT, SLEEP_HINT
from irqlab.checks.words import msec_past
from irqlab.outcome import problem
from irqlab.runner import Run
from irqlab.scenario import Button, Glitch, Led, Press, Scenario
from irqlab.trace import Trace

PRESS = Reply(r"PRESS", name="PRESS")
TWO_PRESSES = Scenario(
    world=(Button(pin=5), Led(pin=2)),
    timeline=(Press(at=0.1, hold=0.05), Glitch(at=0.3), Press(at=0.5, hold=0.05)),
    seconds=1.0,
)


def fake_run(*events: tuple[Any, ...], extra: dict[str, Any] | None = None) -> Run:
    """A run of TWO_PRESSES whose trace is `events`: (t_us, kind, **fields) as tuples."""
    trace = [{"t_us": t, "kind": kind, **fields} for t, kind, fields in events]
    trace.append({"t_us": 1_000_000, "kind": "end", "reason": "scenario", "exit": None})
    compiled = TWO_PRESSES.compile()
    return Run(None, "", Trace(trace), 1.0, "scenario", TWO_PRESSES, compiled, extra=extra or {})


def printed(t_us: int, text: str = "PRESS") -> tuple[int, str, dict[str, Any]]:
    return (t_us, "print", {"text": text + "\n"})


def failure(check: Any, *args: Any, **kwargs: Any) -> Failure:
    with pytest.raises(Failure) as caught:
        check(*args, **kwargs)
    return caught.value


def test_two_lines_for_one_press_say_both_and_point_at_the_extra_one() -> None:
    run = fake_run(printed(110_000), printed(130_000), printed(510_000))
    f = failure(expect_one_each, PRESS.match(run))
    assert f.message == (
        "the press at 0.100 s (held 50 ms) printed 2 PRESS lines (PRESS at 0.110 and "
        "0.130 s); expected one"
    )
    assert (f.expected, f.seen, f.at_us, f.window) == (
        "1 PRESS line",
        "2 PRESS lines",
        130_000,
        (100_000, 300_000),
    )


def test_a_missing_line_says_when_the_others_came() -> None:
    f = failure(expect_one_each, PRESS.match(fake_run(printed(510_000))))
    assert f.message == (
        "the press at 0.100 s (held 50 ms) got no PRESS line; PRESS lines came at 0.510 s"
    )
    assert (f.expected, f.seen, f.at_us) == ("1 PRESS line", "no PRESS line", 100_000)


def test_a_late_line_says_how_late_against_the_limit_and_how_many_were_on_time() -> None:
    f = failure(expect_on_time, PRESS.match(fake_run(printed(110_000), printed(580_000))), 60_000)
    assert f.message == (
        "the press at 0.500 s (held 50 ms) waited 80 ms for its PRESS line (printed at "
        "0.580 s); it must come within 60 ms of the first edge (1 of 2 presses on time)"
    )
    assert (f.expected, f.seen) == ("PRESS within 60 ms", "80 ms")


def test_a_line_just_past_the_limit_never_reads_as_the_limit() -> None:
    f = failure(expect_on_time, PRESS.match(fake_run(printed(110_000), printed(560_412))), 60_000)
    assert "waited 60.412 ms" in f.message and f.seen == "60.412 ms"
    assert msec_past(61_000, 60_000) == "61 ms" and msec_past(504, 500) == "0.504 ms"


def test_a_missing_line_passes_the_latency_check_when_another_counts_it() -> None:
    expect_on_time(PRESS.match(fake_run(printed(110_000))), 60_000, missing=False)


def test_a_line_before_anything_happened_and_a_line_for_a_glitch_fail() -> None:
    early = failure(expect_nothing_before_first, PRESS.match(fake_run(printed(50_000))))
    assert early.message == "PRESS was printed at 0.050 s, before the first press at 0.100 s"
    glitch = PRESS.match(fake_run(printed(301_000)), kinds=("glitch",))
    f = failure(expect_silent, glitch, why="nobody pressed")
    assert (
        f.message == "the glitch at 0.300 s (held 1.00 ms) printed PRESS at 0.301 s; nobody pressed"
    )


def test_a_slow_handler_and_a_long_masked_span_name_the_worst_and_count_the_rest() -> None:
    run = fake_run(
        (100_000, "enter", {"source": "pin5"}),
        (100_800, "leave", {"source": "pin5"}),
        (200_000, "mask", {}),
        (200_090, "unmask", {}),
    )
    slow = failure(expect_short_handlers, run, 500)
    assert slow.message.startswith("the pin5 handler took 0.80 ms at 0.100 s (1 time over 0.50 ms)")
    masked = failure(expect_short_masking, run, 50)
    assert masked.message.startswith("IRQs were off for 0.09 ms at 0.200 s (1 time over 0.05 ms)")
    assert (masked.expected, masked.seen) == ("every one within 0.05 ms", "0.09 ms")


def test_a_heartbeat_that_stops_fails_at_the_gap() -> None:
    run = fake_run(
        *((t, "write", {"pin": 2, "level": n % 2 ^ 1}) for n, t in enumerate((100_000, 200_000)))
    )
    f = failure(expect_steady_toggles, run, 2, 100_000, 10_000)
    assert f.message.startswith("the LED did not toggle between 0.200 s and 1.000 s")


def test_what_a_real_board_cannot_measure_is_a_skip_with_its_reason() -> None:
    run = fake_run((100_000, "drop", {"source": "pin5"}), extra={"target": "serial:/dev/ttyUSB0"})
    with pytest.raises(pytest.skip.Exception, match="does not report the IRQs"):
        expect_no_drops(run)
    assert (
        "lost at 0.100 s"
        in failure(expect_no_drops, fake_run((100_000, "drop", {"source": "pin5"}))).message
    )


@pytest.mark.parametrize(
    ("source", "kind", "line"),
    [
        ("x = 1\nraise ValueError('boom')\n", "crashed", 2),
        ("import sys\nsys.exit(3)\n", "exited", None),
        (
            "from machine import Pin\nimport time\ndef h(p):\n    while p.value():\n        pass\n"
            "Pin(5, Pin.IN).irq(h)\nPin(4, Pin.OUT).value(1)\ntime.sleep_ms(10)\n",
            "stuck",
            None,
        ),
        ("import time\nwhile True:\n    time.sleep_ms(10)\n", None, None),
        ("x = input('go? ')\n", "no-input", 1),
        (
            "from machine import Pin\nimport time\nn = 0\ndef h(p):\n    n += 1\n"
            "Pin(5, Pin.IN).irq(h)\nPin(4, Pin.OUT).value(1)\nwhile True:\n    time.sleep_ms(10)\n",
            "handler-global",
            5,
        ),
        (
            "from machine import Pin\nimport time\nslots = [0]\ndef h(p):\n    slots[1] = 1\n"
            "Pin(5, Pin.IN).irq(h)\nPin(4, Pin.OUT).value(1)\nwhile True:\n    time.sleep_ms(10)\n",
            "handler-raised",
            5,
        ),
    ],
    ids=["crashed", "exited", "stuck", "fine", "input", "handler-global", "handler-raised"],
)
def test_a_run_that_broke_down_is_classified_with_the_outcome_sentence(
    source: str, kind: str | None, line: int | None
) -> None:
    run = run_source(source)
    trouble = breakdown(run)
    assert (trouble and trouble.sentence) == problem(run)
    assert (trouble and trouble.kind) == kind
    if trouble:
        assert trouble.line == line and trouble.hint and 0 <= trouble.at_us <= run.trace.end_us


def test_a_raising_handler_is_named_with_its_exception_line_and_count() -> None:
    run = run_source(
        """
        from machine import Pin
        import time
        n = 0
        def on_edge(p):
            n += 1
        Pin(5, Pin.IN).irq(on_edge)
        out = Pin(4, Pin.OUT)
        for level in (1, 0, 1):
            out.value(level)
            time.sleep_ms(10)
        while True:
            time.sleep_ms(10)
        """
    )
    assert problem(run) == (
        "the handler on_edge (GPIO5) raised NameError: local variable referenced before "
        "assignment at main.py line 6, 3 times (first at 0.000 s); each time it stopped there "
        "and the rest of it never ran"
    )


def test_input_is_one_sentence_and_its_prompt_never_hides_a_trace_record() -> None:
    run = run_source("print('ready')\nx = input('go? ')\n")
    assert problem(run) == (
        "the program stopped at main.py line 2 waiting for typed input (input() or "
        "sys.stdin): nobody types on a board that runs on its own"
    )
    assert next(e["text"] for e in run.trace.of("out")) == "go? "
    assert [ln.text for ln in run.trace.lines()] == ["ready"]


def test_a_program_that_ends_early_says_when_and_what_it_missed() -> None:
    run = run_source("print('hello')\n", TWO_PRESSES)
    f = failure(fail_if_broken, run)
    assert f.message == "your program ended at 0.000 s, before the first press (at 0.100 s)"
    assert f.window is not None and f.window[1] >= 500_000  # drawn up to the press and on
    late = run_source("import time\ntime.sleep_ms(300)\n", TWO_PRESSES)
    assert failure(fail_if_broken, late, noun="approach").message == (
        "your program ended at 0.300 s, with 1 approach still to come"
    )


def test_each_broken_handler_rule_gets_the_hint_for_that_rule() -> None:
    inside = [(100_000, "enter", {"source": "pin5"}), (100_400, "leave", {"source": "pin5"})]
    prints = fake_run(inside[0], (100_200, "print", {"text": "PRESS\n"}), inside[1])
    assert failure(expect_quiet_handlers, prints).hint == PRINT_HINT
    sleeps = fake_run(inside[0], (100_200, "sleep", {"us": 50_000, "where": "handler"}), inside[1])
    assert failure(expect_quiet_handlers, sleeps).hint == SLEEP_HINT
    exc = {"type": "MemoryError", "message": "", "file": "main.py", "line": 7, "where": "handler"}
    allocates = fake_run(inside[0], (100_200, "exc", exc), inside[1])
    f = failure(expect_no_allocation, allocates)
    assert f.hint == ALLOC_HINT and f.seen == "an allocation at main.py line 7"
    assert f.message.startswith("a handler allocated memory at 0.100 s, main.py line 7 (1 ")
    expect_no_allocation(fake_run(*inside))
