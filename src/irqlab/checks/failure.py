"""A check's verdict on the student's program: `fail` says what went wrong, `requires` makes a
check wait for another.

Only a `Failure` is the student's fail. Any other exception in a check (an `assert`
included) is an error of the course, shown as such and never counted against the student.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

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
) -> NoReturn:
    """Stop this check with a sentence for the student.

    `at_us` marks the moment it went wrong, `window` the stretch of the run to draw (default:
    around `at_us`), `run` the run to draw it from; `hint` replaces the task's hint when this
    failure has a more precise one.
    """
    raise Failure(
        message, expected=expected, seen=seen, at_us=at_us, window=window, run=run, hint=hint
    )


def requires(*checks: Callable[..., Any]) -> Callable[[F], F]:
    """Run this check only after `checks` passed (the check functions themselves, so a typo
    fails when the module is imported); otherwise it is skipped, naming the one it waits for."""
    for check in checks:
        name = getattr(check, "__name__", "")
        if isinstance(check, str) or not callable(check) or not name.startswith("test_"):
            raise TypeError(f"@requires takes a check function (test_...), not {check!r}")

    def mark(func: F) -> F:
        names = tuple(c.__name__ for c in checks)
        setattr(func, REQUIRES_ATTR, (*required(func), *names))
        return func

    return mark


def required(func: object) -> tuple[str, ...]:
    """The names of the checks `func` waits for."""
    names: tuple[str, ...] = getattr(func, REQUIRES_ATTR, ())
    return names
