"""Shared by irqlab's own tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from irqlab.progress import OFF

# The fake course's checks are run by the tests, through the plugin; never collected directly.
collect_ignore = ["fixtures"]

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).parent / "fixtures"

# irqlab's own tests never record progress in the course they run in (a student's clone);
# the fake course's fixture turns it back on in its own copy.
os.environ[OFF] = "1"


@pytest.fixture
def fakecourse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the fake course, as the current folder, with no progress recorded."""
    root = tmp_path / "fakecourse"
    shutil.copytree(FIXTURES / "fakecourse", root, ignore=shutil.ignore_patterns(".irqlab"))
    monkeypatch.chdir(root)
    monkeypatch.delenv("IRQLAB_COURSE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv(OFF, raising=False)
    return root


BROKEN_BWRAP = """#!/bin/sh
echo "bwrap: No permissions to creating new namespace, likely because the kernel does not \
allow non-privileged user namespaces." >&2
exit 1
"""


@pytest.fixture
def broken_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A bubblewrap that cannot start, first on PATH: as in a container without user
    namespaces."""
    from irqlab import sandbox

    bin_dir = tmp_path / "broken-bin"
    bin_dir.mkdir()
    fake = bin_dir / "bwrap"
    fake.write_text(BROKEN_BWRAP)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    caches = (sandbox.bwrap_trouble, sandbox._bwrap_help)
    for cache in caches:
        cache.cache_clear()
    try:
        yield
    finally:
        for cache in caches:
            cache.cache_clear()
