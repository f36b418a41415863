"""Turn one entry of a class's submissions folder into a private folder with a main.py.

An entry is a folder, a single .py file or a .zip. Only .py files are taken; everything is
read without following links, and a zip is refused whole if it holds a path that escapes
it, a link, too many files or too many bytes. A refusal is a reason the student can read.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from irqlab.errors import IrqlabError
from irqlab.program import check_source

MAX_FILE = 1 << 20  # one source file
MAX_TOTAL = 5 << 20  # all .py files of a submission together
MAX_FILES = 100  # .py files in a submission
MAX_ENTRIES = 2000  # entries in a zip, of any kind
MAX_EXPANDED = 100 << 20  # what a zip's entries claim to expand to, all together
SKIPPED = ("__MACOSX", "__pycache__")


class Refused(Exception):
    """The submission can't be graded; the message says why, for the student."""


@dataclass
class Submission:
    student: str
    entry: Path
    folder: Path | None = None  # the private copy, None when refused
    refused: str | None = None
    notes: list[str] = field(default_factory=list)


def find_entries(root: Path) -> list[tuple[str, Path]]:
    """(student, entry) for each entry of the submissions folder, sorted by student."""
    if not root.is_dir():
        raise IrqlabError(
            f"{root} is not a folder", "give the folder that holds one entry per student"
        )
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    named: dict[str, Path] = {}
    for path in entries:
        student = path.stem if path.suffix.lower() in (".py", ".zip") else path.name
        named[student if student not in named else path.name] = path
    return sorted(named.items())


def upload_entry(folder: Path) -> Path:
    """What to grade in an upload folder (Gradescope's): the folder, or the one .zip in it
    when it holds no .py file."""
    names = [p for p in folder.iterdir() if not _skipped(p.name)]
    zips = [p for p in names if p.suffix.lower() == ".zip" and p.is_file()]
    if len(zips) == 1 and not any(p.suffix == ".py" for p in names):
        return zips[0]
    return folder


def prepare(student: str, entry: Path, dest: Path) -> Submission:
    """Copy the entry's .py files into `dest` (created) and check them."""
    sub = Submission(student, entry)
    try:
        files = dict(_collect(entry, sub.notes))
        files = _with_main(files, sub.notes)
        dest.mkdir(mode=0o755, parents=True)
        for rel, data in files.items():
            target = dest / rel
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            target.write_bytes(data)
            _check(target, rel)
        sub.folder = dest
    except Refused as e:
        sub.refused = str(e)
    return sub


def _check(path: Path, rel: str) -> None:
    try:
        check_source(path)
    except IrqlabError as e:
        raise Refused(f"{rel}: {e.problem} ({e.fix})" if e.fix else f"{rel}: {e.problem}") from None


def _collect(entry: Path, notes: list[str]) -> Iterator[tuple[str, bytes]]:
    info = entry.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise Refused(f"{entry.name} is a symbolic link; submit the files themselves")
    if stat.S_ISDIR(info.st_mode):
        yield from _from_folder(entry, notes)
    elif entry.suffix.lower() == ".zip":
        yield from _from_zip(entry, notes)
    elif entry.suffix.lower() == ".py":
        _check_size(entry.name, info.st_size)
        yield "main.py", entry.read_bytes()
    else:
        raise Refused(f"{entry.name} is not a .py file, a .zip or a folder")


def _from_folder(root: Path, notes: list[str]) -> Iterator[tuple[str, bytes]]:
    total = 0
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(n for n in names if not _skipped(n)):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if not name.endswith(".py"):
                notes.append(f"ignored {rel}: only .py files are graded")
            elif not stat.S_ISREG(info.st_mode):
                notes.append(f"ignored {rel}: not a regular file (a link?)")
            else:
                _check_size(rel, info.st_size)
                total = _count(total, info.st_size)
                yield rel, path.read_bytes()


def _from_zip(path: Path, notes: list[str]) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise Refused(f"{path.name} is not a readable zip file ({e})") from None
    with archive:
        infos = archive.infolist()
        _check_zip(infos)
        wanted = []
        for info in infos:
            if info.is_dir() or any(_skipped(p) for p in PurePosixPath(info.filename).parts):
                continue
            if info.filename.endswith(".py"):
                wanted.append(info)
            else:
                notes.append(f"ignored {info.filename}: only .py files are graded")
        total = 0
        for info in wanted:
            data = _read_capped(archive, info)
            total = _count(total, len(data))
            yield info.filename, data


def _check_zip(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise Refused(f"the zip holds {len(infos)} entries; at most {MAX_ENTRIES} are read")
    expanded = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise Refused(f"the zip holds an unsafe path {name!r}: paths must stay inside it")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Refused(f"the zip holds a symbolic link {name!r}; zip the files themselves")
        expanded += info.file_size
        if expanded > MAX_EXPANDED:
            raise Refused(f"the zip expands to more than {_mb(MAX_EXPANDED)}; is it a zip bomb?")


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, stopping at the cap whatever its header claims."""
    _check_size(info.filename, info.file_size)
    try:
        with archive.open(info) as f:
            data = f.read(MAX_FILE + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError) as e:
        raise Refused(f"{info.filename} could not be read from the zip ({e})") from None
    _check_size(info.filename, len(data))
    return data


def _check_size(name: str, size: int) -> None:
    if size > MAX_FILE:
        raise Refused(f"{name} is {_mb(size)}; a source file may be at most {_mb(MAX_FILE)}")


def _count(total: int, size: int) -> int:
    total += size
    if total > MAX_TOTAL:
        raise Refused(f"the .py files add up to more than {_mb(MAX_TOTAL)}")
    return total


def _with_main(files: dict[str, bytes], notes: list[str]) -> dict[str, bytes]:
    """The files rooted where main.py is: unwrap one top folder, or name a lone file main.py."""
    if len(files) > MAX_FILES:
        raise Refused(f"the submission has {len(files)} .py files; at most {MAX_FILES} are read")
    tops = {rel.split("/", 1)[0] for rel in files}
    if "main.py" not in files and len(tops) == 1 and all("/" in rel for rel in files):
        (top,) = tops
        files = {rel.split("/", 1)[1]: data for rel, data in files.items()}
        notes.append(f"used the files inside the folder {top}/")
    if "main.py" in files:
        return files
    top_level = sorted(rel for rel in files if "/" not in rel)
    if len(top_level) == 1:
        notes.append(f"graded {top_level[0]} as main.py")
        return {("main.py" if rel == top_level[0] else rel): d for rel, d in files.items()}
    if not files:
        raise Refused("the submission has no .py file to grade" + _ignored(notes))
    raise Refused(
        f"no main.py among {', '.join(top_level or sorted(files))}: name the program main.py"
    )


def _ignored(notes: list[str]) -> str:
    return f" ({len(notes)} other file(s) ignored)" if notes else ""


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"
