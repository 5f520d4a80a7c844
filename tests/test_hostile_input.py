"""Hostile and huge inputs, generated at test time (never stored): clear located errors, bounded time and
memory, nothing written outside the output folder.

The stored corpus is tests/invalid/ (tests/test_invalid_content.py runs it through the CLI). Here:
- the corpus once more, in-process: every problem is located and printable (no invisible character);
- CRLF line ends: a valid site is accepted and builds the same bytes; an error is still located;
- a 50 MB file anywhere is refused before it is parsed, fast and in little memory; so is a file that
  never ends (/dev/zero) or never starts (a FIFO); deep nesting; a file just under the limit that is all
  mistakes;
- ids that try to leave the output folder; ids that are odd but valid build inside it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bulletin.loader import load_site
from bulletin.output import OutputFolder, OutputProblem, safe_join
from bulletin.problems import ContentError
from bulletin.source import MAX_FILE_BYTES
from conftest import MINIMAL_SITE, ROOT, run_cli, write_site
from test_invalid_content import CASES, PROBLEM_LINE, make_site

MB = 1_000_000
TIME_LIMIT = 10.0  # seconds, CLI start-up included
MEMORY_LIMIT_MB = 500


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float
    timed_out: bool


def run_measured(*args: str, timeout: float = 120, memory_cap_bytes: int | None = None) -> Measured:
    """`python build.py ARGS`, with its wall time and the peak memory of that one process (wait4's rusage,
    not RUSAGE_CHILDREN, which would include every earlier child of the test run). Killed after `timeout`;
    `memory_cap_bytes` caps its address space so a runaway read cannot take the machine's memory."""
    def cap():
        if memory_cap_bytes:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory_cap_bytes, memory_cap_bytes))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--lang", "en", *args], stdout=out,
                                   stderr=err, cwd=ROOT, preexec_fn=cap)
        killed = threading.Event()

        def kill():
            killed.set()
            process.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(process.returncode, out.read().decode("utf-8", "replace"),
                        err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss / 1024, killed.is_set())


def assert_located_failure(stdout_stderr, *expected_lines: str) -> list[str]:
    """Exit 1, no traceback, every line a located problem but the summary; the expected lines among them."""
    result = stdout_stderr
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    problems = lines[:-1]
    assert problems and all(PROBLEM_LINE.match(line) for line in problems), result.stderr[-3000:]
    assert re.match(r"\d+ problems? found; ", lines[-1]), lines[-1]
    for line in expected_lines:
        assert line in problems, f"missing\n  {line}\nin\n{result.stderr[-3000:]}"
    return problems


# --- the stored corpus, in-process ------------------------------------------------------------------------------

def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60, len(CASES)


@pytest.mark.parametrize("case", CASES)
def test_every_corpus_problem_is_located_and_printable(case, tmp_path):
    """load_site() (what check and build run) raises ContentError, never anything else, and every problem is
    `path:line:column: ...` with nothing invisible in it: a message that quotes what staff typed must show
    an invisible character (U+0000, a zero-width space) as an escape, or staff cannot see what is wrong."""
    site = make_site(case, tmp_path / "site")
    with pytest.raises(ContentError) as raised:
        load_site(site)
    assert raised.value.problems
    for problem in raised.value.problems:
        line = str(problem)
        assert PROBLEM_LINE.match(line), line
        assert problem.location.line >= 1 and problem.location.column >= 1, line
        assert line.isprintable(), f"{case}: invisible characters in {line!r}"


def test_unit_files_that_differ_only_in_case_are_refused(tmp_path):
    """Units `A` and `a`, each with its file in the same round: one file on a Windows or macOS disk (and
    one page, units/a.html). Generated here, not stored in tests/invalid/: a repository holding A.yaml
    and a.yaml beside each other cannot be checked out on those disks either."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    units = site / "content/units.yaml"
    units.write_text(units.read_text(encoding="utf-8") + "  - id: A\n    name: 丙局\n    group: 区直部门\n"
                     "  - id: a\n    name: 丁局\n    group: 区直部门\n", encoding="utf-8")
    project = "projects:\n  - id: x1\n    title: 绿化\n    status: in_progress\n    progress: 施工中\n"
    (site / "content/r1/A.yaml").write_text(project, encoding="utf-8")
    (site / "content/r1/a.yaml").write_text(project, encoding="utf-8")
    out = tmp_path / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert_located_failure(result, "content/units.yaml:13:5: unit 4 \"丁局\" id: unit id 'a' repeats an id that differs "
                                   "only in case ('A') at line 10; each unit needs its own id")
    assert not out.exists()


# --- line ends --------------------------------------------------------------------------------------------------

def crlf_site(folder: Path) -> Path:
    site = write_site(folder, MINIMAL_SITE)
    # a text over several lines too: CRLF inside a block scalar
    unit = site / "content/r1/town.yaml"
    unit.write_text(unit.read_text(encoding="utf-8") + "    lead: |\n      张三\n      李四\n", encoding="utf-8")
    for path in site.rglob("*.yaml"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return site


def test_crlf_line_ends_are_accepted_and_build_the_same_site(tmp_path):
    """Windows editors save CRLF; it is the same content: `check` passes and `build` writes the same bytes."""
    site = crlf_site(tmp_path / "crlf")
    assert b"\r\n" in (site / "site.yaml").read_bytes()
    result = run_cli("check", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "OK: 2 rounds, 2 units, 6 project entries." in result.stdout

    lf = tmp_path / "lf"
    lf_site = crlf_site(lf)
    for path in lf_site.rglob("*.yaml"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    outputs = []
    for folder in (site, lf_site):
        out = folder.parent / (folder.name + "-public")
        built = run_cli("build", "--site", str(folder), "--out", str(out), "--no-search")
        assert built.returncode == 0, built.stderr
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1], "CRLF and LF content must give the same site"


def test_crlf_file_with_errors_is_located(tmp_path):
    site = crlf_site(tmp_path / "site")
    unit = site / "content/r2/u1.yaml"
    text = unit.read_bytes().decode("utf-8")
    assert text.count("\r\n") >= 10
    unit.write_bytes(text.replace("status: completed", "status: done").replace("title: 新项目", "titel: 新项目")
                     .encode("utf-8"))
    result = run_cli("check", "--site", str(site))
    assert_located_failure(
        result,
        "content/r2/u1.yaml:4:5: item 1 \"路灯修复\" status: 'done' is not a valid status; write 已完成, 推进中, 未启动, "
        "暂缓, 已取消 (or completed, in_progress, not_started, suspended, cancelled)",
        "content/r2/u1.yaml:8:5: item 2 titel: unknown field 'titel' (did you mean 'title'?)",
    )


# --- huge and endless files -------------------------------------------------------------------------------------

def fifty_megabytes(path: Path) -> int:
    """A file of 50 MB (plus a little) of plausible YAML: the same project over and over."""
    block = ("  - id: t{}\n    title: 供暖改造\n    status: in_progress\n    progress: 施工中，已完成管网铺设。\n"
             .format("x" * 10)).encode("utf-8")
    with path.open("wb") as file:
        file.write(b"projects:\n")
        size = len(b"projects:\n")
        chunk = block * 100
        while size < 50 * MB:
            file.write(chunk)
            size += len(chunk)
    return size


@pytest.mark.parametrize("relative", ["content/r1/town.yaml", "content/units.yaml", "site.yaml"])
def test_a_50_megabyte_file_is_refused_before_parsing(tmp_path, relative):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    size = fifty_megabytes(site / relative)
    result = run_measured("check", "--site", str(site))
    assert_located_failure(
        result,
        f"{relative}:1:1: file is {size / MB:.1f} MB; a content file is at most {MAX_FILE_BYTES // MB} MB "
        "(a unit's list of 1,000 projects is about 0.5 MB): is this the right file?")
    assert result.seconds < TIME_LIMIT, f"took {result.seconds:.1f} s"
    assert result.max_rss_mb < MEMORY_LIMIT_MB, f"used {result.max_rss_mb:.0f} MB"
    assert result.max_rss_mb < 100, f"used {result.max_rss_mb:.0f} MB: the file was read, not only measured"


def test_a_50_megabyte_file_fails_the_build_and_keeps_the_previous_site(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    out = tmp_path / "public"
    assert run_cli("build", "--site", str(site), "--out", str(out), "--no-search").returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fifty_megabytes(site / "content/r2/u1.yaml")
    result = run_measured("build", "--site", str(site), "--out", str(out), "--no-search")
    assert_located_failure(result)
    assert "content/r2/u1.yaml:1:1: file is 50.0 MB" in result.stderr
    assert result.seconds < TIME_LIMIT and result.max_rss_mb < MEMORY_LIMIT_MB
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_file_of_mistakes_just_under_the_limit_is_checked_in_bounded_time_and_memory(tmp_path):
    """Just under the size limit of unknown field names (about 180,000): every one is a problem. The first
    hundred are listed with their did-you-mean and the rest counted ("and N more problems in this file"),
    so time and memory stay bounded and staff are told the same thing at once."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    lines, size = ["projects: []\n"], 13
    while size < MAX_FILE_BYTES - 20:
        line = f"k{len(lines)}: v\n"
        lines.append(line)
        size += len(line)
    (site / "content/r1/town.yaml").write_text("".join(lines), encoding="utf-8")
    result = run_measured("check", "--site", str(site), timeout=120)
    assert not result.timed_out
    assert_located_failure(result, "content/r1/town.yaml:2:1: k1: unknown field 'k1'; the fields here are "
                                   "projects, corrections")
    assert result.seconds < TIME_LIMIT, f"took {result.seconds:.1f} s"
    assert result.max_rss_mb < MEMORY_LIMIT_MB, f"used {result.max_rss_mb:.0f} MB"
    assert re.search(r"content/r1/town\.yaml:1:1: and \d+ more problems in this file", result.stderr)
    assert len(result.stderr.splitlines()) < 110


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_refused_without_a_crash(tmp_path, style):
    """libyaml recurses and crashes the interpreter (a segfault, no message) on very deep nesting:
    50,000 brackets, or 1,800 ever more indented list entries."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    if style == "flow":
        text = "projects: " + "[" * 50_000 + "]" * 50_000 + "\n"
    else:
        text = "projects:\n" + "".join(" " * level + "-\n" for level in range(1, 1_800))  # under the size limit
    (site / "content/r1/town.yaml").write_text(text, encoding="utf-8")
    result = run_measured("check", "--site", str(site))
    assert result.returncode == 1, f"exit {result.returncode} (negative: killed by a signal)\n{result.stderr[-2000:]}"
    problems = assert_located_failure(result)
    assert len(problems) == 1 and "values are nested more than 100 levels deep" in problems[0], problems
    assert result.seconds < TIME_LIMIT and result.max_rss_mb < MEMORY_LIMIT_MB


def test_a_content_file_that_never_ends_is_refused(tmp_path):
    """A unit file that is a link to /dev/zero (git stores symbolic links; a pull request can add one).
    Product bug while this fails: bulletin/source.py read_yaml_file() checks the size with stat(), which is 0
    for a device, then read_bytes() reads until memory runs out (here capped at 1 GB: MemoryError and a
    traceback; uncapped, it takes the machine's memory). It should refuse what is not a regular file, or
    read at most MAX_FILE_BYTES + 1 bytes."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    unit = site / "content/r1/town.yaml"
    unit.unlink()
    unit.symlink_to("/dev/zero")
    result = run_measured("check", "--site", str(site), timeout=60, memory_cap_bytes=1024**3)
    assert not result.timed_out, "check did not return"
    problems = assert_located_failure(result)
    assert len(problems) == 1 and problems[0].startswith("content/r1/town.yaml:1:1: "), problems
    assert result.seconds < TIME_LIMIT


def test_a_content_file_that_never_starts_is_refused(tmp_path):
    """A FIFO named like a unit file. Product bug while this fails: read_yaml_file() opens it and waits for
    a writer forever; `check` and `build` hang. Only regular files should be read."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    unit = site / "content/r1/town.yaml"
    unit.unlink()
    os.mkfifo(unit)
    result = run_measured("check", "--site", str(site), timeout=10)
    assert not result.timed_out, "check hung on a FIFO (killed after 10 s)"
    problems = assert_located_failure(result)
    assert len(problems) == 1 and problems[0].startswith("content/r1/town.yaml:1:1: "), problems


# --- ids that try to leave the output folder --------------------------------------------------------------------

TRAVERSALS = ["../../escaped", "..", ".", "/tmp/escaped", "..\\..\\escaped", "a/../../escaped", "~/escaped",
              "%2e%2e%2fescaped", "C:\\escaped", "escaped\0", "\u2025/escaped", "ｅｓｃａｐｅｄ／..", "-/../x",
              "\\\\server\\share", "file:///tmp/escaped"]


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder`, with the bytes of each file (None for a folder or link)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        found[relative] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return found


def yaml_text(value: str) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)  # JSON is YAML: a double-quoted string with escapes


def traversal_site(folder: Path, where: str) -> Path:
    site = write_site(folder, MINIMAL_SITE)
    if where == "project":
        items = "".join(f"  - id: {yaml_text(bad)}\n    title: 标题{i}\n    status: in_progress\n    progress: 进展\n"
                        for i, bad in enumerate(TRAVERSALS))
        (site / "content/r1/town.yaml").write_text("projects:\n" + items, encoding="utf-8")
    elif where == "unit":
        units = "".join(f"  - id: {yaml_text(bad)}\n    name: 单位{i}\n    group: 区直部门\n"
                        for i, bad in enumerate(TRAVERSALS))
        path = site / "content/units.yaml"
        path.write_text(path.read_text(encoding="utf-8") + units, encoding="utf-8")
    elif where == "round":
        rounds = "".join(f"  - id: {yaml_text(bad)}\n    title: 轮{i}\n    date: 2021-09-{i + 1:02d}\n"
                         for i, bad in enumerate(TRAVERSALS))
        path = site / "site.yaml"
        path.write_text(path.read_text(encoding="utf-8") + rounds, encoding="utf-8")
    elif where == "correction":
        path = site / "content/r2/u1.yaml"
        corrections = "corrections:\n" + "".join(
            f"  - date: 2021-09-01\n    reason: 更正\n    project: {yaml_text(bad)}\n" for bad in TRAVERSALS)
        path.write_text(path.read_text(encoding="utf-8") + corrections, encoding="utf-8")
    elif where == "site id":
        path = site / "site.yaml"
        path.write_text(f"id: {yaml_text(TRAVERSALS[0])}\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return site


@pytest.mark.parametrize("where", ["project", "unit", "round", "correction", "site id"])
def test_ids_that_try_to_leave_the_output_folder_write_nothing(tmp_path, where):
    site = traversal_site(tmp_path / "work" / "site", where)
    out = tmp_path / "work" / "public"
    before = tree(tmp_path)
    result = run_cli("build", "--site", str(site), "--out", str(out))
    problems = assert_located_failure(result)
    assert tree(tmp_path) == before, "nothing may be written anywhere, the output folder included"
    assert not Path("/tmp/escaped").exists()
    ids = [line for line in problems if "is not a plain name" in line or "contains the control character" in line]
    expected = {"site id": 1, "correction": len(TRAVERSALS)}.get(where, len(TRAVERSALS))
    assert len(ids) >= expected, problems


ODD_IDS = ["-", "_", "--help", "-rf", "0", "010", "1e3", "true", "no", "null_", "a" * 100, "CONsole", "nul-1",
           "com10", "A-", "__init__", "index", "search", "static", "data", "units", "shard-0", "t2s"]


def test_odd_but_valid_ids_build_inside_the_output_folder(tmp_path):
    """Ids that look like options, numbers, YAML words or the site's own folders: each is a plain name and
    builds, and every file lands inside the output folder, at the path its id names."""
    site = write_site(tmp_path / "work" / "site", MINIMAL_SITE)
    items = "".join(f"  - id: {yaml_text(odd) if odd == '-' else odd}\n    title: 标题{i}\n    status: in_progress\n"
                    "    progress: 进展\n" for i, odd in enumerate(ODD_IDS))
    (site / "content/r1/town.yaml").write_text("projects:\n" + items, encoding="utf-8")
    units = site / "content/units.yaml"
    units.write_text(units.read_text(encoding="utf-8") + "  - id: --help\n    name: 丙\n    group: 区直部门\n"
                     "  - id: search\n    name: 丁\n    group: 区直部门\n", encoding="utf-8")
    for unit in ("--help", "search"):
        (site / f"content/r2/{unit}.yaml").write_text(
            "projects:\n  - id: index\n    title: 标题\n    status: completed\n    progress: 完成\n", encoding="utf-8")
    out = tmp_path / "work" / "public"
    outside_before = {k: v for k, v in tree(tmp_path).items() if not k.startswith("work/public")}
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    outside_after = {k: v for k, v in tree(tmp_path).items()
                     if not k.startswith(("work/public", "work/.public.cache"))}  # the output and its build cache
    assert outside_after == outside_before, "files were written outside the output folder"
    assert sorted(p.name for p in out.parent.iterdir()) == [".public.cache", "public", "site"]
    for odd in ODD_IDS:
        assert (out / "projects" / "town" / f"{odd}.html").is_file(), odd
    assert (out / "projects/--help/index.html").is_file() and (out / "units/search.html").is_file()
    assert (out / "search.html").is_file()
    # the search index's own files stay its own: each unit's result lines are in search/units/
    assert (out / "search/index.js").read_text(encoding="utf-8").startswith('BULLETIN_SEARCH("index",')
    assert (out / "search/units/search.js").read_text(encoding="utf-8").startswith('BULLETIN_SEARCH("units/search",')
    assert (out / "search/units/--help.js").is_file() and (out / "search/shard-0/facets.js").is_file()


@pytest.mark.parametrize("bad", ["../x.html", "/tmp/escaped.html", "a/../../x", "..\\x", "a\0b", "", ".", "a//b",
                                 "./x", "x/", "x/.."])
def test_the_output_writer_itself_refuses_escapes(tmp_path, bad):
    """The last line of defence, whatever the ids: OutputFolder.emit never writes outside its folder."""
    out = tmp_path / "work" / "public"
    before = tree(tmp_path)
    with pytest.raises(OutputProblem):
        safe_join(out, bad)
    with pytest.raises(OutputProblem):
        with OutputFolder(out, tmp_path / "site") as output:
            output.emit(bad, b"escaped")
    assert tree(tmp_path) == {**before, "work": None}, "only the output's parent folder may appear"
