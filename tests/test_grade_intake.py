"""Turning a class's entries into private folders: what is taken, and what is refused and why."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from irqlab.grade.intake import (
    MAX_EXPANDED,
    find_entries,
    prepare,
    read,
    skipped_entries,
    upload_entry,
)

HELLO = b"print('HELLO')\n"


def _zip(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return path


def _prepare(entry: Path, tmp_path: Path):
    return prepare(entry.stem, entry, tmp_path / "out" / entry.name)


def test_entries_are_named_after_the_student(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "bob.py").write_bytes(HELLO)
    _zip(tmp_path / "carol.zip", {"main.py": HELLO})
    (tmp_path / ".DS_Store").write_bytes(b"x")
    assert [s for s, _ in find_entries(tmp_path)] == ["alice", "bob", "carol"]


def test_a_single_file_becomes_main_py(tmp_path: Path) -> None:
    (tmp_path / "bob.py").write_bytes(HELLO)
    sub = _prepare(tmp_path / "bob.py", tmp_path)
    assert sub.refused is None and sub.folder is not None
    assert (sub.folder / "main.py").read_bytes() == HELLO


def test_a_folder_keeps_only_its_py_files_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "main.py").write_bytes(HELLO)
    (folder / "util.py").write_bytes(b"X = 1\n")
    (folder / "notes.txt").write_text("hi")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8")
    sub = _prepare(folder, tmp_path)
    assert sub.folder is not None
    assert sorted(p.name for p in sub.folder.iterdir()) == ["main.py", "util.py"]
    assert any("notes.txt" in n for n in sub.notes) and any("photo.jpg" in n for n in sub.notes)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dan").mkdir()
    sub = _prepare(tmp_path / "dan", tmp_path)
    assert sub.refused == "the submission has no .py file to grade"


def test_only_other_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "eve"
    folder.mkdir()
    (folder / "report.docx").write_bytes(b"PK")
    sub = _prepare(folder, tmp_path)
    assert sub.refused is not None and "no .py file" in sub.refused
    assert any("report.docx" in n for n in sub.notes)


def test_a_link_in_a_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "solution.py"
    secret.write_bytes(b"SECRET = 1\n")
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "main.py").write_bytes(HELLO)
    os.symlink(secret, folder / "stolen.py")
    sub = _prepare(folder, tmp_path)
    assert sub.folder is not None and not (sub.folder / "stolen.py").exists()
    assert any("stolen.py" in n for n in sub.notes)


def test_a_zip_of_a_folder_is_unwrapped(tmp_path: Path) -> None:
    entry = _zip(tmp_path / "carol.zip", {"carol/main.py": HELLO, "carol/lib.py": b"A = 1\n"})
    sub = _prepare(entry, tmp_path)
    assert sub.folder is not None and (sub.folder / "main.py").read_bytes() == HELLO


@pytest.mark.parametrize("bad", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "..\\evil.py"])
def test_a_zip_with_an_escaping_path_is_refused(tmp_path: Path, bad: str) -> None:
    entry = _zip(tmp_path / "mallory.zip", {"main.py": HELLO, bad: b"x = 1\n"})
    sub = _prepare(entry, tmp_path)
    assert sub.refused is not None and "unsafe path" in sub.refused
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "out").exists()


def test_a_zip_with_a_link_is_refused(tmp_path: Path) -> None:
    entry = _zip(tmp_path / "mallory.zip", {"main.py": HELLO}, links={"x.py": "/etc/passwd"})
    sub = _prepare(entry, tmp_path)
    assert sub.refused is not None and "symbolic link" in sub.refused


def test_a_zip_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    entry = tmp_path / "bomb.zip"
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(entry, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(MAX_EXPANDED // len(chunk) + 2):
            z.writestr(f"junk{i}.bin", chunk)
        z.writestr("main.py", HELLO)
    assert entry.stat().st_size < 2 << 20  # small on disk, huge expanded
    sub = _prepare(entry, tmp_path)
    assert sub.refused is not None and "zip bomb" in sub.refused


def test_a_zip_whose_header_lies_about_size_is_cut_off(tmp_path: Path) -> None:
    entry = _zip(tmp_path / "liar.zip", {"main.py": b"#" * (3 << 20)})
    data = bytearray(entry.read_bytes())
    # rewrite the central directory's uncompressed size to 10 bytes
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    entry.write_bytes(bytes(data))
    sub = _prepare(entry, tmp_path)
    assert sub.refused is not None


def test_a_50_mb_file_is_refused_with_its_size(tmp_path: Path) -> None:
    folder = tmp_path / "frank"
    folder.mkdir()
    with (folder / "main.py").open("wb") as f:
        f.truncate(50 << 20)
    sub = _prepare(folder, tmp_path)
    assert sub.refused == "main.py is 50.0 MB; a source file may be at most 1.0 MB"


def test_non_utf8_source_is_refused_with_the_byte(tmp_path: Path) -> None:
    (tmp_path / "gina.py").write_bytes(b"print('caf\xe9')\n")
    sub = _prepare(tmp_path / "gina.py", tmp_path)
    assert sub.refused is not None and "not UTF-8" in sub.refused and "0xe9" in sub.refused


def test_a_broken_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "hal.zip").write_bytes(b"this is not a zip")
    sub = _prepare(tmp_path / "hal.zip", tmp_path)
    assert sub.refused is not None and "not a readable zip" in sub.refused


def test_several_files_without_main_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ivan"
    folder.mkdir()
    (folder / "a.py").write_bytes(HELLO)
    (folder / "b.py").write_bytes(HELLO)
    sub = _prepare(folder, tmp_path)
    assert sub.refused == "no main.py among a.py, b.py: name the program main.py"


def test_a_lone_file_with_another_name_is_graded_as_main(tmp_path: Path) -> None:
    folder = tmp_path / "judy"
    folder.mkdir()
    (folder / "lab1.py").write_bytes(HELLO)
    sub = _prepare(folder, tmp_path)
    assert sub.folder is not None and (sub.folder / "main.py").read_bytes() == HELLO
    assert "graded lab1.py as main.py" in sub.notes


def test_an_upload_of_one_zip_is_graded_from_the_zip(tmp_path: Path) -> None:
    upload = tmp_path / "submission"
    upload.mkdir()
    assert upload_entry(upload) == upload
    _zip(upload / "lab.zip", {"main.py": HELLO})
    assert upload_entry(upload) == upload / "lab.zip"
    (upload / "main.py").write_bytes(HELLO)
    assert upload_entry(upload) == upload


def test_a_whole_clone_is_graded_from_its_lab_folder_alone(tmp_path: Path) -> None:
    clone = tmp_path / "ada"
    (clone / "labs" / "01-polling").mkdir(parents=True)
    (clone / "labs" / "01-polling" / "main.py").write_bytes(HELLO)
    (clone / "labs" / "01-polling" / "helper.py").write_bytes(b"X = 1\n")
    (clone / "labs" / "02-irq-flag").mkdir()
    (clone / "labs" / "02-irq-flag" / "main.py").write_bytes(b"print('other lab')\n")
    venv = clone / "venv" / "lib"  # more .py files than a submission may hold
    venv.mkdir(parents=True)
    for i in range(150):
        (venv / f"m{i}.py").write_bytes(b"#" * 50_000 + b"\n")
    sub = prepare("ada", clone, tmp_path / "out", "01-polling")
    assert sub.refused is None and sub.folder is not None
    assert sorted(p.name for p in sub.folder.iterdir()) == ["helper.py", "main.py"]
    assert sub.notes == ["graded labs/01-polling/main.py, from a clone of the course"]
    other = prepare("ada", clone, tmp_path / "out2", "03-debounce")
    assert other.refused == "the clone has no labs/03-debounce/main.py: the program for this lab"


def test_a_file_that_is_also_a_folder_is_refused_without_a_path(tmp_path: Path) -> None:
    entry = _zip(tmp_path / "eve.zip", {"main.py": HELLO, "a.py": b"", "a.py/b.py": b""})
    sub = _prepare(entry, tmp_path)
    assert sub.refused == "a.py is both a file and a folder in the submission; keep one"


def test_the_digest_follows_the_files_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "bob.py").write_bytes(HELLO)
    first = read("bob", tmp_path / "bob.py").digest
    os.utime(tmp_path / "bob.py", (0, 0))
    assert read("bob", tmp_path / "bob.py").digest == first  # touched, not changed
    (tmp_path / "bob.py").write_bytes(HELLO + b"# late fix\n")
    assert read("bob", tmp_path / "bob.py").digest != first


def test_what_is_no_submission_is_listed_as_skipped(tmp_path: Path) -> None:
    (tmp_path / "bob.py").write_bytes(HELLO)
    (tmp_path / "readme.txt").write_text("hi")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    assert [s for s, _ in find_entries(tmp_path)] == ["bob"]
    assert skipped_entries(tmp_path) == [
        (".DS_Store", "a hidden file"),
        ("readme.txt", "not a .py file, a .zip or a folder"),
    ]
