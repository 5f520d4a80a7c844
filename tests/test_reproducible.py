"""Reproducible builds: the same content gives the same bytes, whatever the output folder, PYTHONHASHSEED,
time zone, locale and day. Pages, open data, the search index, and archives too.

The shipped sample is built through the real CLI twice, under two different environments, and
the two output folders are compared file by file. The day is changed with `faketime` (Debian package
faketime): skipped on a laptop without it, a failure in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, require_tool

ANOTHER_DAY = "2031-01-01 00:00:00"


def available_locales() -> list[str]:
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=30).stdout.split()
    except OSError:
        listed = []
    return listed


def two_locales() -> tuple[str, str]:
    """C.UTF-8 and another locale that exists here (en_US.UTF-8 or zh_CN.UTF-8 when installed)."""
    listed = {name.lower().replace("-", ""): name for name in available_locales()}
    first = listed.get("c.utf8", "C.UTF-8")
    for wanted in ("en_us.utf8", "zh_cn.utf8", "de_de.utf8", "fr_fr.utf8", "posix", "c"):
        if wanted in listed and listed[wanted] != first:
            return first, listed[wanted]
    return first, "C"


LOCALE_A, LOCALE_B = two_locales()
ENV_A = {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": LOCALE_A, "LANG": LOCALE_A}
ENV_B = {"PYTHONHASHSEED": "4242", "TZ": "Asia/Shanghai", "LC_ALL": LOCALE_B, "LANG": LOCALE_B}


def cli(*args: str, env: dict, another_day: bool = False) -> subprocess.CompletedProcess:
    """`python build.py ...` in the given environment; under faketime when another_day."""
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    environment.update(env)
    command = [sys.executable, str(ROOT / "build.py"), *args]
    if another_day:
        command = ["faketime", ANOTHER_DAY, *command]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


def files_of(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_trees(a: Path, b: Path) -> int:
    """Same file list, same bytes in every file; returns the number of files compared."""
    first, second = files_of(a), files_of(b)
    only_a, only_b = sorted(set(first) - set(second)), sorted(set(second) - set(first))
    common = sorted(set(first) & set(second))
    differing = [name for name in common if first[name].read_bytes() != second[name].read_bytes()]
    assert not (only_a or only_b or differing), (
        f"{len(common)} files compared: {len(differing)} differ {differing[:20]}; "
        f"only in the first build {only_a[:20]}; only in the second {only_b[:20]}")
    return len(common)


def needs_faketime() -> None:
    require_tool(shutil.which("faketime") is not None, "faketime (Debian package faketime)")


def test_the_environments_really_differ():
    assert ENV_A != ENV_B
    assert all(ENV_A[key] != ENV_B[key] for key in ("PYTHONHASHSEED", "TZ"))


# --- builds -----------------------------------------------------------------------------------------------------

def build_twice(tmp_path: Path, another_day: bool) -> tuple[Path, Path]:
    first = tmp_path / "a" / "public"
    second = tmp_path / "elsewhere" / "deeper" / "site-output"
    cli("build", "--out", str(first), env=ENV_A)
    cli("build", "--out", str(second), env=ENV_B, another_day=another_day)
    return first, second


def check_build(first: Path, second: Path) -> int:
    names = files_of(first)
    assert "index.html" in names and "data/projects.json.gz" in names
    assert {"search/index.js", "search/shard-0/facets.js", "search/t2s.js"} <= set(names), "no search index"
    assert any(re.fullmatch(r"search/shard-0/b\d+\.js", name) for name in names)
    assert any(name.startswith("search/units/") for name in names)
    return assert_same_trees(first, second)


def test_the_sample_builds_to_the_same_bytes_anywhere(tmp_path):
    first, second = build_twice(tmp_path, another_day=False)
    compared = check_build(first, second)
    assert compared > 50, f"only {compared} files compared"


def test_the_sample_builds_to_the_same_bytes_on_another_day(tmp_path):
    needs_faketime()
    first, second = build_twice(tmp_path, another_day=True)
    compared = check_build(first, second)
    assert compared > 50, f"only {compared} files compared"


# --- archives ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def published_sample(tmp_path_factory) -> Path:
    """The shipped sample copied and published round by round."""
    import yaml

    site = tmp_path_factory.mktemp("reproducible") / "yuanbaoshan"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "content", site / "content", ignore=shutil.ignore_patterns("ledger.json"))
    for round_ in yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))["rounds"]:
        cli("publish", str(round_["id"]), "--site", str(site), env={})
    return site


def archive_twice(site: Path, tmp_path: Path, another_day: bool) -> tuple[Path, Path]:
    first = Path(cli("archive", "--site", str(site), "--out", str(tmp_path / "a"), env=ENV_A).stdout.strip())
    second = Path(cli("archive", "--site", str(site), "--out", str(tmp_path / "other" / "b"), env=ENV_B,
                      another_day=another_day).stdout.strip())
    assert first.name == second.name
    return first, second


def assert_same_archives(first: Path, second: Path) -> int:
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        names_a, names_b = a.namelist(), b.namelist()
        assert names_a == names_b, f"member lists differ: {sorted(set(names_a) ^ set(names_b))[:20]}"
        differing = [n for n in names_a if a.read(n) != b.read(n)]
        stamps = [n for n in names_a if a.getinfo(n).date_time != b.getinfo(n).date_time]
    assert not differing and not stamps, (f"{len(names_a)} members compared: contents differ {differing[:20]}, "
                                          f"timestamps differ {stamps[:20]}")
    assert first.read_bytes() == second.read_bytes(), \
        f"{len(names_a)} members identical, but the zip files differ ({first.stat().st_size} vs {second.stat().st_size} bytes)"
    return len(names_a)


def test_the_archive_is_the_same_anywhere(published_sample, tmp_path):
    compared = assert_same_archives(*archive_twice(published_sample, tmp_path, another_day=False))
    assert compared > 50


def test_the_archive_is_the_same_on_another_day(published_sample, tmp_path):
    needs_faketime()
    first, second = archive_twice(published_sample, tmp_path, another_day=True)
    compared = assert_same_archives(first, second)
    assert compared > 50
    with zipfile.ZipFile(first) as z:
        stamps = {info.date_time[:3] for info in z.infolist()}
    import yaml
    date = yaml.safe_load((published_sample / "site.yaml").read_text(encoding="utf-8"))["rounds"][-1]["date"]
    assert stamps == {(date.year, date.month, date.day)}, "the archive's timestamps must be the round's publication date"
