"""Turn one entry of a class's submissions folder into a private folder with a main.py.

An entry is a folder, a single .py file or a .zip; anything else in the submissions folder
(a readme.txt, a dot-file) is skipped and listed. Only .py files are taken; everything is
read without following links, and a zip is refused whole if it holds a path that escapes
it, a link, too many files or too many bytes. A folder or zip holding a whole clone of the
course is graded from its labs/NN-slug/ folder. A refusal is a reason the student can read.
What was read has a digest: the same files give the same digest, so a rerun knows what
changed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
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
ENTRY_SUFFIXES = (".py", ".zip")
MAX_NOTES = 10  # notes kept per submission (a clone ignores hundreds of files)


class Refused(Exception):
    """The submission can't be graded; the message says why, for the student."""


@dataclass
class Submission:
    student: str
    entry: Path
    folder: Path | None = None  # the private copy, None when refused
    refused: str | None = None
    notes: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # what is graded, by path
    digest: str = ""  # of the files (or of the refusal): what a rerun compares


def find_entries(root: Path) -> list[tuple[str, Path]]:
    """(student, entry) for each entry of the submissions folder, sorted by student."""
    named: dict[str, Path] = {}
    for path in sorted(p for p in _listing(root) if not skipped_entry(p)):
        student = path.stem if path.suffix.lower() in ENTRY_SUFFIXES else path.name
        named[student if student not in named else path.name] = path
    return sorted(named.items())


def skipped_entries(root: Path) -> list[tuple[str, str]]:
    """(name, why) for what in the submissions folder is no student's entry."""
    return [(p.name, why) for p in sorted(_listing(root)) if (why := skipped_entry(p))]


def skipped_entry(path: Path) -> str | None:
    """Why `path` is no submission (a dot-file, a readme.txt), or None if it is one."""
    if path.name.startswith("."):
        return "a hidden file"
    if path.is_dir() or path.suffix.lower() in ENTRY_SUFFIXES:
        return None
    return "not a .py file, a .zip or a folder"


def _listing(root: Path) -> list[Path]:
    if not root.is_dir():
        raise IrqlabError(
            f"{root} is not a folder", "give the folder that holds one entry per student"
        )
    return list(root.iterdir())


def upload_entry(folder: Path) -> Path:
    """What to grade in an upload folder (Gradescope's): the folder, or the one .zip in it
    when it holds no .py file."""
    names = [p for p in folder.iterdir() if not _skipped(p.name)]
    zips = [p for p in names if p.suffix.lower() == ".zip" and p.is_file()]
    if len(zips) == 1 and not any(p.suffix == ".py" for p in names):
        return zips[0]
    return folder


def prepare(student: str, entry: Path, dest: Path, slug: str = "") -> Submission:
    """Copy the entry's .py files into `dest` (created) and check them."""
    return write(read(student, entry, slug), dest)


def read(student: str, entry: Path, slug: str = "") -> Submission:
    """The entry's .py files, in memory, rooted where main.py is (a clone: at labs/`slug`/)."""
    sub = Submission(student, entry)
    try:
        files = _in_clone(dict(_collect(entry, sub.notes, slug)), slug, sub.notes)
        sub.files = _with_main(files, sub.notes)
        _check_layout(sub.files)
    except Refused as e:
        sub.refused, sub.files = str(e), {}
    if len(sub.notes) > MAX_NOTES:
        sub.notes[MAX_NOTES - 1 :] = [f"and {len(sub.notes) - MAX_NOTES + 1} more notes like these"]
    sub.digest = digest(sub)
    return sub


def write(sub: Submission, dest: Path) -> Submission:
    """Write what `read` took into `dest` (created), and check each file as a program."""
    if sub.refused is not None:
        return sub
    try:
        dest.mkdir(mode=0o755, parents=True)
        for rel, data in sub.files.items():
            target = dest / rel
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            _write(target, rel, data)
            _check(target, rel)
        sub.folder = dest
    except Refused as e:
        sub.refused = str(e)
    return sub


def digest(sub: Submission) -> str:
    """A hash of what is graded: the files and their paths, or the refusal."""
    h = hashlib.sha256()
    for rel, data in sorted(sub.files.items()):
        h.update(b"%d:%s\0%d:" % (len(rel.encode()), rel.encode(), len(data)) + data)
    if sub.refused is not None:
        h.update(b"refused\0" + sub.refused.encode())
    return h.hexdigest()


def _write(target: Path, rel: str, data: bytes) -> None:
    try:
        with target.open("xb") as f:
            f.write(data)
    except OSError as e:
        if e.errno in (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ):
            raise Refused(f"{rel!r} can't be a file name here; rename it") from None
        raise


def _check_layout(files: dict[str, bytes]) -> None:
    """Refuse a file that is also a folder (a zip may hold both a.py and a.py/b.py)."""
    folders = {"/".join(rel.split("/")[:i]) for rel in files for i in range(1, rel.count("/") + 1)}
    clash = sorted(folders & files.keys())
    if clash:
        raise Refused(f"{clash[0]} is both a file and a folder in the submission; keep one")


def _in_clone(files: dict[str, bytes], slug: str, notes: list[str]) -> dict[str, bytes]:
    """The files of labs/`slug`/ when the entry is a whole clone of the course, else all."""
    root = _clone_root(files, slug)
    if root is None:
        return files
    notes.append(f"graded {root}main.py, from a clone of the course")
    return {rel[len(root) :]: data for rel, data in files.items() if rel.startswith(root)}


def _clone_root(rels: Iterable[str], slug: str) -> str | None:
    """The folder of a clone's labs/`slug`/main.py ("x/labs/01-polling/"), or None when the
    entry is no clone; refused when it is a clone without that lab's program."""
    if not slug:
        return None
    mains = [r for r in rels if re.search(r"(^|/)labs/[^/]+/main\.py$", r)]
    ours = [rel[: -len("main.py")] for rel in mains if rel.endswith(f"labs/{slug}/main.py")]
    ours = [r for r in ours if r == f"labs/{slug}/" or r.endswith(f"/labs/{slug}/")]
    if mains and not ours:
        raise Refused(f"the clone has no labs/{slug}/main.py: the program for this lab")
    return min(ours, key=len) if ours else None


def _in_root(rel: str, root: str | None) -> bool:
    return root is None or rel.startswith(root)


def _check(path: Path, rel: str) -> None:
    try:
        check_source(path)
    except IrqlabError as e:
        raise Refused(f"{rel}: {e.problem} ({e.fix})" if e.fix else f"{rel}: {e.problem}") from None


def _collect(entry: Path, notes: list[str], slug: str = "") -> Iterator[tuple[str, bytes]]:
    """The entry's .py files; of a clone, only those of labs/`slug`/ are read."""
    info = entry.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise Refused(f"{entry.name} is a symbolic link; submit the files themselves")
    if stat.S_ISDIR(info.st_mode):
        yield from _from_folder(entry, notes, slug)
    elif entry.suffix.lower() == ".zip":
        yield from _from_zip(entry, notes, slug)
    elif entry.suffix.lower() == ".py":
        _check_size(entry.name, info.st_size)
        yield "main.py", entry.read_bytes()
    else:
        raise Refused(f"{entry.name} is not a .py file, a .zip or a folder")


def _from_folder(root: Path, notes: list[str], slug: str = "") -> Iterator[tuple[str, bytes]]:
    found: list[tuple[str, Path]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        found += [(Path(folder, n).relative_to(root).as_posix(), Path(folder, n)) for n in names]
    lab = _clone_root((rel for rel, _ in found), slug)
    total = 0
    for rel, path in sorted(found):
        if _skipped(path.name) or not _in_root(rel, lab):
            continue
        info = path.lstat()
        if not path.name.endswith(".py"):
            notes.append(f"ignored {rel}: only .py files are graded")
        elif not stat.S_ISREG(info.st_mode):
            notes.append(f"ignored {rel}: not a regular file (a link?)")
        else:
            _check_size(rel, info.st_size)
            total = _count(total, info.st_size)
            yield rel, path.read_bytes()


def _from_zip(path: Path, notes: list[str], slug: str = "") -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise Refused(f"{path.name} is not a readable zip file ({e})") from None
    with archive:
        infos = archive.infolist()
        _check_zip(infos)
        lab = _clone_root((i.filename for i in infos), slug)
        wanted = []
        for info in infos:
            if info.is_dir() or any(_skipped(p) for p in PurePosixPath(info.filename).parts):
                continue
            if not _in_root(info.filename, lab):
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
    """Refuse the zip whole for an unsafe entry; count only what would be read (a clone's
    .git/ and .venv/ are not)."""
    expanded = 0
    counted = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise Refused(f"the zip holds an unsafe path {name!r}: paths must stay inside it")
        if any(_skipped(p) for p in parts):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Refused(f"the zip holds a symbolic link {name!r}; zip the files themselves")
        counted += 1
        if counted > MAX_ENTRIES:
            raise Refused(f"the zip holds more than {MAX_ENTRIES} entries; no more are read")
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
