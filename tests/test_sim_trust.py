"""The simulator stays out of the program's reach (DESIGN.md, "The trust boundary").

Each hostile program below tries one path a student's program could take to the board's
state: the world's future, the cost model, the clock, the trace writer. On the board as it
was, each of them worked (`import _irqsim` gave the live simulator with every future edge;
`machine.sim.C_CHECK = 0` made work free; the tracer wrote forged lines). Now an ungraded run
finds nothing there, or stops saying what the program did; a graded run refuses the program
before it runs, and takes away at run time what could get past that check.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from programs.simrun import lines, run_source

from irqlab import runner, staging
from irqlab.feed import LOOKAHEAD_NS, Feed
from irqlab.scenario import Bounce, Button, Press, Scenario, SquareWave

# Programs that look for the board from inside: each prints what it found.
PROBES = {
    "the simulator module": "import _irqsim\nprint('found', _irqsim)",
    "the board modules in sys.modules": (
        "import sys\nprint('found' if [m for m in sys.modules if m.startswith('_irq')] "
        "else 'nothing')"
    ),
    "machine.sim": "import machine\nprint('found', machine.sim)",
    "time.sim": "import time\nprint('found', time.sim)",
    "micropython._sim": "import micropython\nprint('found', micropython._sim)",
    "select._sim": "import select\nprint('found', select._sim)",
    "a pin's board object": "from machine import Pin\nprint('found', Pin(5)._p)",
    "an IRQ's board pin": (
        "from machine import Pin\nirq = Pin(5, Pin.IN).irq(lambda p: None)\n"
        "print('found', irq._pin)"
    ),
}


# Every function the program can reach from the board's modules, and their classes' methods:
# none of their __globals__ holds the simulator (its clock, costs, world or trace writer).
WALK = """
import machine, time, micropython, select, esp32
SECRETS = ("C_OP", "tracer", "counter", "_wt", "_sim")
seen = []
def look(f):
    try:
        g = f.__globals__
    except AttributeError:
        return
    if [k for k in SECRETS if k in g]:
        seen.append(1)
def look_in(v):
    look(v)
    for inner in list(getattr(v, "__dict__", {})):
        look(getattr(v, inner))
for m in (machine, time, micropython, select, esp32):
    for name in list(m.__dict__):
        look_in(getattr(m, name))
# and what the pulse counters hand out: their objects, their IRQ objects
p = esp32.PCNT(0, pin=12)
c = machine.Counter(1, machine.Pin(13))
for obj in (p, p.irq(), type(p.irq()), c, machine.Encoder(2, 12, 13)):
    look_in(obj)
print("found" if seen else "nothing", len(seen))
"""
PROBES["a pulse counter's board unit"] = (
    "import esp32\nprint('found', esp32.PCNT(0, pin=12).irq()._unit)"
)

PROBES["every function's __globals__"] = WALK

# The probes that name what is private (an `_irq` module, a `_name` of a board object,
# sys.modules): the host's check refuses them. The others ask for a name the board's
# objects no longer have.
REFUSED = set(PROBES) - {"machine.sim", "time.sim", "a pulse counter's board unit"}


@pytest.mark.parametrize("path", list(PROBES))
def test_an_ungraded_program_finds_no_way_to_the_board(path: str) -> None:
    r = run_source(PROBES[path])
    assert "found" not in r.stdout, f"{path}: {r.stdout}"
    if PROBES[path] is WALK:  # it looked, everywhere
        assert r.stdout.startswith("nothing"), r.stdout


@pytest.mark.parametrize("path", list(PROBES))
def test_a_graded_program_finds_nothing_or_is_refused_before_it_runs(path: str) -> None:
    r = run_source(PROBES[path], hardened=True)
    assert "found" not in r.stdout, f"{path}: {r.stdout}"
    if path in REFUSED:
        assert r.stopped == "forbidden" and not r.trace.of("print")
        assert r.trace.of("forbidden")[0]["what"].startswith("main.py line ")


def test_a_program_that_winds_the_clock_back_is_stopped_saying_so() -> None:
    r = run_source(
        """
        import time
        for i in range(100):
            pass
        _irq_c[0] = 0  # the op counter the board reads as time
        print("free work")
        """
    )
    assert r.stopped == "tamper"
    assert "free work" not in r.stdout
    (tamper,) = r.trace.of("tamper")
    assert tamper["what"] == "the program changed the simulator's clock"


def test_a_graded_program_may_not_name_the_counter_or_run_unchecked_code() -> None:
    for source in ("_irq_c[0] = 0", "exec('x = 1')", "e = eval\n", "import uctypes"):
        r = run_source(source, hardened=True)
        assert r.stopped == "forbidden", source


def test_a_graded_file_python_3_cannot_read_is_refused() -> None:
    # MicroPython reads this f-string; CPython 3.10 and 3.11 cannot, so nothing checked it
    # and its statements would cost nothing.
    source = 'd = {"k": 1}\nprint(f"{d["k"]}")\nimport uctypes\n'
    r = run_source(source, hardened=True)
    if r.stopped != "forbidden":  # CPython 3.12+ reads it: then uctypes is what is refused
        pytest.fail(f"not refused: {r.stdout}")
    assert r.trace.of("forbidden")


def test_what_gets_past_the_check_finds_nothing_at_run_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Defence in depth: with the host's check switched off, the graded VM itself has no
    # exec, eval or compile, no raw memory and no threads.
    monkeypatch.setattr(staging, "find_forbidden", lambda source: [])
    r = run_source(
        """
        import builtins, os, sys
        print(exec, eval, compile, hasattr(builtins, "exec"), hasattr(os, "system"))
        for name in ("uctypes", "_thread", "_irqsim"):
            try:
                m = __import__(name)
                print(name, m)
            except ImportError:
                print(name, "missing")
        """,
        hardened=True,
    )
    assert lines(r) == [
        "None None None False False",
        "uctypes None",
        "_thread None",
        "_irqsim missing",
    ]


def test_the_host_never_answers_more_than_its_lookahead_past_what_was_asked() -> None:
    world = (
        Button(pin=5, bounce=Bounce()),
        SquareWave(pin=17, hz=20_000, start=0.2, stop=0.3),
    )
    scenario = Scenario(world=world, timeline=(Press(at=0.1, hold=0.05),), seconds=0.5)
    compiled = scenario.compile()
    feed = Feed(compiled, scenario.duration_us * 1000)
    got: list[tuple[int, int]] = []
    upto = 0
    while feed.horizon <= scenario.duration_us * 1000:
        horizon, edges = feed.window(upto)
        assert horizon <= upto + LOOKAHEAD_NS
        assert all(t < horizon for t, _ in edges)
        got += edges
        upto = horizon + 37_000  # the board asks when its clock passes the horizon
    want = sorted((t * 1000, pin * 2 + level) for t, pin, level in compiled.pulses)
    waves = [(t, c) for t, c in got if c >> 1 == 17]
    assert [e for e in got if e[1] >> 1 == 5] == want  # every edge once, in order
    assert len(waves) == 2 * 2000  # 0.1 s of 20 kHz: 2000 rises and 2000 falls
    assert [t for t, _ in got] == sorted(t for t, _ in got)


def _shifted(seconds: int) -> list[str]:
    return ["unshare", "--time", "--monotonic", str(seconds), "--boottime", str(seconds)]


def test_the_trace_does_not_depend_on_the_hosts_uptime(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same program and scenario under host clocks shifted by 0, just past 2**30 ms
    # (where the port's real ticks_ms wraps) and a year: the same trace, asyncio included.
    probe = subprocess.run([*_shifted(1), "true"], capture_output=True)
    if probe.returncode != 0:
        assert not os.environ.get("CI"), probe.stderr
        pytest.skip("this machine cannot make a time namespace (unshare --time needs root)")
    source = """
        import asyncio, time
        from machine import Pin
        flag = asyncio.ThreadSafeFlag()
        Pin(5, Pin.IN, Pin.PULL_UP).irq(lambda p: flag.set(), Pin.IRQ_FALLING)
        async def tick():
            while True:
                await asyncio.sleep_ms(70)
                print("tick", time.ticks_ms())
        async def main():
            asyncio.create_task(tick())
            while True:
                await flag.wait()
                print("press", time.ticks_us())
        asyncio.run(main())
    """
    scenario = Scenario(
        world=(Button(pin=5, bounce=Bounce()),),
        timeline=(Press(at=0.3, hold=0.2), Press(at=0.8, hold=0.1)),
        seconds=1.2,
    )
    plain = runner.micropython_command()
    traces = []
    for shift in (0, 1_073_742, 365 * 86_400):
        monkeypatch.setattr(runner, "micropython_command", lambda s=shift: [*_shifted(s), *plain])
        traces.append(run_source(source, scenario).trace.to_json())
    assert traces[0] == traces[1] == traces[2]
    assert any(e.get("text", "").startswith("press") for e in traces[0])
