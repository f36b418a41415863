"""The race explorer (irqlab.race, `irqlab race`): it places one edge at every place a
program's run can be interrupted, and names the line after which the handler broke it.

Each racy program below marks the line the explorer must name with `# RACE`; each safe one
marks with `# HANDLER` lines after which the handler must have run (so that "no race" means
the explorer reached the dangerous spot and the program held, not that it looked nowhere).
"""

from __future__ import annotations

import json
import random
import re
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import irqlab.race
import irqlab.racestory
from irqlab import Button, Press, Scenario, SquareWave
from irqlab.cli import main as cli_main
from irqlab.errors import IrqlabError
from irqlab.race import Exploration, explore
from irqlab.runner import Run
from irqlab.runner import run as real_run

HANDLER = """\
from machine import Pin

count = 0  # the handler adds one per edge
presses = 0  # the truth: written only by the handler


def on_edge(pin):
    global count, presses
    count += 1
    presses += 1


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
"""

COUNTER_RACY = (
    HANDLER
    + """\
total = 0
for i in range(6):
    n = count  # RACE
    if n:
        total += n
    count = 0
assert total + count == presses, "a press was lost"
"""
)

COUNTER_SNAPSHOT = (
    HANDLER
    + """\
total = 0
for i in range(6):
    n = count  # snapshot and reset: no jump between
    count = 0  # HANDLER
    if n:
        total += n
assert total + count == presses, "a press was lost"
"""
)

ONE_WRITER = (
    HANDLER
    + """\
handled = 0  # written only by the main loop
for i in range(6):
    n = presses  # HANDLER
    if n != handled:
        handled = n
assert handled == presses or presses == handled + 1, "a press was lost"
"""
)

MASKED_RACY = (
    HANDLER.replace("from machine", "import machine\nfrom machine")
    + """\
total = 0
for i in range(4):
    state = machine.disable_irq()
    n = count  # RACE
    if n:  # a jump while masked: a handler queued just before the mask runs here
        total += n
    count = 0
    machine.enable_irq(state)
assert total + count == presses, "a press was lost"
"""
)

MASKED_SAFE = (
    HANDLER.replace("from machine", "import machine\nfrom machine")
    + """\
total = 0
for i in range(4):
    state = machine.disable_irq()
    n = count
    count = 0
    machine.enable_irq(state)  # HANDLER
    if n:
        total += n
assert total + count == presses, "a press was lost"
"""
)

RING = """\
from machine import Pin

SIZE = 8
buf = [0] * SIZE
head = 0  # the next slot the handler fills
tail = 0  # the next slot the main loop reads
pushed = 0


def on_edge(pin):
    global head, pushed
    buf[head] = 1
    head = (head + 1) % SIZE
    pushed += 1


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
got = 0
"""

RING_RACY = (
    RING
    + """\
for _ in range(5):
    i = tail  # RACE
    while i != head:
        got += buf[i]
        i = (i + 1) % SIZE
    tail = head  # a fresh read of head: an entry added since the test is skipped
assert got + (head - tail) % SIZE == pushed, "an entry was skipped"
"""
)

RING_SAFE = (
    RING.replace("got = 0", "got = 0  # HANDLER")
    + """\
for _ in range(5):
    while tail != head:  # head written only by the handler, tail only here
        got += buf[tail]
        tail = (tail + 1) % SIZE
assert got + (head - tail) % SIZE == pushed, "an entry was skipped"
"""
)

TORN = """\
from machine import Pin

low = 0  # the handler writes both halves of one reading
high = 0


def on_edge(pin):
    global low, high
    low += 1
    high += 1


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
"""

TORN_RACY = (
    TORN
    + """\
for _ in range(5):
    a = low  # RACE
    if a >= 0:
        b = high
        assert a == b, "a torn reading"
"""
)

TORN_SAFE = (
    TORN
    + """\
for _ in range(5):
    a = low
    b = high  # HANDLER
    if a >= 0:
        assert a == b, "a torn reading"
"""
)

FLAG = """\
from machine import Pin

flag = True  # do the work once at start-up, then after every edge
events = 0  # edges the handler saw
seen = 0  # edges the work has answered


def on_edge(pin):
    global flag, events
    events += 1
    flag = True


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
work = 0
"""

FLAG_RACY = (
    FLAG
    + """\
for _ in range(4):
    if flag:
        seen = events  # RACE
        for k in range(3):
            work += k  # RACE
        flag = False  # cleared after the work: an edge during it is forgotten
answered = (seen == events) | flag  # read in one go: no jump
assert answered, "an edge was never answered"
"""
)

FLAG_SAFE = (
    FLAG
    + """\
for _ in range(4):
    if flag:
        flag = False  # cleared before the work it triggers
        seen = events  # HANDLER
        for k in range(3):
            work += k  # HANDLER
answered = (seen == events) | flag
assert answered, "an edge was never answered"
"""
)

INDEX = """\
from machine import Pin

buf = [0] * 8
idx = 0  # how many entries the handler has stored
pushed = 0


def on_edge(pin):
    global idx, pushed
    if idx < 8:
        buf[idx] = 1
        idx += 1
    pushed += 1


Pin(5, Pin.IN).irq(on_edge, Pin.IRQ_RISING)
got = 0
"""

INDEX_RACY = (
    INDEX
    + """\
for _ in range(5):
    i = 0  # RACE
    while i < idx:  # the index re-read at every test
        got += buf[i]
        i += 1
    idx = 0  # an entry stored after the last test is dropped
assert got + idx == pushed, "an entry was dropped"
"""
)

INDEX_SAFE = (
    INDEX
    + """\
for _ in range(5):
    n = idx  # snapshot and reset, no jump between
    idx = 0
    i = 0  # HANDLER
    while i < n:
        got += buf[i]
        i += 1
assert got + idx == pushed, "an entry was dropped"
"""
)

RACY = {
    "counter read, branch, write back": COUNTER_RACY,
    "ring buffer tail from a fresh head": RING_RACY,
    "torn pair": TORN_RACY,
    "branch in a masked section": MASKED_RACY,
    "flag cleared after the work": FLAG_RACY,
    "index re-read in a while test": INDEX_RACY,
}
SAFE = {
    "branch-free snapshot and reset": COUNTER_SNAPSHOT,
    "one writer per variable": ONE_WRITER,
    "ring buffer, one writer per index": RING_SAFE,
    "both halves read with no jump between": TORN_SAFE,
    "masked section with no jump inside": MASKED_SAFE,
    "clear before process": FLAG_SAFE,
    "index snapshot and reset": INDEX_SAFE,
}


def marked(source: str, mark: str) -> set[int]:
    return {n for n, line in enumerate(source.splitlines(), 1) if line.endswith(f"# {mark}")}


def write(tmp_path: Path, source: str, name: str = "main.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


@pytest.mark.parametrize("shape", RACY)
def test_each_racy_shape_is_found_at_its_line(tmp_path: Path, shape: str) -> None:
    source = RACY[shape]
    found = explore(write(tmp_path, source))
    assert found.baseline is None, found.baseline
    assert {race.line for race in found.races} == marked(source, "RACE")
    for race in found.races:
        assert race.file == "main.py"
        assert race.story.startswith(
            f"An edge at {irqlab.racestory.ms(race.at_ns)} ran the handler"
        )
        assert f"after line {race.line} (`" in race.story
        assert "AssertionError" in race.failure and race.failure in race.story
        # the run it tells of: the handler ran after that line, and the program then failed
        enter = next(e for e in race.run.trace.of("enter") if e["t_us"] >= race.at_us)
        assert enter["line"] == race.line
        assert race.run.trace.exceptions("main")[0]["type"] == "AssertionError"


@pytest.mark.parametrize("shape", SAFE)
def test_each_fix_is_clean_where_the_handler_ran(tmp_path: Path, shape: str) -> None:
    source = SAFE[shape]
    found = explore(write(tmp_path, source))
    assert found.baseline is None and found.races == []
    ran_after = {line for (_, line) in found.lines()}
    assert marked(source, "HANDLER") <= ran_after
    assert found.places >= 3 and found.tried >= found.places


def test_the_story_names_the_read_the_jump_and_the_write(tmp_path: Path) -> None:
    found = explore(write(tmp_path, COUNTER_RACY))
    (race,) = found.races
    line = race.line
    assert line is not None
    assert f"after line {line} (`n = count`), at the test in line {line + 1} (`if n:`)" in (
        race.story
    )
    assert f"and line {line + 3} (`count = 0`), which both use `count`" in race.story
    assert race.story.endswith(f"a press was lost at main.py line {line + 4}.")


def test_a_handler_run_inside_a_called_function_is_told_at_its_call(tmp_path: Path) -> None:
    # The wait is in report(); the lines that race are around its one call.
    write(
        tmp_path,
        HANDLER.replace("from machine", "import time\nfrom machine")
        + """\
def report(n):
    time.sleep_ms(5)  # WAIT
    print(n)


while True:
    n = count
    report(n)  # CALL
    count = 0
""",
    )
    source = (tmp_path / "main.py").read_text()
    (wait,), (call,) = marked(source, "WAIT"), marked(source, "CALL")
    told = irqlab.racestory.story(
        1_000_000, "main.py", wait, "one press lost", irqlab.racestory.Sources(tmp_path), "on_edge"
    )
    assert (
        f"after line {wait} (`time.sleep_ms(5)`), inside `report()`, called from line {call} "
        f"(`report(n)`), between line {call - 1} (`n = count`) and line {call + 1} "
        "(`count = 0`), which both use `count`"
    ) in told


def test_an_edge_that_comes_while_disable_irq_runs_is_handled_inside_the_mask(
    tmp_path: Path,
) -> None:
    # No pending check lies between the loop's jump and the mask: only an edge placed
    # between checks, during the call itself, queues the handler before the mask holds.
    (race,) = explore(write(tmp_path, MASKED_RACY)).races
    trace = race.run.trace
    enter = next(e for e in trace.of("enter") if e["t_us"] >= race.at_us)
    (span,) = [(a, b) for a, b in trace.masked_spans() if a <= enter["t_us"] <= b]
    assert race.at_us <= span[0]  # it came before the mask took effect


def test_checks_closer_than_a_microsecond_are_each_reached(tmp_path: Path) -> None:
    # In every pass of the ring buffer's loop, the `while` entry jump and its test are two
    # checks 375 ns apart, after the same line: only the second (after the test read head)
    # loses the entry. An explorer on whole microseconds reaches it in some passes only.
    found = explore(write(tmp_path, RING_RACY))
    (line,) = marked(RING_RACY, "RACE")
    after = [p for p in found.placements if p.line == line]
    failing_passes = {p.handler_us for p in after if p.failure is not None}
    assert len(failing_passes) == 5  # one in each pass
    assert any(p.failure is None for p in after)  # the first of the two checks: safe


def test_a_program_that_fails_with_no_edge_is_not_a_race(tmp_path: Path) -> None:
    found = explore(write(tmp_path, HANDLER + "assert count == 1, 'no edge yet'\n"))
    assert found.baseline is not None and "AssertionError: no edge yet" in found.baseline
    assert found.tried == 0 and found.races == []
    assert found.to_json()["baseline"] == found.baseline and found.to_json()["races"] == []


def test_a_program_with_no_irq_says_so(tmp_path: Path) -> None:
    with pytest.raises(IrqlabError, match="sets no IRQ"):
        explore(write(tmp_path, "x = 0\nfor i in range(3):\n    x += i\n"))


ENDLESS = (
    HANDLER
    + """\
total = 0
while True:
    n = count
    if n:
        total += n
    count = 0
"""
)


def test_too_many_places_tries_the_first_and_says_how_many_were_skipped(
    tmp_path: Path,
) -> None:
    found = explore(write(tmp_path, ENDLESS), Scenario(seconds=0.02), max_placements=30)
    assert found.tried == 30
    assert all(p.at_ns < found.start_ns + 100_000 for p in found.placements)  # the first ones
    assert 19_000_000 < found.skipped_ns < found.end_ns - found.start_ns
    assert found.to_json()["skipped_us"] == found.skipped_ns // 1000


def test_a_time_limit_stops_it_and_says_so(tmp_path: Path) -> None:
    started = time.monotonic()
    found = explore(write(tmp_path, ENDLESS), Scenario(seconds=0.02), time_limit_s=0.5)
    assert time.monotonic() - started < 10
    assert found.skipped_ns > 0 and found.tried < 200


def test_the_oracle_is_any_check_and_its_sentence_is_the_story_end(tmp_path: Path) -> None:
    # Under a lab, a check is the oracle: here, "the handler must not run after that line".
    source = COUNTER_SNAPSHOT
    line = min(marked(source, "HANDLER"))

    def oracle(result: Run) -> str | None:
        late = [e for e in result.trace.of("enter") if e.get("line") == line]
        return f"the handler ran after line {line}" if late else None

    found = explore(write(tmp_path, source), oracle=oracle)
    assert {race.line for race in found.races} == {line}
    assert found.races[0].story.endswith(f"Then the handler ran after line {line}.")


SLEEP_FIRST = (
    HANDLER
    + """\
import time

time.sleep_ms(3)  # a press of the scenario's own comes meanwhile
total = 0
for i in range(6):
    n = count  # RACE
    if n:
        total += n
    count = 0
assert total + count == presses, "a press was lost"
"""
)


def test_a_lab_world_with_its_own_button_keeps_its_presses(tmp_path: Path) -> None:
    # The edge is a glitch of the world's own button (pressed: 0), whose release is the
    # rising edge the IRQ wants; the world's press stays where it is, and no placed pulse
    # overlaps it.
    world = Scenario(world=(Button(pin=5),), timeline=(Press(at=0.001, hold=0.0005),), seconds=1)
    found = explore(write(tmp_path, SLEEP_FIRST), world)
    assert found.step_ns == 1000
    assert {race.line for race in found.races} == marked(SLEEP_FIRST, "RACE")
    assert min(p.at_ns for p in found.placements) > 2_500_000  # the press, and its pulse after
    race = found.races[0]
    assert (race.at_us, 5, 1) in race.run.compiled.edges  # the rise is where it is said to be
    assert race.run.trace.of("enter")[0]["t_us"] < 1_600  # the world's own press


def test_it_finds_every_place_a_scan_of_every_slot_finds(tmp_path: Path) -> None:
    # The ground truth, by brute force: one run for every 250 ns from the IRQ's set-up to the
    # end, each edge a one-cycle square wave. Every (handler start, line, outcome) the scan
    # sees, the explorer must see, and no other. Slow passes first (a call costs 7.5 us) and
    # then fast ones: the grid it learned on the wide places must not step over narrow ones.
    slow_first = "import time\nfor j in range(4):\n    t = time.ticks_us()\n"
    racy = COUNTER_RACY.replace("range(6)", "range(3)")
    path = write(tmp_path, racy.replace("total = 0\n", "total = 0\n" + slow_first))
    found = explore(path)

    def scan(t_ns: int) -> tuple[int | None, int | None, bool]:
        wave = SquareWave(pin=5, hz=500, start=t_ns / 1e9, stop=(t_ns + 10**6) / 1e9)
        result = real_run(path, Scenario(world=(*Scenario().world, wave), seconds=1.0))
        enters = [e for e in result.trace.of("enter") if e["t_us"] * 1000 > t_ns - 1000]
        ok = not result.trace.exceptions()
        return (enters[0]["t_us"], enters[0]["line"], ok) if enters else (None, None, ok)

    slots = range(found.start_ns, found.end_ns + 1, 250)
    with ThreadPoolExecutor(2) as pool:
        truth = set(pool.map(scan, slots))
    seen = {(p.handler_us, p.line, p.failure is None) for p in found.placements}
    assert seen == truth and found.places >= len(truth)


SLEEPY_RACY = (
    HANDLER
    + """\
import time

total = 0
for i in range(3):
    time.sleep_ms(2)
    n = count  # RACE
    if n:
        total += n
    count = 0
assert total + count == presses, "a press was lost"
"""
)


def test_the_edges_during_one_sleep_are_one_place(tmp_path: Path) -> None:
    # 6 ms of sleeping: 24,000 edge times, nearly all of them the program waiting at one
    # line in one state. They collapse; the race after the sleep is still found.
    found = explore(write(tmp_path, SLEEPY_RACY))
    assert {race.line for race in found.races} == marked(SLEEPY_RACY, "RACE")
    assert found.collapsed > 20_000 and found.tried < 400
    in_sleep = {p.line for p in found.placements if p.line is not None and p.handler_us}
    assert min(marked(SLEEPY_RACY, "RACE")) - 1 in in_sleep  # handled in the sleep, too


def test_the_edge_falls_on_the_nanosecond_asked() -> None:
    stimulus = irqlab.race._Stimulus(Scenario(seconds=1.0), 5, 0)
    for t_ns in (37_250, 1_234_567_890 // 10 * 10, 999_999_750):
        (wave,) = stimulus.at(t_ns).compile().waves
        assert wave.start_ns == t_ns and wave.stop_ns - wave.start_ns < wave.period_ns
        assert wave.high_ns == 1_000_000 and wave.idle == 0


def test_the_search_gives_the_same_result_20_times_out_of_20(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs are deterministic (the board's contract, checked on this program below); the
    # search must not depend on which run of a round finishes first. So: one exploration,
    # then 20 more on the same runs, each finishing in a random order.
    path = write(tmp_path, COUNTER_RACY.replace("range(6)", "range(3)"))
    runs: dict[str, Run] = {}
    lock = threading.Lock()

    def recorded(*args: Any, **kwargs: Any) -> Run:
        key = repr(args[:3])
        with lock:
            known = runs.get(key)
        if known is None:
            known = real_run(*args, **kwargs)
            with lock:
                runs[key] = known
        time.sleep(random.random() / 200)
        return known

    monkeypatch.setattr(irqlab.race, "run", recorded)
    first = _result(explore(path))
    for _ in range(20):
        assert _result(explore(path)) == first
    assert first[0]["races"]


def test_every_placement_runs_the_same_again(tmp_path: Path) -> None:
    path = write(tmp_path, COUNTER_RACY.replace("range(6)", "range(2)"))
    found = explore(path)
    again = explore(path)
    assert _result(again) == _result(found)


def _result(found: Exploration) -> tuple[dict[str, Any], list[tuple[int, int | None, str | None]]]:
    return found.to_json(), [(p.at_ns, p.line, p.failure) for p in found.placements]


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli_main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_tells_the_story_with_the_lines_and_a_diagram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, COUNTER_RACY)
    (line,) = marked(COUNTER_RACY, "RACE")
    status, out, _ = _cli(["race", str(path)], capsys)
    flat = " ".join(out.split())
    assert status == 1
    assert re.search(r"\d+ placements tried, \d+ more collapsed into them", flat)
    assert f"Race 1: after line {line}" in flat
    assert re.search(rf"^>\s+{line} \|     n = count", out, re.M)  # the listing, marked
    assert "GPIO5 in" in out and "handler" in out  # the timing diagram's lanes
    assert f"1 race found: after line {line}." in flat


def test_the_command_json_has_the_promised_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _cli(["race", str(write(tmp_path, TORN_RACY)), "--json"], capsys)
    data = json.loads(out)
    assert status == 1 and data["baseline"] == "ok" and data["placements"] > 0
    (race,) = data["races"]
    assert set(race) == {"line", "at_us", "message"}
    assert race["line"] == min(marked(TORN_RACY, "RACE")) and isinstance(race["at_us"], int)
    assert "which use `high` and `low`" in race["message"]

    status, out, _ = _cli(["race", str(write(tmp_path, TORN_SAFE, "safe.py")), "--json"], capsys)
    assert status == 0 and json.loads(out)["races"] == []


def test_the_command_reports_bad_input_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path, HANDLER + "x = undefined_name\n")
    status, out, _ = _cli(["race", str(broken)], capsys)
    assert status == 1
    assert "runs into an error without any interrupt: fix that first" in " ".join(out.split())
    assert "NameError" in out

    status, out, _ = _cli(["race", str(broken), "--json"], capsys)
    assert "NameError" in json.loads(out)["baseline"]

    status, _, err = _cli(["race", str(write(tmp_path, "x = 1\n", "plain.py"))], capsys)
    assert status == 2 and err.startswith("irqlab: plain.py sets no IRQ")

    endless = write(tmp_path, ENDLESS, "endless.py")
    status, out, _ = _cli(["race", str(endless), "--seconds", "0.01", "--limit", "16"], capsys)
    flat = " ".join(out.split())
    assert status == 0 and "16 placements tried" in flat
    assert re.search(r"the last [\d.]+ ms of the run \(\d+ edge times\) were skipped", flat)


def test_the_command_is_in_the_reference_and_the_readme() -> None:
    from irqlab.site import reference

    assert "## irqlab race" in reference.markdown()
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "| `irqlab race FILE` |" in readme
