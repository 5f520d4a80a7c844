"""Which folders a build may replace (output_rule): only its own outputs, a new folder or an empty one.

Every folder a test points --out at is made inside pytest's tmp_path; the refusals of `/`, the home
folder and the generator's own folder are checked on the library function, which only reads.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bulletin.layout import STAMP
from bulletin.output import OutputFolder, OutputProblem
from bulletin.output_rule import check_output_folder, read_stamp
from conftest import IN_CI, ROOT, run_cli, write_site


def everything(folder: Path) -> dict[str, str | None]:
    """Every entry under folder, hidden ones included: path -> SHA-256 of a file's bytes, a link's
    target, or None for a folder."""
    found: dict[str, str | None] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[relative] = "-> " + os.readlink(path)
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[relative] = None
    return found


def users_folder(folder: Path) -> Path:
    """A folder as a user keeps one: nested files, hidden files, a git repository."""
    write_site(folder, {
        "报告.docx": b"PK\x03\x04 a user's document",
        "notes.txt": "my notes\n",
        ".bashrc": "export PATH=~/bin:$PATH\n",
        "photos/2021/img.jpg": b"\xff\xd8\xff\xe0 jpeg",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".git/config": "[core]\n",
        "index.html": "<p>my own page</p>\n",  # a name a build would write
    })
    os.symlink("notes.txt", folder / "link-to-notes")
    return folder


def assert_refused(result: subprocess.CompletedProcess, folder: Path, *named: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert str(folder) in result.stderr, result.stderr
    assert "--out" in result.stderr or "out of the folder (or delete" in result.stderr, result.stderr
    for name in named:
        assert name in result.stderr, (name, result.stderr)


@pytest.mark.parametrize("command", [["build"], ["build", "--full"], ["build", "--no-search"]])
def test_a_users_folder_survives_byte_for_byte(minimal_site, tmp_path, command):
    folder = users_folder(tmp_path / "work" / "documents")
    before_inside, before_beside = everything(folder), sorted(p.name for p in folder.parent.iterdir())
    result = run_cli(*command, "--site", str(minimal_site), "--out", str(folder))
    assert_refused(result, folder, "notes.txt")
    assert everything(folder) == before_inside
    assert sorted(p.name for p in folder.parent.iterdir()) == before_beside, "something was made beside it"


def test_serve_refuses_a_users_folder_before_building_or_serving(minimal_site, tmp_path):
    folder = users_folder(tmp_path / "work" / "documents")
    before_inside, before_beside = everything(folder), sorted(p.name for p in folder.parent.iterdir())
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "en", "serve", "--site",
                             str(minimal_site), "--port", "0", "--out", str(folder)], capture_output=True, text=True,
                            timeout=60)
    assert_refused(result, folder, "notes.txt")
    assert "Serving" not in result.stdout
    assert everything(folder) == before_inside
    assert sorted(p.name for p in folder.parent.iterdir()) == before_beside


def test_a_new_or_empty_folder_is_built_and_an_earlier_output_replaced(minimal_site, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (tmp_path / "new" / "site", empty):
        assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
        assert (out / "index.html").is_file()
        assert read_stamp(out) == {path for path, digest in everything(out).items()
                                   if digest is not None and path != STAMP}
    write_site(minimal_site, {"content/r2/u1.yaml": "projects:\n  - id: p1\n    title: 路灯更换\n"
                                                    "    status: completed\n    progress: 已完成\n"})
    result = run_cli("build", "--site", str(minimal_site), "--out", str(empty), "--full")
    assert result.returncode == 0, result.stderr
    assert "路灯更换" in (empty / "rounds/r2/u1.html").read_text(encoding="utf-8")


def test_a_file_put_into_a_built_site_is_named_and_kept(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    write_site(out, {"notes.txt": "staff notes\n", "old/index.html": "<p>old site</p>\n", ".hidden": "x"})
    before = everything(out)
    for full in ([], ["--full"]):
        result = run_cli("build", "--site", str(minimal_site), "--out", str(out), *full)
        assert_refused(result, out, "notes.txt", "old/index.html", ".hidden")
        assert everything(out) == before
    for name in ("notes.txt", "old/index.html", ".hidden"):
        (out / name).unlink()
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0


def test_an_output_of_the_version_before_the_stamp_is_recognised_by_its_cache(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    (out / STAMP).unlink()  # as the version before this one left it: a cache beside, no stamp inside
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out), "--full")
    assert result.returncode == 0, result.stderr
    assert (out / STAMP).is_file()
    (out / STAMP).unlink()
    shutil.rmtree(tmp_path / ".public.cache")  # neither stamp nor cache: nothing says a build made it
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out))
    assert_refused(result, out, "index.html")


def test_a_site_copied_elsewhere_is_still_recognised_by_its_stamp(minimal_site, tmp_path):
    out = tmp_path / "public"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    copy = tmp_path / "usb-copy" / "site"
    shutil.copytree(out, copy)
    result = run_cli("build", "--site", str(minimal_site), "--out", str(copy))
    assert result.returncode == 0, result.stderr


def test_the_home_folder_is_refused_even_when_empty(minimal_site, tmp_path):
    home = tmp_path / "home" / "staff"
    home.mkdir(parents=True)
    result = run_cli("build", "--site", str(minimal_site), "--out", str(home), env={"HOME": str(home)})
    assert_refused(result, home, "home folder")
    assert list(home.iterdir()) == [] and sorted(p.name for p in home.parent.iterdir()) == ["staff"]
    parent = run_cli("build", "--site", str(minimal_site), "--out", str(home.parent), env={"HOME": str(home)})
    assert_refused(parent, home.parent, "home folder")


def test_folders_holding_the_site_or_the_generator_or_the_root_are_refused(minimal_site, tmp_path):
    for folder, why in ((Path("/"), "root of the file system"), (ROOT, "this generator"),
                        (ROOT.parent, "this generator"), (minimal_site, "the site itself"),
                        (minimal_site.parent, "the site itself"), (minimal_site / "content", "content/"),
                        (minimal_site / "static" / "x", "static/")):
        with pytest.raises(OutputProblem, match="choose another --out") as refused:
            check_output_folder(folder, minimal_site)
        assert why in str(refused.value), (folder, refused.value)


def test_the_folder_you_are_working_in_is_refused(minimal_site, tmp_path):
    working = tmp_path / "working"
    working.mkdir()
    result = run_cli("build", "--site", str(minimal_site), "--out", ".", cwd=working)
    assert_refused(result, Path("."), "working in")
    assert list(working.iterdir()) == []


def test_a_file_named_as_the_output_is_refused(minimal_site, tmp_path):
    target = tmp_path / "public"
    target.write_text("not a folder")
    result = run_cli("build", "--site", str(minimal_site), "--out", str(target))
    assert result.returncode != 0 and "is a file" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(OutputProblem, match="is a file"):
        check_output_folder(target, minimal_site)
    assert target.read_text() == "not a folder"


def test_a_build_of_one_output_does_not_stop_a_build_of_another_beside_it(minimal_site, tmp_path):
    """The lock is per output: building x/public2 while x/public is being written works, and the
    message for the same output names that output."""
    with OutputFolder(tmp_path / "x" / "public", tmp_path / "site"):  # a build writing x/public right now
        other = run_cli("build", "--site", str(minimal_site), "--out", str(tmp_path / "x" / "public2"))
        assert other.returncode == 0, other.stderr
        same = run_cli("build", "--site", str(minimal_site), "--out", str(tmp_path / "x" / "public"))
    assert same.returncode == 1 and "another build is writing" in same.stderr
    assert str(tmp_path / "x" / "public") + " right now" in same.stderr


@pytest.fixture
def usb_stick(tmp_path):
    """An empty file system mounted at a folder, as a USB stick's root is: no room beside it."""
    mount_point = tmp_path / "media" / "usb"
    mount_point.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "bulletin-test", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        if IN_CI:
            pytest.fail(f"CI runs as root and must be able to mount a tmpfs: {mounted.stderr}")
        pytest.skip(f"cannot mount a file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        for _ in range(20):
            if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)


def test_a_usb_sticks_root_is_built_in_place_and_nothing_is_made_beside_it(minimal_site, usb_stick):
    (usb_stick / "System Volume Information").mkdir()  # what Windows keeps on every stick
    beside = sorted(p.name for p in usb_stick.parent.iterdir())
    result = run_cli("build", "--site", str(minimal_site), "--out", str(usb_stick))
    assert result.returncode == 0, result.stderr
    assert (usb_stick / "index.html").is_file() and (usb_stick / "System Volume Information").is_dir()
    assert sorted(p.name for p in usb_stick.parent.iterdir()) == beside
    assert not [p for p in usb_stick.iterdir() if p.name.startswith(".bulletin-") and p.name != STAMP]
    assert (usb_stick / "projects/u1/p4.html").is_file()

    write_site(minimal_site, {"content/r2/u1.yaml": "projects:\n  - id: p1\n    title: 路灯更换\n"
                                                    "    status: completed\n    progress: 已完成\n"})
    result = run_cli("build", "--site", str(minimal_site), "--out", str(usb_stick), "--no-search")
    assert result.returncode == 0, result.stderr
    assert "路灯更换" in (usb_stick / "rounds/r2/u1.html").read_text(encoding="utf-8")
    assert not (usb_stick / "projects/u1/p4.html").exists()  # the earlier build's files it no longer has are gone
    assert sorted(p.name for p in usb_stick.parent.iterdir()) == beside

    (usb_stick / "mine.txt").write_text("a citizen's file")
    result = run_cli("build", "--site", str(minimal_site), "--out", str(usb_stick))
    assert_refused(result, usb_stick, "mine.txt")
    assert (usb_stick / "mine.txt").read_text() == "a citizen's file"


def test_a_usb_stick_with_someones_files_is_refused(minimal_site, usb_stick):
    users_folder(usb_stick)
    before = everything(usb_stick)
    result = run_cli("build", "--site", str(minimal_site), "--out", str(usb_stick))
    assert_refused(result, usb_stick, "notes.txt")
    assert everything(usb_stick) == before


def test_a_build_killed_while_moving_in_place_is_completed_by_the_next(minimal_site, usb_stick, monkeypatch):
    """At a drive's root the new site is moved in through a journal: one killed midway is rolled forward."""
    assert run_cli("build", "--site", str(minimal_site), "--out", str(usb_stick)).returncode == 0
    reference = everything(usb_stick)
    import bulletin.output

    moved = []
    real_replace = os.replace

    def dies_after_three(source, target):
        into_site = ".bulletin-staging" in Path(source).parts and ".bulletin-staging" not in Path(target).parts
        if into_site and len(moved) == 3:
            raise KeyboardInterrupt  # the process stops here, three files moved in
        real_replace(source, target)
        if into_site:
            moved.append(target)

    from bulletin.builder import build_site
    monkeypatch.setattr(bulletin.output.os, "replace", dies_after_three)
    with pytest.raises(KeyboardInterrupt):
        build_site(minimal_site, usb_stick, full=True)
    monkeypatch.undo()
    assert (usb_stick / ".bulletin-staging" / ".bulletin-journal.json").is_file()
    result = run_cli("build", "--site", str(minimal_site), "--out", str(usb_stick))
    assert result.returncode == 0, result.stderr
    assert everything(usb_stick) == reference
