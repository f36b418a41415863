"""The code base stays ruff-clean: lint and format, as configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_finds_nothing_to_lint() -> None:
    result = _ruff("check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-3000:]


def test_ruff_finds_nothing_to_reformat() -> None:
    result = _ruff("format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-3000:]
