"""What some tests need from the system, beside Python: bubblewrap (the grader's sandbox) and
Chromium (the site's test). Missing on a developer's machine, such a test is skipped with
how to install it; in CI (CI set, as .ci/run runs), where they are installed, it fails."""

from __future__ import annotations

import os

import pytest

INSTALL = {
    "bubblewrap": "apt-get install bubblewrap",
    "Chromium": "apt-get install chromium, or set IRQLAB_CHROMIUM to its path",
}


def need(what: str, trouble: str | None) -> None:
    """Skip (fail in CI) unless `what` works here; `trouble` says why not, None when it does."""
    if trouble is None:
        return
    message = f"needs {what} ({INSTALL[what]}): {trouble}"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it (.ci/run)")
    pytest.skip(message)
