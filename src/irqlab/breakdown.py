"""How a run broke down (crashed, hung, stuck in a handler, refused...), as data: the one
classification that `irqlab run`, `irqlab check` and the checks share.

    trouble = breakdown(run)   # None: it ran to the end of the scenario, or exited with 0
    trouble.kind, trouble.at_us, trouble.line, trouble.sentence, trouble.hint

The sentence is irqlab.outcome's; this module adds what kind of trouble it is, when and where.
"""

from __future__ import annotations

from dataclasses import dataclass

from irqlab.outcome import handler_exceptions, problem
from irqlab.runner import Run
from irqlab.trace import Event

HINTS = {
    "refused": "Take out what the message names: a graded program may not use it.",
    "reset": "Keep disable_irq() ... enable_irq() to a few lines, with no loop or wait inside.",
    "tampered": "Use machine and time as a board has them: the simulator is not yours to change.",
    "crashed": "The line it names is where your program stopped.",
    "no-input": "Take out input(): read the board's pins instead; what it prints is its answer.",
    "handler-raised": "Fix the line it names: a handler that raises stops there every time.",
    "handler-global": (
        "A variable the handler assigns is local to it unless the handler declares it with "
        "`global name` before it uses it."
    ),
    "exited": "Let the program run until the scenario ends: no sys.exit().",
    "flooded": "Check your main loop: each pass should wait a little.",
    "stuck": "A handler must return quickly: no loop inside it that waits.",
    "hung": "Check your main loop: each pass should wait a little.",
    "vm-crashed": "MicroPython itself failed: try again, and report it if it happens every time.",
}


@dataclass(frozen=True)
class Breakdown:
    """What went wrong in a run: its kind (a key of HINTS), when, at which line, the
    sentence for the student and a hint."""

    kind: str
    at_us: int
    line: int | None
    sentence: str
    hint: str


def breakdown(run: Run) -> Breakdown | None:
    """How `run` broke down, or None if it did not."""
    sentence = problem(run)
    if sentence is None:
        return None
    kind, at, where = _evidence(run)
    line = where.get("line") if where else None
    return Breakdown(kind, at, line, sentence, HINTS.get(kind, HINTS["hung"]))


def _evidence(run: Run) -> tuple[str, int, Event | None]:
    """The kind of trouble, when it began, and the event that says where (in the order
    irqlab.outcome looks)."""
    t = run.trace

    def at(event: Event | None) -> int:
        return event["t_us"] if event else t.end_us

    if t.of("forbidden"):
        return "refused", at(t.of("forbidden")[0]), None
    if run.stopped == "reset":
        masks = t.of("mask")
        return "reset", at(masks[-1] if masks else None), masks[-1] if masks else None
    if t.of("tamper"):
        return "tampered", at(t.of("tamper")[0]), None
    hit = next((e for e in t.exceptions() if e["type"] == "KeyboardInterrupt"), None)
    if run.stopped == "timeout" and hit and hit["where"] in ("handler", "callback"):
        entered = [e for e in t.of("enter") if e["t_us"] <= hit["t_us"]]
        return "stuck", at(entered[-1] if entered else hit), hit
    if run.stopped == "timeout" and hit:
        return "hung", at(hit), hit
    if t.exceptions("main") and t.exceptions("main")[-1]["type"] == "EOFError":
        return "no-input", at(t.exceptions("main")[-1]), t.exceptions("main")[-1]
    if t.exceptions("main"):
        return "crashed", at(t.exceptions("main")[-1]), t.exceptions("main")[-1]
    raised = handler_exceptions(run)
    if raised:  # a NameError there is, nearly always, a `global` left out
        kind = "handler-global" if raised[0].get("type") == "NameError" else "handler-raised"
        return kind, at(raised[0]), raised[0]
    if run.stopped in ("exit", "output"):
        return ("exited" if run.stopped == "exit" else "flooded"), t.end_us, None
    open_runs = [r for r in t.handler_runs() if r.end_us is None]
    if open_runs:
        return "stuck", open_runs[0].start_us, None
    return ("vm-crashed" if run.stopped == "crash" else "hung"), t.end_us, None
