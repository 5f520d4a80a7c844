"""When a build fails, whatever the cause, the last good site is still there, byte for byte, and nothing is
left behind.

Each scenario builds a good site first and takes a snapshot of its output (path -> SHA-256), causes the
failure, checks the snapshot did not change, then runs a successful build and checks that no hidden folder
of the build (`.<out>.staging`, `.<out>.scratch`, `.<out>.previous`; the cache `.<out>.cache` stays) is left beside the output:

- bad content; a broken template (syntax, and an error while rendering);
- a failure at the build's last step, joining the search index, and its very last write failing (the CLI);
- a full disk (a write fails with ENOSPC after some files), in-process and through the CLI, and a real
  write refused by the system (a file size limit) through the CLI;
- the process killed with SIGKILL while it writes its staging folder;
- the process interrupted between the two renames of the swap;
- two builds of the same output started at once, and a build started while another holds the output.

That `serve` keeps the last good build while content is broken is tested in tests/test_serve.py.
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import bulletin.indexing
import bulletin.output
from bulletin.builder import build_site
from bulletin.output import OutputFolder, OutputProblem
from conftest import MINIMAL_SITE, ROOT, run_cli, write_site

def snapshot(out: Path) -> dict[str, str]:
    """Every file of a built site: relative path -> SHA-256 of its bytes."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def assert_clean(out: Path) -> None:
    """Only the output folder and its build cache in its parent folder: no other hidden
    folder of a build."""
    names = sorted(p.name for p in out.parent.iterdir())
    assert names in ([out.name], sorted([out.name, f".{out.name}.cache"])), f"left beside the output: {names}"


def assert_clean_failure(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and "nothing was written" in lines[-1] and "is unchanged" in lines[-1], result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr}"


@pytest.fixture
def good(tmp_path) -> tuple[Path, Path, dict[str, str]]:
    """(site, out, snapshot): conftest's minimal site built, with its search index, into build/public."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    out = tmp_path / "build" / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    before = snapshot(out)
    assert {"index.html", "search/index.js", "search/shard-0/facets.js"} <= set(before)
    return site, out, before


def rebuild_cleanly(site: Path, out: Path) -> None:
    """After the failure: a good build succeeds and removes whatever the failure left."""
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert_clean(out)
    assert (out / "index.html").is_file()


# --- content and templates --------------------------------------------------------------------------------------

def test_bad_content_keeps_the_previous_site(good):
    site, out, before = good
    unit = site / "content/r2/u1.yaml"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text.replace("status: completed", "status: done"), encoding="utf-8")
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert_clean_failure(result, "content/r2/u1.yaml:4:5: item 1 \"路灯修复\" status: 'done' is not a valid status")
    assert snapshot(out) == before
    assert_clean(out)
    unit.write_text(text, encoding="utf-8")
    rebuild_cleanly(site, out)
    assert snapshot(out) == before  # the same content gives the same bytes


@pytest.mark.parametrize("broken, message", [
    ("{% if %}\n", "template error"),  # cannot be parsed
    ("{% extends 'base.html' %}{% block content %}{{ no_such_value.field }}{% endblock %}\n",
     "no_such_value"),  # fails while rendering, after other pages were written
])
def test_a_broken_template_keeps_the_previous_site(good, broken, message):
    site, out, before = good
    (site / "templates").mkdir()
    (site / "templates/project.html").write_text(broken, encoding="utf-8")
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert_clean_failure(result, "project.html", message)
    assert snapshot(out) == before
    assert_clean(out)
    shutil.rmtree(site / "templates")
    rebuild_cleanly(site, out)
    assert snapshot(out) == before


# --- the last step: the search index -----------------------------------------------------------------------------

def test_a_failure_at_the_last_step_keeps_the_previous_site(good, monkeypatch):
    """Whatever goes wrong at the build's last step, joining the search index once every page is in the
    staging folder (here bulletin.indexing.shard_files raising), the previous site is untouched."""
    site, out, before = good
    reached = []

    def shard_files(*args, **kwargs):
        reached.append(args[0])
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(bulletin.indexing, "shard_files", shard_files)
    with pytest.raises(OSError, match="Input/output error"):
        build_site(site, out, full=True)
    assert reached == ["shard-0"]
    assert snapshot(out) == before
    assert_clean(out)
    monkeypatch.undo()
    rebuild_cleanly(site, out)
    assert snapshot(out) == before


# The CLI failing at the build's very last write, the search index's manifest (search/index.js), with a disk
# error; every other file was written to the staging folder before it.
LAST_WRITE_FAILS_CLI = textwrap.dedent("""
    import errno, pathlib, runpy, sys
    sys.path.insert(0, {root!r})
    written = pathlib.Path.write_bytes
    def write_bytes(self, data):
        if self.name == "index.js" and self.parent.name == "search":
            raise OSError(errno.EIO, "Input/output error")
        return written(self, data)
    pathlib.Path.write_bytes = write_bytes
    sys.argv = ["build.py", *sys.argv[1:]]
    runpy.run_path({build!r}, run_name="__main__")
""")


def test_a_failure_at_the_last_write_is_reported_clearly_by_the_cli(good):
    site, out, before = good
    script = LAST_WRITE_FAILS_CLI.format(root=str(ROOT), build=str(ROOT / "build.py"))
    result = subprocess.run([sys.executable, "-c", script, "--lang", "en", "build", "--site", str(site), "--out",
                             str(out), "--full"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert snapshot(out) == before
    assert_clean(out)
    assert_clean_failure(result, "cannot write search/index.js into", "Input/output error")
    rebuild_cleanly(site, out)
    assert snapshot(out) == before


# --- a full disk ------------------------------------------------------------------------------------------------

def failing_writes(monkeypatch, after: int) -> list[str]:
    """Make every write of an output file (bulletin.output.write_file, which pages, data and index files go
    through) fail with ENOSPC once `after` files were written; returns the files written."""
    original = bulletin.output.write_file
    written: list[str] = []

    def write(root, relative, data):
        if len(written) >= after:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(relative)
        return original(root, relative, data)

    monkeypatch.setattr(bulletin.output, "write_file", write)
    return written


@pytest.mark.parametrize("after", [0, 5, 40])  # at once, among the pages, among the search index files
def test_a_full_disk_keeps_the_previous_site(good, monkeypatch, after):
    site, out, before = good
    assert len(before) > 40
    written = failing_writes(monkeypatch, after)
    with pytest.raises((OSError, OutputProblem)) as raised:
        build_site(site, out, full=True)
    assert len(written) == after
    assert isinstance(raised.value, OutputProblem) or raised.value.errno == errno.ENOSPC
    assert snapshot(out) == before
    assert_clean(out)
    monkeypatch.undo()
    rebuild_cleanly(site, out)


# The CLI on a disk that fills up after AFTER files: every file write (pathlib's write_bytes and write_text,
# which the build's own writes go through) fails with ENOSPC from then on.
FULL_DISK_CLI = textwrap.dedent("""
    import errno, pathlib, runpy, sys
    sys.path.insert(0, {root!r})
    count = [0]
    def full(method):
        def write(self, *args, **kwargs):
            count[0] += 1
            if count[0] > {after}:
                raise OSError(errno.ENOSPC, "No space left on device")
            return method(self, *args, **kwargs)
        return write
    pathlib.Path.write_bytes = full(pathlib.Path.write_bytes)
    pathlib.Path.write_text = full(pathlib.Path.write_text)
    sys.argv = ["build.py", *sys.argv[1:]]
    runpy.run_path({build!r}, run_name="__main__")
""")


@pytest.mark.parametrize("after", [0, 5, 30, 45])  # at once, among the pages, among the search index files
def test_a_full_disk_is_reported_clearly_by_the_cli(good, after):
    """What staff see: one line naming the problem, the summary, exit 1; never a traceback."""
    site, out, before = good
    script = FULL_DISK_CLI.format(root=str(ROOT), after=after, build=str(ROOT / "build.py"))
    result = subprocess.run([sys.executable, "-c", script, "--lang", "en", "build", "--site", str(site), "--out",
                             str(out), "--full"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert snapshot(out) == before  # the site survives whatever the message
    assert_clean(out)
    assert_clean_failure(result, "No space left on device")
    rebuild_cleanly(site, out)


def test_a_write_refused_by_the_system_is_reported_clearly(good):
    """A real failed write, no patching: a file size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so
    the write fails with EFBIG) that the build's larger files exceed."""
    site, out, before = good
    limit = 16_000

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    sizes = [(out / p).stat().st_size for p in before]
    assert max(sizes) > limit > min(sizes)  # so the build writes some files, then hits the limit
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "en", "build", "--site", str(site),
                             "--out", str(out), "--no-search", "--full"], capture_output=True, text=True, timeout=300,
                            cwd=ROOT, preexec_fn=limit_file_size)
    assert snapshot(out) == before
    assert_clean(out)
    assert_clean_failure(result, "File too large")
    rebuild_cleanly(site, out)


# --- the swap ---------------------------------------------------------------------------------------------------

def test_an_interruption_between_the_two_renames_loses_nothing(good, monkeypatch):
    """Where the system has no atomic exchange of two folders, the swap is two renames (output -> .previous,
    staging -> output). Interrupted between them (here a KeyboardInterrupt; a SIGKILL leaves the same
    folders), the previous site is kept in .previous, and the next build puts it back before anything else."""
    site, out, before = good
    monkeypatch.setattr(bulletin.output, "_exchange", lambda first, second: False)
    calls = []
    real_replace = os.replace

    swap_names = {out.name, f".{out.name}.previous", f".{out.name}.staging"}

    def replace(source, target):
        if Path(source).name not in swap_names and Path(target).name not in swap_names:
            return real_replace(source, target)  # the build's other files (cache, working files)
        calls.append((Path(source).name, Path(target).name))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_replace(source, target)

    monkeypatch.setattr(bulletin.output.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build_site(site, out, full=True)
    monkeypatch.undo()
    assert calls == [(out.name, f".{out.name}.previous"), (f".{out.name}.staging", out.name)]
    previous = out.parent / f".{out.name}.previous"
    assert not out.exists() and snapshot(previous) == before, "the previous site must be kept whole"
    rebuild_cleanly(site, out)
    assert snapshot(out) == before


def test_the_output_folder_exists_at_every_moment_of_the_swap(good, monkeypatch):
    """A web server serving the output folder must never find it missing, however briefly: on Linux the
    swap is one atomic exchange of the staging and output folders (renameat2 RENAME_EXCHANGE)."""
    site, out, before = good
    steps, missing = [], []
    real_replace, real_exchange = os.replace, bulletin.output._exchange

    def observe(step: str) -> None:
        steps.append(step)
        if not out.is_dir() or not (out / "index.html").is_file():
            missing.append(f"after {step}")

    def replace(source, target):
        real_replace(source, target)
        if out.parent in (Path(source).parent, Path(target).parent):  # not the cache's or scratch files
            observe(f"rename {Path(source).name} -> {Path(target).name}")

    def exchange(first, second):
        exchanged = real_exchange(first, second)
        observe(f"exchange {Path(first).name} <-> {Path(second).name} ({exchanged})")
        return exchanged

    monkeypatch.setattr(bulletin.output.os, "replace", replace)
    monkeypatch.setattr(bulletin.output, "_exchange", exchange)
    (out / "index.html").write_text("old")  # a file of the old site, changed by hand
    build_site(site, out)
    monkeypatch.undo()
    assert steps[0].startswith("exchange") and steps[0].endswith("(True)"), steps
    assert not missing, f"the output folder {out.name} was missing {missing}"
    assert (out / "index.html").read_text() != "old"  # the new site really replaced the old one
    assert_clean(out)


# --- killed, and two at once, on a bigger site ------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(site, reference output, its snapshot): bench/generate.py's 60 units, 1200 projects, 6 rounds."""
    root = tmp_path_factory.mktemp("big")
    site = root / "site"
    generated = subprocess.run([sys.executable, str(ROOT / "bench/generate.py"), str(site), "--units", "60",
                                "--projects", "1200", "--rounds", "6"], capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stderr
    reference = root / "reference" / "public"
    result = run_cli("build", "--site", str(site), "--out", str(reference))
    assert result.returncode == 0, result.stderr
    return site, reference, snapshot(reference)


def start_build(site: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--lang", "en", "build", "--site", str(site),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_a_build_killed_midway_keeps_the_previous_site(big_site, tmp_path):
    site, reference, expected = big_site
    out = tmp_path / "build" / "public"
    shutil.copytree(reference, out)
    before = snapshot(out)
    staging = out.parent / f".{out.name}.staging"

    process = start_build(site, out)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if staging.is_dir() and sum(1 for p in staging.rglob("*") if p.is_file()) >= 200:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the build ended before it could be killed midway"
        assert staging.is_dir(), "the build never wrote its staging folder"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    assert snapshot(out) == before, "a killed build must leave the previous site byte for byte"
    assert staging.is_dir(), "(the kill left its staging folder, as expected)"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert_clean(out)
    assert snapshot(out) == expected


def test_two_builds_at_once_leave_one_complete_site(big_site, tmp_path):
    site, reference, expected = big_site
    out = tmp_path / "build" / "public"
    first, second = start_build(site, out), start_build(site, out)
    outcomes = [(p.returncode, stdout, stderr) for p in (first, second)
                for stdout, stderr in [p.communicate(timeout=600)]]
    refused = [o for o in outcomes if o[0] != 0]
    assert len(refused) <= 1, f"both builds failed: {outcomes}"
    for code, stdout, stderr in refused:
        assert code == 1 and "Traceback" not in stderr, stderr
        assert "another build is writing" in stderr and "right now" in stderr, stderr
    for code, stdout, stderr in outcomes:
        if code == 0:
            assert stdout.startswith("Built 6 rounds, 60 units, 1200 projects"), stdout
    print(f"two builds at once: exit codes {[o[0] for o in outcomes]}")
    assert_clean(out)
    assert snapshot(out) == expected, "the output must be one whole build, identical to the reference"


def test_a_build_while_another_holds_the_output_stops_with_a_message(good):
    site, out, before = good
    with OutputFolder(out, site):  # another build, writing right now
        result = run_cli("build", "--site", str(site), "--out", str(out))
    assert_clean_failure(result, "another build is writing", "right now")
    assert snapshot(out) == before
    assert_clean(out)
    rebuild_cleanly(site, out)
