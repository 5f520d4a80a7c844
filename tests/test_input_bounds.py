"""Input that passes `check` must build, quickly, into pages and data that show what staff meant.

Through the real CLI on a small site: Markdown that would stall a build is refused by `check`
with a located message, and the worst Markdown still accepted builds at the longest length
allowed; numbers are read as written; invisible characters that mislead are refused.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE, ROOT, run_cli, write_site

LONGEST = 20_000  # progress: Text(multiline=True)
PROBLEM = re.compile(r"^content/r1/u1\.yaml:\d+:\d+: ", re.M)


def fill(unit: str, length: int = LONGEST) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def unit_file(*projects: dict) -> str:
    """content/r1/u1.yaml with these projects; progress as a literal block, so it is kept as written."""
    lines = ["projects:"]
    for number, project in enumerate(projects, start=1):
        lines += [f"  - id: p{number}", f"    title: {project.get('title', '项目')}",
                  "    status: in_progress"]
        lines.append("    progress: |-")
        lines += ["      " + line if line else "" for line in project["progress"].split("\n")]
        for key, value in project.items():
            if key not in ("title", "progress"):
                lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"


def site_with(folder: Path, *projects: dict, **files: str) -> Path:
    site = write_site(folder, MINIMAL_SITE)
    (site / "content/r1/u1.yaml").write_text(unit_file(*projects), encoding="utf-8")
    for name, text in files.items():
        (site / name.replace("__", "/")).write_text(text, encoding="utf-8")
    return site


def build(site: Path, out: Path, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "en", "build", "--no-search",
                             "--site", str(site), "--out", str(out)], capture_output=True, text=True, timeout=timeout)
    return result, time.perf_counter() - started


def problems(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if PROBLEM.match(line)]


# ---- Markdown that would stall a build ------------------------------------------------------------------

# Each took from 20 s to hours (or crashed with RecursionError) before; `check` passed them all.
PATHOLOGICAL = {
    "backtick run": ("`" * LONGEST, "line 1, column 1 of the text: 20000 backticks (`) in a row; at most 10"),
    "backticks in runs of growing length": ("".join("`" * n + " " for n in range(1, 200))[:LONGEST],
                                            "11 backticks (`) in a row"),
    "unclosed [": ("[" * LONGEST, "line 1, column 11 of the text: more than 10 '[' are open here"),
    "unclosed ![": ("![" * (LONGEST // 2), "line 1, column 22 of the text: more than 10 '[' are open here"),
    "unclosed [ over lines": ("[\n" * (LONGEST // 2), "line 11, column 1 of the text: more than 10 '[' are open"),
    "nested [ ]": ("[" * (LONGEST // 2) + "]" * (LONGEST // 2), "more than 10 '[' are open here"),
    "unclosed ](": ("[](" * (LONGEST // 3), "more than 10 link addresses ('](') are open here"),
    "unclosed [ then links": ("[a](" + "[" * (LONGEST - 4), "more than 10 '[' are open here"),
    "lists nested on one line": ("1. " * (LONGEST // 3), "line 1 of the text: lists or quotes nested more than 20"),
    "quotes nested on one line": ("> " * (LONGEST // 2), "lists or quotes nested more than 20 levels deep"),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_check_refuses_markdown_that_would_stall_a_build(name, tmp_path):
    text, message = PATHOLOGICAL[name]
    site = site_with(tmp_path / "site", {"progress": text})
    started = time.perf_counter()
    result = run_cli("check", "--site", str(site))
    elapsed = time.perf_counter() - started
    found = problems(result)
    assert len(found) == 1 and found[0].startswith("content/r1/u1.yaml:5:5: item 1 \"项目\" progress: "), found
    assert message in found[0]
    assert elapsed < 30, f"check took {elapsed:.1f} s"


# The worst inputs still accepted, at the longest length allowed: before, many of them took
# from 6 s to minutes (Python-Markdown searched a paragraph again from its start after each
# match), some crashed. Now each renders in well under a second; 60 s is a guard, not a benchmark.
WORST_ACCEPTED = {
    "code spans": fill("`a"),
    "code spans over lines": fill("`\n"),
    "emphasis over lines": fill("*\n"),
    "strong over lines": fill("**\n"),
    "ten backticks": fill("`" * 10 + " "),
    "backtick runs 1 to 10": "".join("`" * (n % 10 + 1) + "a" for n in range(LONGEST))[:LONGEST],
    "nine open [ then links": "[" * 9 + fill("[a](b)", LONGEST - 9),
    "nine open ]( then links": "[a](" * 9 + fill("[a](b)", LONGEST - 36),
    "nine open [ in every paragraph": fill("[" * 9 + "字" * 89 + "\n\n"),
    "lists 20 deep": fill("- " * 20 + "a\n"),
    "many link definitions": "".join(f"[a{n}]: http://x.cn/{n}\n" for n in range(2000))[:LONGEST],
    "backslashes": "\\" * LONGEST,
    "angle brackets": "<" * LONGEST,
    "ordinary prose": fill("同英河社区进行对接，开展座谈交流，实地查看背街小巷具体垃圾堆放情况。\n"
                           "- 协调相关部门清运所有垃圾，见[通知](https://example.gov.cn/a)。\n\n"),
}


def test_the_worst_accepted_markdown_builds_at_the_longest_length(tmp_path):
    projects = [{"progress": text.strip() or "x"} for text in WORST_ACCEPTED.values()]
    for project in projects:
        assert len(project["progress"]) <= LONGEST
    site = site_with(tmp_path / "site", *projects)
    assert run_cli("check", "--site", str(site)).returncode == 0
    result, elapsed = build(site, tmp_path / "public")
    assert result.returncode == 0, result.stderr
    last = f"p{len(projects)}"  # the ordinary prose, rendered in the same build
    assert '<a href="https://example.gov.cn/a"' in (tmp_path / f"public/projects/u1/{last}.html").read_text(
        encoding="utf-8")


# ---- numbers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, written, message", [
    ("done", "1" + "0" * 400, "item 1 \"项目\" target.done: '10000000000000000000…' (401 characters) is larger "
                              "than 1,000,000,000,000"),
    ("done", "1.0e+308", "item 1 \"项目\" target.done: expected a number, found '1.0e+308'; write the digits out"),
    ("planned", "1.0e-320", "item 1 \"项目\" target.planned: expected a number, found '1.0e-320'"),
    ("planned", "12:30", "item 1 \"项目\" target.planned: expected a number, found '12:30'; a ':' between digits"),
    ("done", "1.2万", "item 1 \"项目\" target.done: expected a number, found '1.2万'; write the number alone and "
                     "its unit under 'unit:'"),
    ("done", "0.00004", "item 1 \"项目\" target.done: '0.00004' has 5 decimal places; at most 4 are allowed"),
])
def test_check_refuses_numbers_that_break_pages_or_data(field, written, message, tmp_path):
    values = {"planned": "10", "done": "5", field: written}
    target = f"\n      name: 车位\n      planned: {values['planned']}\n      done: {values['done']}"
    site = site_with(tmp_path / "site", {"progress": "进行中", "target": target})
    found = problems(run_cli("check", "--site", str(site)))
    assert len(found) == 1 and message in found[0], found
    assert re.match(r"content/r1/u1\.yaml:(9|10):7: ", found[0]), found  # at the field's name


def test_numbers_are_read_as_written_in_pages_and_data(tmp_path):
    site = site_with(tmp_path / "site",
                     {"progress": "a", "funding": "\n      amount: 1,000\n      unit: 元",
                      "target": "\n      name: 车位\n      planned: 010\n      done: ５"},
                     {"progress": "b", "funding": "{amount: '2,500.5', unit: 万元}"},
                     {"progress": "c", "funding": "{amount: 0.0001, unit: 万元}",
                      "target": "{name: 树, planned: 0.0001, done: 1000000000000}"})
    result, _ = build(site, tmp_path / "public")
    assert result.returncode == 0, result.stderr
    public = tmp_path / "public"
    first = (public / "projects/u1/p1.html").read_text(encoding="utf-8")
    assert "1000元" in first and "5/10" in re.sub(r"\s+", "", first)  # 010 is ten, not octal 8
    assert "2500.5万元" in (public / "projects/u1/p2.html").read_text(encoding="utf-8")
    third = (public / "projects/u1/p3.html").read_text(encoding="utf-8")
    assert "0.0001万元" in third and "inf" not in third.lower()
    rows = [row for path in sorted((public / "data").rglob("*.json")) for row in _rows(path)]
    amounts = {row["project_id"]: row["funding_amount"] for row in rows if row.get("round_id") == "r1"}
    assert amounts["p1"] == 1000 and amounts["p2"] == 2500.5 and amounts["p3"] == 0.0001


def _rows(path: Path) -> list[dict]:
    """Every object with a project_id in a JSON file, however it is laid out."""
    text = path.read_text(encoding="utf-8")

    def strict(name: str):  # what JSON.parse in a browser refuses, Python's json accepts
        raise AssertionError(f"{path}: {name} is not JSON")
    try:
        data = json.loads(text, parse_constant=strict)
    except json.JSONDecodeError:
        data = [json.loads(line, parse_constant=strict) for line in text.splitlines() if line.strip()]
    found = []

    def walk(value):
        if isinstance(value, dict):
            if "project_id" in value:
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(data)
    return found


# ---- invisible characters ---------------------------------------------------------------------------

def test_a_right_to_left_override_in_a_title_is_refused_with_its_name(tmp_path):
    site = site_with(tmp_path / "site", {"title": '"路灯\u202e修复"', "progress": "a"})
    found = problems(run_cli("check", "--site", str(site)))
    assert found == ["content/r1/u1.yaml:3:5: item 1 title: contains an invisible character U+202E "
                     "RIGHT-TO-LEFT OVERRIDE at column 3; delete it (it reverses the text after it)"]


def test_invisible_characters_are_refused_in_site_settings(tmp_path):
    site = site_with(tmp_path / "site", {"progress": "a"})
    site_yaml = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(site_yaml.replace("publisher: 测试区办公室", "publisher: 测试\u200b区办公室"),
                                    encoding="utf-8")
    result = run_cli("check", "--site", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("site.yaml:2:1: publisher: contains an invisible character U+200B ZERO WIDTH SPACE at column 3; "
            "delete it (it splits the word it stands in, so searching for that word finds nothing)") in result.stderr


def test_invisible_characters_in_unit_names_are_refused(tmp_path):
    site = site_with(tmp_path / "site", {"progress": "a"})
    units = (site / "content/units.yaml").read_text(encoding="utf-8")
    (site / "content/units.yaml").write_text(units.replace("name: 乙镇", "name: 乙\u2066镇"), encoding="utf-8")
    result = run_cli("check", "--site", str(site))
    assert ("content/units.yaml:7:5: unit 2 name: contains an invisible character U+2066 LEFT-TO-RIGHT "
            "ISOLATE at column 2; delete it (it changes the direction in which the text around it is shown)"
            ) in result.stderr, result.stderr


def test_progress_refuses_bidi_controls_but_keeps_emoji_joined_by_zwj(tmp_path):
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    site = site_with(tmp_path / "site", {"progress": f"第一行\n慰问{family}家庭"})
    result, _ = build(site, tmp_path / "public")
    assert result.returncode == 0, result.stderr
    assert family in (tmp_path / "public/projects/u1/p1.html").read_text(encoding="utf-8")
    site = site_with(tmp_path / "bad", {"progress": "第一行\n路\u200d灯 \u202b修复"})
    found = problems(run_cli("check", "--site", str(site)))
    assert found == ["content/r1/u1.yaml:5:5: item 1 \"项目\" progress: contains an invisible character U+200D "
                     "ZERO WIDTH JOINER at line 2, column 2 of the text; delete it (it splits the word it stands "
                     "in, so searching for that word finds nothing)"]


# ---- messages -------------------------------------------------------------------------------------------

def test_a_very_long_id_is_refused_where_it_is_written(tmp_path):
    """It passed check, then the build failed writing projects/u1/<300 characters>.html, unlocated."""
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    path = site / "content/r1/u1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: p2", "id: " + "p" * 300), encoding="utf-8")
    found = problems(run_cli("check", "--site", str(site)))
    assert found == ["content/r1/u1.yaml:6:5: item 2 \"车位划线\" id: is 300 characters long; an id is at most 100 "
                     "(it names a file, and file names are limited): choose a shorter one"]


def test_a_merge_key_is_reported_with_the_other_problems_of_its_file(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    (site / "content/r1/u1.yaml").write_text(
        "projects:\n"
        "  - &base\n    id: p1\n    title: 路灯\n    status: in_progress\n    progress: a\n"
        "  - <<: *base\n    id: p2\n    title: 车位\n    status: in_progress\n    progress: b\n"
        "  - id: p3\n    title: 垃圾\n    status: finished\n    progress: c\n", encoding="utf-8")
    found = problems(run_cli("check", "--site", str(site)))
    assert found[0] == ("content/r1/u1.yaml:7:5: item 2: '<<' (merging in fields from an alias) is not "
                        "supported; write the fields out")
    assert found[1:] == ["content/r1/u1.yaml:14:5: item 3 \"垃圾\" status: 'finished' is not a valid status; write "
                         "已完成, 推进中, 未启动, 暂缓, 已取消 (or completed, in_progress, not_started, suspended, "
                         "cancelled)"]
