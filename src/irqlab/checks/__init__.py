"""What a lab's checks import. A check is a pytest test whose docstring is the sentence the
student reads::

    PRESS = Reply(r"PRESS", name="PRESS")

    @pytest.mark.task(1)
    @requires(test_runs)
    def test_every_press_within_60_ms(bench):
        \"\"\"every press gets its PRESS within 60 ms\"\"\"
        expect_on_time(PRESS.match(bench.run(PRESSES)), 60_000)

- `fail(sentence, expected=, seen=, at_us=, window=, run=)` stops a check: the student's fail,
  with a timing diagram around `at_us`. Only a `Failure` is the student's; any other exception
  (an `assert` too) is an error of the course.
- `requires(check)` runs a check only after `check` passed.
- `Reply(...).match(run)` pairs printed lines with the presses they answer; the `expect_*`
  and `fail_*` helpers phrase the failures every lab repeats, from the facts given once.
- `bench.run(scenario, strict_isr=True)` runs handlers with the heap locked; what a target
  cannot measure is a skip with a reason (irqlab.checks.targets).
"""

from __future__ import annotations

from irqlab.breakdown import breakdown
from irqlab.checks.failure import Failure, fail, required, requires
from irqlab.checks.handlers import (
    expect_irq,
    expect_no_drops,
    expect_quiet_handlers,
    expect_short_handlers,
    expect_short_masking,
    irq_trigger,
)
from irqlab.checks.outputs import expect_steady_toggles
from irqlab.checks.phrases import (
    expect_nothing_before_first,
    expect_on_time,
    expect_one_each,
    expect_silent,
    fail_count,
    fail_late,
    fail_missing,
)
from irqlab.checks.replies import Answer, Replies, Reply, answers, around, end_us
from irqlab.checks.targets import skip_unless_measured, target_of
from irqlab.checks.words import moments, msec, plural, printed, said, sec
from irqlab.runner import Run


def fail_if_broken(run: Run) -> None:
    """Fail with one sentence if the program crashed, hung, or printed without end."""
    trouble = breakdown(run)
    if trouble is not None:
        fail(trouble.sentence, at_us=trouble.at_us, run=run, hint=trouble.hint)


__all__ = [
    "Answer",
    "Failure",
    "Replies",
    "Reply",
    "answers",
    "around",
    "end_us",
    "expect_irq",
    "expect_no_drops",
    "expect_nothing_before_first",
    "expect_on_time",
    "expect_one_each",
    "expect_quiet_handlers",
    "expect_short_handlers",
    "expect_short_masking",
    "expect_silent",
    "expect_steady_toggles",
    "fail",
    "fail_count",
    "fail_if_broken",
    "fail_late",
    "fail_missing",
    "irq_trigger",
    "moments",
    "msec",
    "plural",
    "printed",
    "required",
    "requires",
    "said",
    "sec",
    "skip_unless_measured",
    "target_of",
]
