"""A LabResult as the one JSON object `irqlab check --json` prints."""

from __future__ import annotations

import json

from irqlab.results import LabResult


def render(result: LabResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)
