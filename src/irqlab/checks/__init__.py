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
    expect_no_allocation,
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

ENDED_HINT = (
    "Keep the program in a loop that never ends (while True: ..., or asyncio.run() of a task "
    "that never returns): a board's program runs until the board is switched off."
)


def fail_if_broken(run: Run, noun: str = "press", *, to_the_end: bool = True) -> None:
    """Fail with one sentence if the program crashed, hung, printed without end, or ended
    before the scenario did (`noun`: what the scenario's episodes are, for that sentence;
    to_the_end=False leaves an early end to a check of its own)."""
    trouble = breakdown(run)
    if trouble is not None:
        fail(trouble.sentence, at_us=trouble.at_us, run=run, hint=trouble.hint)
    ended_us = round(run.virtual_s * 1_000_000)
    if to_the_end and run.stopped == "exit" and ended_us < run.scenario.duration_us:
        after = [e.start_us for e in run.compiled.episodes if e.start_us >= ended_us]
        fail(
            f"your program ended at {sec(ended_us)}, {_still_to_come(run, ended_us, noun)}",
            expected=f"running until {sec(run.scenario.duration_us)}, the scenario's end",
            seen=f"ended at {sec(ended_us)}",
            at_us=ended_us,
            window=around(
                ended_us, run, 100_000, min(after, default=ended_us) - ended_us + 400_000
            ),
            run=run,
            hint=ENDED_HINT,
        )


def _still_to_come(run: Run, ended_us: int, noun: str) -> str:
    """'before the first press (at 0.637 s)', or how many came after the end."""
    episodes = sorted(run.compiled.episodes, key=lambda e: e.start_us)
    after = [e for e in episodes if e.start_us >= ended_us]
    if after and after[0] is episodes[0]:
        return f"before the first {noun} (at {sec(after[0].start_us)})"
    if after:
        return f"with {plural(len(after), noun)} still to come"
    return f"before the scenario's end at {sec(run.scenario.duration_us)}"


__all__ = [
    "Answer",
    "Failure",
    "Replies",
    "Reply",
    "answers",
    "around",
    "end_us",
    "expect_irq",
    "expect_no_allocation",
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
