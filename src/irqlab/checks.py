"""What a lab's checks import: `fail` to explain a failure, `requires` to order checks.

A check is a pytest test whose docstring is the sentence the student reads::

    @pytest.mark.task(1)
    @requires("test_runs")
    def test_one_press_per_press(board):
        \"\"\"each press prints PRESS once, and holding the button prints nothing more\"\"\"
        run = board.run(PRESSES)
        ...
        fail("the press at 1.204 s printed nothing", expected="PRESS", seen="(nothing)",
             at_us=1_204_000, run=run)

A `Failure` becomes a result entry with the sentence, expected vs seen, the task's hint and
a timing diagram around `at_us`; any other exception inside a check is an error in the
check or in irqlab, never the student's fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from irqlab.outcome import problem
from irqlab.runner import Run

F = TypeVar("F", bound=Callable[..., Any])

REQUIRES_ATTR = "_irqlab_requires"


class Failure(Exception):
    """A check found the student's program doing the wrong thing; the message says what."""

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        seen: Any = None,
        at_us: int | None = None,
        window: tuple[int, int] | None = None,
        run: Run | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.seen = seen
        self.at_us = at_us
        self.window = window
        self.run = run
        self.hint = hint


def fail(
    message: str,
    *,
    expected: Any = None,
    seen: Any = None,
    at_us: int | None = None,
    window: tuple[int, int] | None = None,
    run: Run | None = None,
    hint: str | None = None,
) -> None:
    """Stop this check with a sentence for the student.

    `at_us` marks the moment it went wrong, `window` the stretch of the run to draw (default:
    around `at_us`), `run` the run to draw it from; `hint` replaces the task's hint when this
    failure has a more precise one.
    """
    raise Failure(
        message, expected=expected, seen=seen, at_us=at_us, window=window, run=run, hint=hint
    )


def requires(*check_names: str) -> Callable[[F], F]:
    """Run this check only after `check_names` passed; otherwise it is skipped, with a reason."""

    def mark(func: F) -> F:
        setattr(func, REQUIRES_ATTR, (*getattr(func, REQUIRES_ATTR, ()), *check_names))
        return func

    return mark


def fail_if_broken(run: Run) -> None:
    """Fail with one sentence if the program crashed, hung, or printed without end."""
    trouble = problem(run)
    if trouble is None:
        return
    crashes = run.trace.exceptions("main")
    stuck = [r.start_us for r in run.trace.handler_runs() if r.end_us is None]
    if crashes:
        at, hint = crashes[-1]["t_us"], "The line it names is where your program stopped."
    elif stuck:
        at, hint = stuck[0], "A handler must return quickly: no loop inside it that waits."
    else:
        at, hint = run.trace.end_us, "Check your main loop: each pass should wait a little."
    fail(trouble, at_us=at, run=run, hint=hint)
