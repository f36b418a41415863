"""`irqlab check` on the fake course's submissions, one per outcome, against golden files.

Set IRQLAB_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, then read
the diff: it is what a student will see.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from irqlab.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
HANG_TIMEOUT_S = "3"  # wall-clock seconds before the hanging submission counts as hung

# submission -> exit status of `irqlab check 1`
OUTCOMES = {
    "starter": 1,
    "passing": 0,
    "failing": 1,
    "crashing": 1,
    "hanging": 1,
}


def check(course: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", *args, "--course", str(course)])
    out, err = capsys.readouterr()
    return code, out.replace(str(course), "<course>"), err.replace(str(course), "<course>")


def submission_args(name: str) -> list[str]:
    args = [] if name == "starter" else [f"submissions/{name}.py"]
    return [*args, "--timeout", HANG_TIMEOUT_S] if name == "hanging" else args


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("IRQLAB_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path}"


@pytest.mark.parametrize("name", OUTCOMES)
def test_terminal_output_matches_golden(name, fakecourse, capsys):
    code, out, err = check(fakecourse, "1", *submission_args(name), capsys=capsys)
    assert (code, err) == (OUTCOMES[name], "")
    assert_golden(f"{name}.txt", out)


@pytest.mark.parametrize("name", OUTCOMES)
def test_json_output_matches_golden(name, fakecourse, capsys):
    code, out, _ = check(fakecourse, "1", *submission_args(name), "--json", capsys=capsys)
    assert code == OUTCOMES[name]
    data = json.loads(out)
    assert data["status"] == ("pass" if code == 0 else "fail")
    assert_golden(f"{name}.json", out)
