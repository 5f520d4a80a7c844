"""Every mistake staff make in their YAML is reported, located, at once, through the real CLI.

Each folder under tests/invalid/ is one mistake (like Zola's test_sites_invalid):
it holds only the files that differ from conftest's MINIMAL_SITE, which are
overlaid on a fresh copy of it. A file whose whole content is `__DELETE__`
deletes that file from the copy (and its folder, once empty: git cannot keep
an empty folder either). `expected.txt` lists the exact problem lines the
CLI must print with `--lang en`, in order, one per line:
`path:line:column: item 3 "title" status: message`; `expected.zh-CN.txt` the
same problems as staff read them with `--lang zh-CN`:
`path:line:column: 第3项「title」状态 status：message`.

To bootstrap a new case, write its files and run

    UPDATE_EXPECTED=1 python3 -m pytest tests/test_invalid_content.py

which rewrites both expected files from the actual output. Then read them: the
line and column must be where staff should look, the message must tell them
what to do, and every word of the Chinese file but paths, keys and values must
be Chinese. The rewritten files are a proposal, never a proof.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE, run_cli, write_site

CASES_DIR = Path(__file__).resolve().parent / "invalid"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
UPDATE = os.environ.get("UPDATE_EXPECTED") == "1"
DELETE = b"__DELETE__"

# A handful of cases also go through `build` into a folder holding a previous
# good build, which must come out byte for byte the same: one per source of
# failure (site.yaml, units.yaml, a unit file, the folder layout, a file that
# cannot be parsed, several files at once).
BUILD_CASES = {
    "site-language-unknown",
    "units-duplicate-id",
    "project-status-unknown",
    "layout-unit-not-registered",
    "syntax-unclosed-quote",
    "encoding-gbk",
    "alias-bomb",
    "several-files-at-once",
}

# Cases that must also fail fast: a few lines of YAML may not cost minutes.
FAST_CASES = {"alias-bomb": 5.0}

PROBLEM_LINE = re.compile(r"^[^\s:][^:]*:\d+:\d+: ")
# The interface languages every case is checked in, and the file of each one's expected lines.
EXPECTED_FILES = {"en": "expected.txt", "zh-CN": "expected.zh-CN.txt"}


def make_site(case: str, folder: Path) -> Path:
    """MINIMAL_SITE with the case's files laid over it."""
    site = write_site(folder, MINIMAL_SITE)
    case_dir = CASES_DIR / case
    for source in sorted(case_dir.rglob("*")):
        if source.is_dir() or source.parent == case_dir and source.name in EXPECTED_FILES.values():
            continue
        relative = source.relative_to(case_dir)
        target = site / relative
        data = source.read_bytes()
        if data.strip() == DELETE:
            assert target.exists(), f"{case}: {relative} marked __DELETE__ but MINIMAL_SITE has no such file"
            target.unlink()
            parent = target.parent
            while parent != site and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return site


def expected_lines(case: str, language: str = "en") -> list[str]:
    path = CASES_DIR / case / EXPECTED_FILES[language]
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if PROBLEM_LINE.match(line)]


def check_failure(case: str, result, expected: list[str], language: str = "en") -> None:
    assert result.returncode == 1, f"exit code {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    actual = problem_lines(result.stderr)
    # Every line of stderr is a problem line, except the closing summary.
    lines = result.stderr.splitlines()
    assert lines[:-1] == actual, f"unexpected lines in stderr:\n{result.stderr}"
    count = len(actual)
    if language == "en":
        assert lines[-1].startswith(f"{count} problem{'s' if count != 1 else ''} found; "), lines[-1]
    else:
        assert f"{count} 个问题" in lines[-1], lines[-1]
    for line in expected:
        assert line in actual, f"{case}: missing expected line\n  {line}\nstderr was:\n{result.stderr}"
    assert actual == expected, f"{case}: problems differ from expected.txt\nstderr was:\n{result.stderr}"
    assert actual == sorted(actual, key=_sort_key), "problems must be sorted by file, line, column"


def _sort_key(line: str):
    path, line_number, column, _ = line.split(":", 3)
    return path, int(line_number), int(column)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def search_flag() -> list[str]:
    """Skip the Pagefind index where the CLI can: it is beside the point here."""
    return ["--no-search"] if "--no-search" in run_cli("build", "--help").stdout else []


@pytest.fixture(scope="module")
def good_build(tmp_path_factory, search_flag) -> Path:
    """MINIMAL_SITE built once; each build case starts from a copy of it."""
    root = tmp_path_factory.mktemp("good")
    site = write_site(root / "site", MINIMAL_SITE)
    out = root / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out), *search_flag)
    assert result.returncode == 0, result.stderr
    return out


def test_cases_are_well_formed():
    assert len(CASES) >= 40
    for case in CASES:
        files = [p for p in (CASES_DIR / case).rglob("*") if p.is_file() and p.name not in EXPECTED_FILES.values()]
        assert files, f"{case} changes nothing"
        if not UPDATE:
            for language, name in EXPECTED_FILES.items():
                assert expected_lines(case, language), f"{case} has no {name}"


@pytest.mark.parametrize("language", sorted(EXPECTED_FILES))
@pytest.mark.parametrize("case", CASES)
def test_check_reports_every_problem(case, language, tmp_path):
    site = make_site(case, tmp_path / "site")
    before = snapshot(site)
    started = time.perf_counter()
    result = run_cli("check", "--site", str(site), lang=language)
    elapsed = time.perf_counter() - started
    if UPDATE:
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        (CASES_DIR / case / EXPECTED_FILES[language]).write_text(
            "".join(line + "\n" for line in problem_lines(result.stderr)), encoding="utf-8")
    check_failure(case, result, expected_lines(case, language), language)
    assert snapshot(site) == before, "check must not write anything"
    if case in FAST_CASES:
        assert elapsed < FAST_CASES[case], f"{case} took {elapsed:.1f} s (CLI start-up included)"


@pytest.mark.parametrize("case", CASES)
def test_chinese_lines_are_the_english_problems(case):
    """The two expected files list the same problems at the same places, in the same order:
    only the words after `path:line:column: ` differ, and the Chinese ones are Chinese."""
    english, chinese = expected_lines(case, "en"), expected_lines(case, "zh-CN")
    location = re.compile(r"^[^\s:][^:]*:\d+:\d+: ")
    assert [location.match(line).group() for line in chinese] == [location.match(line).group() for line in english]
    for line in chinese:
        # A field is named the staff's way: 第N项 / 第N个单位 / 第N轮 ..., not projects[2].
        assert not re.search(r"\b(projects|units|rounds|corrections)\[\d+\]", line), line
        assert re.search("[\u4e00-\u9fff]", location.sub("", line)), f"{case}: not translated: {line}"


@pytest.mark.parametrize("case", sorted(BUILD_CASES))
def test_build_keeps_previous_output(case, tmp_path, good_build, search_flag):
    out = tmp_path / "public"
    shutil.copytree(good_build, out)
    before = snapshot(out)
    site = make_site(case, tmp_path / "site")
    result = run_cli("build", "--site", str(site), "--out", str(out), *search_flag)
    check_failure(case, result, expected_lines(case))
    assert "nothing was written" in result.stderr.splitlines()[-1]
    assert snapshot(out) == before, "a failed build must leave the previous output byte-identical"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".public.cache") == ["public", "site"], \
        "no staging folder may be left"


def test_build_cases_exist():
    assert BUILD_CASES <= set(CASES)


def test_minimal_site_is_valid(tmp_path):
    """The base every case is laid over must itself pass, or no case proves anything."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    result = run_cli("check", "--site", str(site))
    assert result.returncode == 0, result.stderr


def test_utf8_bom_is_accepted(tmp_path):
    """Notepad on Windows saves UTF-8 with a BOM; that is still UTF-8."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    for name in ("site.yaml", "content/units.yaml", "content/r1/u1.yaml"):
        path = site / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run_cli("check", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "OK: 2 rounds, 2 units, 6 project entries." in result.stdout
