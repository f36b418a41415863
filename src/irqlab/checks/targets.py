"""What each target can measure. A check about something its target cannot see is skipped
with the reason, never passed without looking."""

from __future__ import annotations

import pytest

from irqlab.runner import Run

# What only the simulated board can measure, and why a real one cannot.
SIM_ONLY = {
    "drops": "a real board does not report the IRQs its scheduler queue drops",
    "strict_isr": "a real board runs handlers without irqlab's heap lock",
    "races": "a real board cannot be run again with an interrupt at each pending check",
    "waits": "a real board does not report when asyncio's loop waits in select.poll",
    "buttons": "irqlab cannot press a real board's BOOT button (GPIO0): only jumpers drive pins",
}
SIM_ONLY_SKIP = "this check runs on the simulated board only"  # ends every such skip's reason


def target_of(run: Run) -> str:
    """'sim:esp32', or 'serial:PORT' for a run on a real board."""
    return str(run.extra.get("target") or f"sim:{run.board}")


def skip_unless_measured(target: str, what: str) -> None:
    """Skip this check, saying why, when `target` cannot measure `what`."""
    if what in SIM_ONLY and not target.startswith("sim:"):
        pytest.skip(f"{SIM_ONLY[what]}: {SIM_ONLY_SKIP}")
