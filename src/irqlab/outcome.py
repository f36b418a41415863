"""One sentence on how a run ended, for a person: shared by `irqlab run` and the checks."""

from __future__ import annotations

from irqlab.profiles import profile
from irqlab.runner import MAX_PRINTED, Run
from irqlab.trace import Event

STUCK_US = 50_000  # a handler still running this long when the run ends never returns


def _where(exc: dict[str, object]) -> str:
    if exc.get("file") and exc.get("line"):
        return f" at {exc['file']} line {exc['line']}"
    return ""


def _never_returned(source: str, start_us: int | None, then: str = "") -> str:
    started = f" started at {start_us / 1e6:.3f} s" if start_us is not None else ""
    return f"the handler for {source}{started} and never returned{then}"


def _unresponsive(run: Run, where: str = "") -> str:
    return (
        f"the program stopped responding{where}: {run.wall_s:.0f} s of real time went by "
        "inside one step (a huge computation?)"
    )


def _stuck(run: Run) -> str | None:
    """A run that stopped responding got a Ctrl-C from the host (irqlab.runner): where it was."""
    if run.stopped != "timeout":
        return None
    hit = next((e for e in run.trace.of("exc") if e["type"] == "KeyboardInterrupt"), None)
    if hit is None:
        return None
    if hit["where"] in ("handler", "callback"):
        enters = [e for e in run.trace.of("enter") if e["t_us"] <= hit["t_us"]]
        source = enters[-1]["source"] if enters else "a callback"
        start = enters[-1]["t_us"] if enters else None
        return _never_returned(
            source, start, f": it was still running{_where(hit)} when it was stopped"
        )
    return _unresponsive(run, _where(hit))


def handler_exceptions(run: Run) -> list[Event]:
    """The exceptions raised in handlers and scheduled functions (the port prints each and
    goes on), but a stop the host asked for."""
    return [
        e
        for e in run.trace.exceptions()
        if e["where"] in ("handler", "callback") and e["type"] != "KeyboardInterrupt"
    ]


def _handler(run: Run, source: str) -> str:
    """'the handler handle_interrupt (GPIO5)', from the IRQ or Timer that set it."""
    for prefix, kind, key, name in (
        ("pin", "irq", "pin", "GPIO"),
        ("timer", "timer", "id", "Timer "),
    ):
        if source.startswith(prefix) and source[len(prefix) :].isdigit():
            n = int(source[len(prefix) :])
            named = [e["handler"] for e in run.trace.of(kind, **{key: n}) if e["handler"]]
            return f"the handler {named[-1]} ({name}{n})" if named else f"the handler for {source}"
    return f"the handler for {source}"


def _handler_raised(run: Run, raised: list[Event]) -> str:
    first = raised[0]
    enters = [e for e in run.trace.of("enter") if e["t_us"] <= first["t_us"]]
    inside = first["where"] == "handler" and enters  # else a scheduled function raised
    who = _handler(run, enters[-1]["source"]) if inside else "a scheduled callback"
    message = f": {first['message']}" if first["message"] else ""
    times = "once" if len(raised) == 1 else f"{len(raised)} times"
    return (
        f"{who} raised {first['type']}{message}{_where(first)}, {times} (first at "
        f"{first['t_us'] / 1e6:.3f} s); each time it stopped there and the rest of it never ran"
    )


def problem(run: Run) -> str | None:
    """What went wrong in `run`, or None if it ran to the end of the scenario or exited with 0."""
    refused = run.trace.of("forbidden")
    if refused:
        return str(refused[0]["what"])
    if run.stopped == "reset":
        masks = run.trace.of("mask")
        where = f", from disable_irq(){_where(masks[-1])}" if masks else ""
        limit_ms = profile(run.board).iwdt_ns // 1_000_000
        return (
            f"the board reset at {run.virtual_s:.3f} s (Interrupt wdt timeout): IRQs were off "
            f"for more than {limit_ms} ms{where}; keep masked sections to a few microseconds"
        )
    tampered = run.trace.of("tamper")
    if tampered:
        return f"{tampered[0]['what']}, so the run was stopped there: nothing after it counts"
    interrupted = _stuck(run)
    if interrupted:
        return interrupted
    crashed_main = run.trace.exceptions("main")
    if crashed_main and crashed_main[-1]["type"] == "EOFError":
        return (
            f"the program stopped{_where(crashed_main[-1])} waiting for typed input (input() "
            "or sys.stdin): nobody types on a board that runs on its own"
        )
    if crashed_main:
        exc = crashed_main[-1]
        message = f": {exc['message']}" if exc["message"] else ""
        return f"the program stopped with {exc['type']}{message}{_where(exc)}"
    raised = handler_exceptions(run)
    if raised:
        return _handler_raised(run, raised)
    if run.stopped == "exit" and run.exit:
        return f"the program called sys.exit({run.exit})"
    if run.stopped == "output" and run.extra.get("flooded") in ("events", "line"):
        what = "events" if run.extra["flooded"] == "events" else "bytes on one line"
        return (
            f"the board sent more {what} than a run may (pin writes or prints in a loop that "
            "never waits?), so it was stopped"
        )
    if run.stopped == "output":
        return (
            f"the program printed more than {MAX_PRINTED:,} characters, so it was stopped "
            "(is a print inside a loop that never waits?)"
        )
    end_us = run.virtual_s * 1_000_000
    stuck = [
        r
        for r in run.trace.handler_runs()
        if r.end_us is None and (run.stopped == "timeout" or end_us - r.start_us >= STUCK_US)
    ]
    if stuck and run.stopped in ("scenario", "timeout"):
        return _never_returned(stuck[0].source, stuck[0].start_us)
    if run.stopped == "timeout":
        return _unresponsive(run)
    if run.stopped == "crash":
        last = run.stderr.strip().splitlines()[-1:] or [f"exit status {run.exit}"]
        return f"MicroPython itself crashed ({last[0]})"
    return None
