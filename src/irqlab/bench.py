"""The bench a check runs the student's program on: the program, a target (the simulated
board, or a real one through --port) and a cache of runs. Checks get it as the `bench`
fixture: `bench.run(scenario) -> Run`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqlab.checks.targets import skip_unless_measured
from irqlab.program import Program
from irqlab.runner import Run, run
from irqlab.scenario import Scenario

if TYPE_CHECKING:
    from irqlab.race import Exploration

SERIAL_MODULE = "irqlab.serial.target"


@dataclass
class Bench:
    program: Program
    board: str = "esp32"  # the board's profile: esp32 or esp8266
    port: str | None = None  # a real board's serial port; None: the simulated board
    timeout_s: float | None = None
    runs: dict[tuple[str, ...], Run] = field(default_factory=dict)

    @staticmethod
    def target_name(board: str, port: str | None) -> str:
        """'sim:esp32', or 'serial:PORT' for a real board."""
        return f"serial:{port}" if port else f"sim:{board}"

    @property
    def target(self) -> str:
        return self.target_name(self.board, self.port)

    def run(self, scenario: Scenario, *, strict_isr: bool = False) -> Run:
        """Run the program under `scenario`, once per session for each scenario.

        strict_isr: handlers run with the heap locked, so an allocation in one stops the run
        at its line (skipped on a real board, which has no such lock)."""
        if strict_isr:
            skip_unless_measured(self.target, "strict_isr")
        key = (str(self.program.path), self.target, repr(scenario), str(strict_isr))
        if key not in self.runs:
            self.runs[key] = self._run(scenario, strict_isr)
        return self.runs[key]

    def explore_races(
        self,
        scenario: Scenario,
        oracle: Callable[[Run], str | None] | None = None,
        **options: Any,
    ) -> Exploration:
        """Where one interrupt, placed at each pending check in turn, makes the program fail
        under `scenario` (irqlab.race; `oracle` says what failing is, by default raising).
        Skipped on a real board, which cannot be run again that many ways."""
        skip_unless_measured(self.target, "races")
        from irqlab import race

        if oracle is not None:
            options["oracle"] = oracle
        return race.explore(self.program, scenario, board=self.board, **options)

    def _run(self, scenario: Scenario, strict_isr: bool) -> Run:
        if self.port:
            target = importlib.import_module(SERIAL_MODULE)
            found: Run = target.run(self.program, scenario, self.board, self.port)
            return found
        return run(
            self.program,
            scenario,
            board=self.board,
            timeout_s=self.timeout_s,
            strict_isr=strict_isr,
        )
