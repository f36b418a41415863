"""The board's pure-Python `_asyncio` (src/irqlab/board/sim/_irqasyncio.py) against the port's
C module (extmod/modasyncio.c): the same asyncio programs, run on the MicroPython unix port
once with the C TaskQueue/Task and once with ours, print the same thing, to stdout and to
stderr. And ours takes every time stamp from the `time` module in sys.modules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOARD = ROOT / "src" / "irqlab" / "board"
MODULE = BOARD / "sim" / "_irqasyncio.py"

# The built-in `_asyncio` wins over a file of that name on the path, so ours is imported as
# a submodule of the `sim` folder and put in sys.modules before anything imports asyncio.
# Both preludes are one line: the programs' line numbers (in tracebacks) stay the same.
PRELUDE_C = "import sys\n"
PRELUDE_PY = (
    "import sys; import sim._irqasyncio; sys.modules['_asyncio'] = sim._irqasyncio;"
    " assert sys.modules['_asyncio'].__file__.endswith('_irqasyncio.py')\n"
)


def _micropython() -> list[str]:
    beside = Path(sys.executable).with_name("micropython")
    if beside.exists():
        return [str(beside)]
    try:
        import micropython_unix  # noqa: F401
    except ImportError:
        pytest.skip("the MicroPython unix port is not installed")
    return [sys.executable, "-c", "import sys, micropython_unix; sys.exit(micropython_unix.main())"]


def _run(source: str, where: Path, path: Path = BOARD) -> subprocess.CompletedProcess[str]:
    where.mkdir(parents=True, exist_ok=True)
    (where / "prog.py").write_text(source)
    return subprocess.run(
        [*_micropython(), "prog.py"],
        cwd=where,
        env={"MICROPYPATH": f"{path}:.frozen", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _addresses(text: str) -> str:
    return re.sub(r"\bat (0x)?[0-9a-f]{6,}\b", "at ADDR", text)


# --- The corpus: deterministic programs (what they print, and in which order, never the
# --- time). Where a task due "now" races a sleeping one, the sleeps are 50 ms apart.

PROGRAMS: dict[str, str] = {}

PROGRAMS["sleep_ms_order"] = """
import asyncio
async def sleeper(name, ms):
    await asyncio.sleep_ms(ms)
    print("woke", name)
    return name
async def main():
    ts = [asyncio.create_task(sleeper(n, ms))
          for n, ms in (("c", 150), ("a", 50), ("d", 200), ("b", 100), ("e", 0))]
    for t in ts:
        print("result", await t)
    await asyncio.sleep(0.01)
    print("end")
asyncio.run(main())
"""

PROGRAMS["create_task_and_await"] = """
import asyncio
async def worker(i):
    print("start", i)
    await asyncio.sleep(0)
    print("mid", i)
    await asyncio.sleep_ms(0)
    print("last", i)
    return i * i
async def main():
    ts = []
    for i in range(5):
        ts.append(asyncio.create_task(worker(i)))
    print("created", [t.done() for t in ts])
    out = []
    for t in ts:
        out.append(await t)
    print(out, [t.done() for t in ts])
    print("end")
asyncio.run(main())
"""

PROGRAMS["gather"] = """
import asyncio
async def val(x, ms):
    await asyncio.sleep_ms(ms)
    print("val", x)
    return x
async def bad(ms):
    await asyncio.sleep_ms(ms)
    print("bad raising", ms)
    raise ValueError("bad %d" % ms)
async def main():
    print(await asyncio.gather(val(1, 100), val(2, 0), val(3, 50)))
    print(await asyncio.gather())
    r = await asyncio.gather(val(4, 0), bad(50), val(5, 100), return_exceptions=True)
    print([type(x).__name__ for x in r], r[1].args)
    try:
        await asyncio.gather(val(6, 100), bad(0))
    except ValueError as e:
        print("gather raised", e)
    await asyncio.sleep_ms(150)
    done = asyncio.create_task(val(7, 0))
    await asyncio.sleep_ms(10)
    print(done.done(), await asyncio.gather(done, val(8, 0)))
    print("end")
asyncio.run(main())
"""

PROGRAMS["gather_finished_failed"] = """
import asyncio
async def bad():
    raise KeyError("early")
async def val(x):
    await asyncio.sleep(0)
    return x
async def main():
    t = asyncio.create_task(bad())
    await asyncio.sleep(0)
    print("done", t.done(), t.state)
    r = await asyncio.gather(t, val(1), return_exceptions=True)
    print([repr(x) for x in r])
    try:
        await asyncio.gather(val(2), t)
    except KeyError as e:
        print("raised at once", repr(e))
    await asyncio.sleep_ms(10)
    print("end")
asyncio.run(main())
"""

PROGRAMS["wait_for"] = """
import asyncio
async def slow(ms, v):
    try:
        await asyncio.sleep_ms(ms)
        print("slow finished", v)
        return v
    except asyncio.CancelledError:
        print("slow cancelled", v)
        raise
async def boom():
    await asyncio.sleep_ms(5)
    raise OSError(5)
async def main():
    print(await asyncio.wait_for(slow(10, "a"), 1))
    try:
        await asyncio.wait_for(slow(1000, "b"), 0.05)
    except asyncio.TimeoutError:
        print("timeout b")
    print(await asyncio.wait_for(slow(10, "c"), None))
    print(await asyncio.wait_for_ms(slow(10, "d"), 500))
    try:
        await asyncio.wait_for_ms(slow(1000, "e"), 30)
    except asyncio.TimeoutError:
        print("timeout e")
    try:
        await asyncio.wait_for(boom(), 1)
    except OSError as e:
        print("wait_for raised", repr(e))
    t = asyncio.create_task(slow(10, "f"))
    print(await asyncio.wait_for(t, 1), t.done())
    print("end")
asyncio.run(main())
"""

PROGRAMS["wait_for_cancelled_from_outside"] = """
import asyncio
async def slow():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("slow cancelled")
        raise
async def wf():
    try:
        await asyncio.wait_for(slow(), 5)
    except asyncio.CancelledError:
        print("wait_for cancelled")
        raise
async def main():
    t = asyncio.create_task(wf())
    await asyncio.sleep_ms(10)
    print(t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("t cancelled")
    await asyncio.sleep_ms(10)
    print("end")
asyncio.run(main())
"""

PROGRAMS["event_waiters"] = """
import asyncio
ev = asyncio.Event()
async def waiter(i):
    print("wait", i)
    r = await ev.wait()
    print("got", i, r)
async def main():
    ts = [asyncio.create_task(waiter(i)) for i in range(5)]
    await asyncio.sleep_ms(10)
    print("set", ev.is_set())
    ev.set()
    print("after set", ev.is_set(), [t.done() for t in ts])
    await asyncio.sleep_ms(10)
    print([t.done() for t in ts])
    ev.clear()
    t = asyncio.create_task(waiter(9))
    await asyncio.sleep(0)
    ev.set()
    ev.set()
    await t
    print(await ev.wait())
    print("end")
asyncio.run(main())
"""

PROGRAMS["lock_contention"] = """
import asyncio
lock = asyncio.Lock()
async def worker(i):
    print("want", i)
    try:
        async with lock:
            print("have", i, lock.locked())
            await asyncio.sleep_ms(5)
            print("release", i)
    except asyncio.CancelledError:
        print("cancelled", i)
        raise
    return i
async def main():
    print(await asyncio.gather(*[worker(i) for i in range(4)]), lock.locked())
    await lock.acquire()
    ts = [asyncio.create_task(worker(i)) for i in (10, 11, 12)]
    await asyncio.sleep_ms(5)
    print("cancel 11", ts[1].cancel())
    await asyncio.sleep_ms(5)
    lock.release()
    for t in ts:
        try:
            print("result", await t)
        except asyncio.CancelledError:
            print("awaited a cancelled waiter")
    await lock.acquire()
    ts = [asyncio.create_task(worker(i)) for i in (20, 21)]
    await asyncio.sleep_ms(5)
    lock.release()
    print("cancel 20 pending on resume", ts[0].cancel())
    for t in ts:
        try:
            print("result", await t)
        except asyncio.CancelledError:
            print("awaited a cancelled waiter")
    print(lock.locked())
    try:
        lock.release()
    except RuntimeError as e:
        print("RuntimeError", e)
    print("end")
asyncio.run(main())
"""

PROGRAMS["cancel_sleeping"] = """
import asyncio
async def sleeper(name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError as e:
        print("sleeper cancelled", name, type(e).__name__, e.args)
        raise
async def catcher():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("catcher swallowed")
        return "caught"
async def main():
    t = asyncio.create_task(sleeper("t"))
    await asyncio.sleep_ms(10)
    print(t.done(), t.cancel(), t.done())
    try:
        await t
    except asyncio.CancelledError:
        print("await raised CancelledError")
    print(t.done(), t.cancel())
    t2 = asyncio.create_task(catcher())
    await asyncio.sleep(0)
    print(t2.cancel())
    print(await t2, t2.cancel())
    t3 = asyncio.create_task(sleeper("t3"))
    print("before start", t3.cancel())
    await asyncio.sleep(0)
    print(t3.done())
    t4 = asyncio.create_task(sleeper("t4"))
    await asyncio.sleep(0)
    print(t4.cancel(), t4.cancel())
    await asyncio.sleep(0)
    print(t4.done())
    print("end")
asyncio.run(main())
"""

PROGRAMS["cancel_event_waiter"] = """
import asyncio
ev = asyncio.Event()
async def w(i):
    try:
        await ev.wait()
        print("w got", i)
    except asyncio.CancelledError:
        print("w cancelled", i)
async def main():
    ts = [asyncio.create_task(w(i)) for i in range(4)]
    await asyncio.sleep(0)
    print(ts[1].cancel(), ts[2].cancel())
    await asyncio.sleep(0)
    print([t.done() for t in ts])
    ev.set()
    await asyncio.sleep(0)
    print([t.done() for t in ts])
    print("end")
asyncio.run(main())
"""

PROGRAMS["cancel_awaited_task"] = """
import asyncio
async def inner(name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("inner cancelled", name)
        raise
async def outer(t, name):
    try:
        await t
    except asyncio.CancelledError:
        print("outer got CancelledError", name)
        return "outer " + name
async def main():
    ti = asyncio.create_task(inner("a"))
    to = asyncio.create_task(outer(ti, "a"))
    await asyncio.sleep_ms(10)
    print("cancel outer", to.cancel())
    print(await to, ti.done(), to.done())
    ti = asyncio.create_task(inner("b"))
    tw = [asyncio.create_task(outer(ti, "b%d" % i)) for i in range(3)]
    await asyncio.sleep_ms(10)
    print("cancel inner", ti.cancel())
    for t in tw:
        print(await t)
    ti = asyncio.create_task(inner("c"))
    await asyncio.sleep_ms(10)
    asyncio.create_task(inner("d"))
    ti.cancel()
    try:
        await ti
    except asyncio.CancelledError:
        print("main got CancelledError")
    print("end")
asyncio.run(main())
"""

PROGRAMS["cancel_self"] = """
import asyncio
async def other(t):
    try:
        t.cancel()
    except RuntimeError as e:
        print("other", e)
    print("cancel main from other", t.cancel())
async def main():
    t = asyncio.current_task()
    try:
        t.cancel()
    except RuntimeError as e:
        print("RuntimeError", e)
    asyncio.create_task(other(t))
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("main cancelled by other")
    print("end")
asyncio.run(main())
"""

PROGRAMS["await_finished_twice"] = """
import asyncio
async def ok():
    return 42
async def fail(msg):
    raise KeyError(msg)
async def main():
    t = asyncio.create_task(ok())
    await asyncio.sleep(0)
    print(t.done(), await t, await t, t.done())
    f = asyncio.create_task(fail("awaited early"))
    for i in range(2):
        try:
            await f
        except KeyError as e:
            print("await", i, repr(e))
    g = asyncio.create_task(fail("finished before await"))
    await asyncio.sleep(0)
    print(g.done())
    for i in range(2):
        try:
            await g
        except KeyError as e:
            print("await", i, repr(e))
    await asyncio.sleep_ms(10)
    print("end")
asyncio.run(main())
"""

PROGRAMS["several_waiters_on_failing_task"] = """
import asyncio
async def fail():
    await asyncio.sleep_ms(10)
    raise ValueError("shared")
async def waiter(t, i):
    try:
        await t
    except ValueError as e:
        print("waiter", i, repr(e))
    return i
async def main():
    t = asyncio.create_task(fail())
    print(await asyncio.gather(*[waiter(t, i) for i in range(3)]))
    await asyncio.sleep_ms(10)
    print("end")
asyncio.run(main())
"""

PROGRAMS["detached_exception"] = """
import asyncio
async def bad(msg):
    raise ValueError(msg)
async def main():
    asyncio.create_task(bad("detached"))
    await asyncio.sleep_ms(10)
    print("after default handler")
    loop = asyncio.get_event_loop()
    def handler(loop, ctx):
        print("handler:", ctx["message"], repr(ctx["exception"]), ctx["future"])
    loop.set_exception_handler(handler)
    print(loop.get_exception_handler() is handler)
    asyncio.create_task(bad("handled"))
    await asyncio.sleep_ms(10)
    loop.set_exception_handler(None)
    asyncio.create_task(bad("default again"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print("end")
asyncio.run(main())
"""

PROGRAMS["thread_safe_flag"] = """
import asyncio
flag = asyncio.ThreadSafeFlag()
async def waiter(name):
    print("waiting", name)
    await flag.wait()
    print("flag 1", name)
    await flag.wait()
    print("flag 2", name)
async def main():
    flag.set()
    t = asyncio.create_task(waiter("a"))
    await asyncio.sleep_ms(10)
    flag.set()
    await t
    t = asyncio.create_task(waiter("b"))
    await asyncio.sleep_ms(10)
    print("cancel IO waiter", t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("flag waiter cancelled")
    flag.clear()
    print("end")
asyncio.run(main())
"""

PROGRAMS["run_until_complete_new_event_loop"] = """
import asyncio
async def coro(x):
    await asyncio.sleep_ms(5)
    print("coro", x)
    return x * 2
async def stopper(loop):
    await asyncio.sleep_ms(10)
    print("stopping")
    loop.stop()
loop = asyncio.get_event_loop()
print(loop.run_until_complete(coro(1)))
loop = asyncio.new_event_loop()
t = loop.create_task(coro(2))
print(loop.run_until_complete(coro(3)))
print(t.done(), loop.run_until_complete(t))
loop.create_task(stopper(loop))
loop.create_task(coro(4))
loop.run_forever()
print(asyncio.run(coro(5)))
loop.close()
print("end")
"""

PROGRAMS["sleep0_round_robin"] = """
import asyncio
async def spin(name, n):
    for i in range(n):
        print(name, i)
        if i % 2:
            await asyncio.sleep(0)
        else:
            await asyncio.sleep_ms(0)
    return name
async def main():
    print(await asyncio.gather(*[spin(c, 1 + "abcdefgh".index(c) % 4) for c in "abcdefgh"]))
    print("end")
asyncio.run(main())
"""

PROGRAMS["equal_deadlines_fifo"] = """
import asyncio
async def at(name, ms):
    await asyncio.sleep_ms(ms)
    print(name)
async def main():
    for i in range(24):
        asyncio.create_task(at("t%d-%d" % (i, (i * 7) % 4 * 50), (i * 7) % 4 * 50))
    await asyncio.sleep_ms(200)
    await asyncio.sleep_ms(50)
    print("end")
asyncio.run(main())
"""

PROGRAMS["current_task_and_repr"] = """
import asyncio
try:
    asyncio.current_task()
except RuntimeError as e:
    print("RuntimeError", e)
async def main():
    t = asyncio.current_task()
    print(t, str(t), type(t).__name__, t.done(), t.state is True, t.data)
    print(asyncio.core.TaskQueue(), asyncio.core.TaskQueue().peek())
    print(isinstance(t, asyncio.Task), asyncio.Task is asyncio.core.Task)
    print("end")
asyncio.run(main())
"""

PROGRAMS["cant_wait_cant_gather"] = """
import asyncio
async def slow():
    await asyncio.sleep_ms(20)
    return 1
async def waiter(t):
    return await t
async def main():
    t = asyncio.create_task(slow())
    g = asyncio.create_task(asyncio.gather(t))
    await asyncio.sleep(0)
    print("callable state", callable(t.state))
    try:
        await t
    except RuntimeError as e:
        print("RuntimeError", e)
    print(await g)
    t2 = asyncio.create_task(slow())
    w = asyncio.create_task(waiter(t2))
    await asyncio.sleep(0)
    try:
        await asyncio.gather(t2)
    except RuntimeError as e:
        print("RuntimeError", e)
    print(await w)
    try:
        asyncio.create_task(asyncio.sleep_ms(1))
    except TypeError as e:
        print("TypeError", e)
    print("end")
asyncio.run(main())
"""

PROGRAMS["cancel_gather"] = """
import asyncio
async def sub(i):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("sub cancelled", i)
        raise
async def main():
    g = asyncio.create_task(asyncio.gather(sub(1), sub(2), sub(3)))
    await asyncio.sleep_ms(10)
    print(g.cancel())
    try:
        await g
    except asyncio.CancelledError:
        print("gather cancelled")
    await asyncio.sleep_ms(10)
    print("end")
asyncio.run(main())
"""

PROGRAMS["main_raises_caught"] = """
import asyncio
async def main():
    await asyncio.sleep(0)
    raise ValueError("from main")
async def value():
    await asyncio.sleep_ms(1)
    return "value"
try:
    asyncio.run(main())
except ValueError as e:
    print("caught", e)
print(asyncio.run(value()))
print("end")
"""

# Uncaught: the traceback (stderr) goes through `await t` of a failed task.
PROGRAMS["uncaught_through_await"] = """
import asyncio
async def g():
    await asyncio.sleep_ms(1)
    raise ValueError("x")
async def main():
    t = asyncio.create_task(g())
    await t
asyncio.run(main())
"""

PROGRAMS["uncaught_after_finished"] = """
import asyncio
async def g():
    raise OSError(22)
async def main():
    t = asyncio.create_task(g())
    await asyncio.sleep(0)
    print("done", t.done())
    await t
asyncio.run(main())
"""

PROGRAMS["many_tasks_mixed"] = """
import asyncio
ev = asyncio.Event()
lock = asyncio.Lock()
results = []
async def job(i):
    if i % 3 == 0:
        await ev.wait()
    async with lock:
        results.append(i)
        await asyncio.sleep(0)
    await asyncio.sleep_ms((i % 4) * 50)
    return i
async def main():
    ts = [asyncio.create_task(job(i)) for i in range(30)]
    await asyncio.sleep_ms(10)
    ev.set()
    out = await asyncio.gather(*ts)
    print(results)
    print(out == list(range(30)))
    print("end")
asyncio.run(main())
"""

# Expected exit status of each program (all others: 0). The port prints the traceback of
# an uncaught exception to stdout.
EXIT = {"uncaught_through_await": 1, "uncaught_after_finished": 1}
# Programs that print to stderr: the loop's default exception handler.
STDERR = {"detached_exception", "gather_finished_failed"}

_C_RESULTS: dict[str, subprocess.CompletedProcess[str]] = {}


def _c_result(name: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if name not in _C_RESULTS:
        _C_RESULTS[name] = _run(PRELUDE_C + textwrap.dedent(PROGRAMS[name]), tmp_path / "c")
    return _C_RESULTS[name]


def test_corpus_is_big_enough() -> None:
    assert len(PROGRAMS) >= 12


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_output_as_the_c_module(name: str, tmp_path: Path) -> None:
    c = _c_result(name, tmp_path)
    py = _run(PRELUDE_PY + textwrap.dedent(PROGRAMS[name]), tmp_path / "py")
    assert c.returncode == EXIT.get(name, 0), c.stderr
    assert py.returncode == c.returncode, py.stderr
    assert c.stdout.strip(), "the program printed nothing"
    if c.returncode == 0:
        assert c.stdout.endswith("end\n")
    assert ("Traceback" in c.stdout) == (c.returncode != 0)
    assert _addresses(py.stdout) == _addresses(c.stdout)
    assert bool(c.stderr) == (name in STDERR), c.stderr
    assert _addresses(py.stderr) == _addresses(c.stderr)


def test_the_python_variant_really_uses_our_module(tmp_path: Path) -> None:
    src = "import asyncio, _asyncio\nprint(asyncio.core.Task is _asyncio.Task, _asyncio)\n"
    py = _run(PRELUDE_PY + src, tmp_path / "py")
    c = _run(PRELUDE_C + src, tmp_path / "c")
    assert py.stdout == f"True <module 'sim._irqasyncio' from '{MODULE}'>\n"
    assert c.stdout == "True <module '_asyncio'>\n"


@pytest.mark.parametrize("name", ["gather", "cancel_awaited_task", "uncaught_through_await"])
def test_bytecode_fallback_where_there_is_no_native_emitter(name: str, tmp_path: Path) -> None:
    # The unix port has no native emitter on arm64: `@micropython.native` is then a
    # SyntaxError, and __next__ stays bytecode. An unknown decorator makes that happen here.
    text = MODULE.read_text()
    assert text.count("@micropython.native") == 1
    fallback = tmp_path / "path" / "sim"
    fallback.mkdir(parents=True)
    (fallback / "_irqasyncio.py").write_text(text.replace("@micropython.native", "@micropython.x"))
    check = "import sim._irqasyncio as m; assert m.Task.__next__.__name__ == '__next__'\n"
    prog = PRELUDE_PY + check + textwrap.dedent(PROGRAMS[name])
    py = _run(prog, tmp_path / "py", path=tmp_path / "path")
    c = _run(PRELUDE_C + "\n" + textwrap.dedent(PROGRAMS[name]), tmp_path / "c")
    assert py.returncode == c.returncode, py.stderr
    assert py.stderr == c.stderr
    # The one difference: bytecode adds its own line to the traceback of what it re-raises.
    extra = [line for line in py.stdout.splitlines() if "_irqasyncio.py" in line]
    assert len(extra) == (1 if name == "uncaught_through_await" else 0)
    assert all(line.endswith(", in __next__") for line in extra)
    rest = [line for line in py.stdout.splitlines() if line not in extra]
    assert rest == c.stdout.splitlines()


def test_native_next_is_in_use(tmp_path: Path) -> None:
    src = "import _asyncio\nprint(_asyncio.Task.__next__.__name__)\n"
    assert _run(PRELUDE_PY + src, tmp_path).stdout == "_native_next\n"


# --- The TaskQueue alone: pushes with explicit keys (repeated keys, keys across the wrap),
# --- pops and removes, in a pseudo-random order, against the C pairing heap.

QUEUE_FUZZ = """
import _asyncio as A
import time
PERIOD = time.ticks_add(0, -1) + 1
seed = 12345
def rnd(n):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return (seed >> 8) % n
out = []
for trial in range(200):
    q = A.TaskQueue()
    tasks = [A.Task(None) for _ in range(30)]
    ids = {}
    for i in range(30):
        ids[id(tasks[i])] = i
    inq = []
    free = list(range(30))
    nk = 1 + rnd(6)
    base = (PERIOD - 3) if trial % 2 else 0
    for step in range(150):
        op = rnd(10)
        if op < 5 and free:
            i = free.pop(rnd(len(free)))
            q.push(tasks[i], (base + rnd(nk)) % PERIOD)
            inq.append(i)
        elif op < 8 and inq:
            i = ids[id(q.pop())]
            out.append(i)
            inq.remove(i)
            free.append(i)
        elif inq:
            i = inq[rnd(len(inq))]
            out.append(-1 - i)
            q.remove(tasks[i])
            inq.remove(i)
            free.append(i)
        if step % 25 == 0:
            p = q.peek()
            out.append(None if p is None else ids[id(p)])
    while q.peek():
        out.append(ids[id(q.pop())])
    out.append("|")
print(len(out))
print(" ".join(str(x) for x in out))
try:
    q.pop()
except IndexError as e:
    print("IndexError", e)
"""


def test_task_queue_matches_the_c_pairing_heap(tmp_path: Path) -> None:
    c = _run(PRELUDE_C + QUEUE_FUZZ, tmp_path / "c")
    py = _run(PRELUDE_PY + QUEUE_FUZZ, tmp_path / "py")
    assert c.returncode == 0, c.stderr
    assert py.returncode == 0, py.stderr
    assert int(c.stdout.split()[0]) > 5000
    assert py.stdout == c.stdout
    assert c.stdout.endswith("IndexError empty heap\n")


def test_task_queue_is_fifo_among_equal_keys_and_orders_across_the_wrap(tmp_path: Path) -> None:
    src = """
import _asyncio as A
import time
PERIOD = time.ticks_add(0, -1) + 1
q = A.TaskQueue()
ts = [A.Task(i) for i in range(8)]
for t, k in zip(ts, (5, 5, PERIOD - 1, 5, 0, PERIOD - 1, 0, 5)):
    q.push(t, k)
print([q.pop().coro for _ in range(8)], q.peek())
q.push(ts[0], 3)
q.remove(ts[1])  # not queued: nothing happens
print(q.pop().coro, q.peek())
"""
    expected = "[2, 5, 4, 6, 0, 1, 3, 7] None\n0 None\n"
    assert _run(PRELUDE_C + src, tmp_path / "c").stdout == expected
    assert _run(PRELUDE_PY + src, tmp_path / "py").stdout == expected


# --- The clock: a fake `time` in sys.modules before the import. Waiting in the loop
# --- (IOQueue.wait_io_event(dt)) moves the fake clock on by dt, as on the virtual board.

FAKE_TIME = """
PERIOD = 1 << 30
MASK = PERIOD - 1
HALF = PERIOD >> 1
now = 0
calls = 0
def ticks_ms():
    global calls
    calls += 1
    return now
def ticks_add(t, d):
    return (t + d) & MASK
def ticks_diff(a, b):
    return ((a - b + HALF) & MASK) - HALF
def sleep_ms(ms):
    global now
    now = ticks_add(now, ms)
"""

FAKE_CLOCK_HEAD = """
import sys
import faketime
sys.modules["time"] = faketime
"""
OUR_MODULE = """
import sim._irqasyncio
sys.modules["_asyncio"] = sim._irqasyncio
"""
FAKE_CLOCK_PROGRAM = """
import asyncio
print(asyncio.core.ticks is faketime.ticks_ms)
io = asyncio.core._io_queue
real_wait = io.wait_io_event
def wait(dt):
    if dt > 0:
        faketime.sleep_ms(dt)
    real_wait(0)
io.wait_io_event = wait
async def nop():
    pass
faketime.now = 123456
t = asyncio.create_task(nop())
print("create_task stamped", t.ph_key)
asyncio.run(nop())
async def sleeper(name, ms):
    await asyncio.sleep_ms(ms)
    print(name, "woke at", faketime.now)
ev = asyncio.Event()
async def waiter():
    await ev.wait()
    print("waiter resumed at", faketime.now)
async def main():
    print("main at", faketime.now)
    ts = [asyncio.create_task(sleeper("s%d" % i, 20)) for i in range(4)]
    ts.append(asyncio.create_task(sleeper("early", 5)))
    print("created", [t.ph_key for t in ts])
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    print("sleeping", [t.ph_key for t in ts])
    await asyncio.sleep_ms(10)
    faketime.now = faketime.ticks_add(faketime.now, 1)
    ev.set()
    print("set at", faketime.now, "waiter stamped", w.ph_key)
    long = asyncio.create_task(sleeper("long", 100000))
    await asyncio.sleep(0)
    print("long due", long.ph_key)
    faketime.now = faketime.ticks_add(faketime.now, 1)
    long.cancel()
    print("cancelled at", faketime.now, "long stamped", long.ph_key)
    await asyncio.gather(*ts)
    print("end at", faketime.now, "calls", faketime.calls > 0)
faketime.now = faketime.PERIOD - 8
asyncio.run(main())
"""


def test_the_queue_reads_the_clock_of_sys_modules_time(tmp_path: Path) -> None:
    P = 1 << 30
    where = tmp_path / "py"
    where.mkdir()
    (where / "faketime.py").write_text(FAKE_TIME)
    py = _run(FAKE_CLOCK_HEAD + OUR_MODULE + FAKE_CLOCK_PROGRAM, where)
    assert py.returncode == 0, py.stderr
    assert py.stdout.splitlines() == [
        "True",
        "create_task stamped 123456",
        f"main at {P - 8}",
        f"created {[P - 8] * 5}",  # create_task: "now", on the fake clock
        f"sleeping {[12] * 4 + [P - 3]}",  # now + 20 wraps to 12; equal keys
        f"early woke at {P - 3}",
        # Event.set: push(task) with no key stamps the waiter with the fake now, 10 ms
        # after P - 8, plus 1.
        "set at 3 waiter stamped 3",
        "waiter resumed at 3",
        "long due 100003",
        "cancelled at 4 long stamped 4",  # cancel brings a sleeper forward to now
        "s0 woke at 12",  # equal deadlines: first in, first out
        "s1 woke at 12",
        "s2 woke at 12",
        "s3 woke at 12",
        "end at 12 calls True",
    ]
    # The C module stamps create_task with the port's own clock, not the fake one.
    where = tmp_path / "c"
    where.mkdir()
    (where / "faketime.py").write_text(FAKE_TIME)
    src = FAKE_CLOCK_PROGRAM.split("asyncio.run(nop())")[0]
    c = _run(FAKE_CLOCK_HEAD + src, where)
    assert c.returncode == 0, c.stderr
    assert c.stdout.splitlines()[0] == "True"
    assert c.stdout.splitlines()[1] != "create_task stamped 123456"


def test_imports_only_what_micropython_has() -> None:
    tree = ast.parse(MODULE.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == {"sys", "time"}
