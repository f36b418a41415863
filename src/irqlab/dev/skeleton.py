"""The files of a new lab, as `irqlab dev new` writes them: each runs and each says, with a
TODO(author) mark, what its author still has to write (irqlab dev check lists every mark)."""

from __future__ import annotations

import json

from irqlab.dev.placeholders import MARK


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def index_entry(number: int, slug: str, title: str) -> str:
    return f"""
[[lab]]
number = {number}
slug = {toml_string(slug)}
title = {toml_string(title)}
summary = "{MARK}: one sentence: what the student learns"
world = "{MARK}: what is wired to the board, as the student would see it"
tasks = [
    "{MARK}: task 1, the sentence its checks judge",
]

[lab.hints]
"1" = ["{MARK}: the first hint for task 1", "{MARK}: the second, nearer the answer"]
"""


def starter(number: int, title: str) -> str:
    return f"""# Lab {number}, {title}. {MARK}: the program the student starts from.
import time

from machine import Pin

led = Pin(2, Pin.OUT)
button = Pin(5, Pin.IN, Pin.PULL_UP)

while True:
    # TODO (task 1): the student's work goes here
    time.sleep_ms(100)
"""


def checks(number: int, title: str) -> str:
    return f'''"""Lab {number}, {title}: the checks, and the figures of the lab's page.

{MARK}: each scenario in a sentence.
"""

from __future__ import annotations

import pytest

from irqlab.checks import fail, fail_if_broken, requires
from irqlab.scenario import Button, Led, Press, Scenario

PRESSES = Scenario(
    name="lab {number}: two presses",
    world=(Button(pin=5), Led(pin=2)),
    timeline=(Press(at=0.5, hold=0.2), Press(at=1.5, hold=0.2)),
    seconds=3,
)
DEMO = PRESSES


@pytest.mark.task(1)
def test_runs(bench):
    """the program runs without an error"""
    fail_if_broken(bench.run(PRESSES))


@pytest.mark.task(1)
@requires(test_runs)
def test_task_1(bench):
    """{MARK}: the sentence the student reads"""
    fail("{MARK}: write this check", run=bench.run(PRESSES))


# {MARK}: the page's figures, each drawn from a run (see irqlab.pagefigures)
FIGURES: dict[str, object] = {{}}
'''


def page(title: str) -> str:
    return f"""# {title}

{MARK}: the idea, then the wrong way first (marked `# BUG`) and what it does on the board.

## Task 1

{MARK}: the task as the student reads it, and what its checks look for.

## On a real board

{MARK}: the wiring, and what differs from the simulated board.
"""


def _code(source: str) -> dict[str, object]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source,
    }


def notebook(title: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}: {MARK}: a title"]},
        _code(
            "%load_ext irqlab.notebook\nimport matplotlib.pyplot as plt\n\n"
            "from irqlab.notebook import run_program"
        ),
        _code(f"%%micropython program\n# {MARK}: the MicroPython program under test"),
        _code(
            f"# {MARK}: an experiment on the simulated board that plots what it finds:\n"
            "# run_program(program, scenario) runs it; label every line you plot"
        ),
    ]
    book = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(book, indent=1, ensure_ascii=False) + "\n"
