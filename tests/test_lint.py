"""Warnings: likely mistakes that a build lets through, each located, printed by build, check
and serve, and made failures by `check --strict`.

Every case runs the real CLI on a small site (conftest.MINIMAL_SITE with one file changed),
and each warning is paired with a near miss that must not fire.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import MINIMAL_SITE, ROOT, require_tool, run_cli, serving, wait_for_line, write_site

from bulletin.content import UnitFile
from bulletin.lint import unit_warnings
from bulletin.source import parse_yaml

WARNING = re.compile(r"^(\S+?:\d+:\d+): warning: (.*)$")


def site_with(folder: Path, **files: str) -> Path:
    """The minimal site with some files replaced: keyword `r2_u1` is content/r2/u1.yaml."""
    replaced = {("site.yaml" if name == "site" else "content/units.yaml" if name == "units"
                 else f"content/{name.replace('_', '/', 1)}.yaml"): text for name, text in files.items()}
    return write_site(folder, {**MINIMAL_SITE, **replaced})


def warnings_of(result) -> dict[str, str]:
    """{path:line:column: message} of each warning the command printed."""
    found = {}
    for line in result.stderr.splitlines():
        match = WARNING.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def checked(site: Path) -> dict[str, str]:
    result = run_cli("check", "--site", str(site))
    assert result.returncode == 0, result.stderr
    return warnings_of(result)


# --- 1. a field inside a block of text --------------------------------------------------------------------

def test_a_field_indented_into_the_text_above_it_is_warned_at_its_line(tmp_path):
    site = site_with(tmp_path, r2_u1="""
        projects:
          - id: p1
            title: 路灯修复
            status: completed
            progress: |
              全部更换完毕
              lead: 王利君
          - id: p4
            title: 新项目
            status: in_progress
            progress: >
              新增，负责人：王利君，
              进度：过半
                status：推进中
            lead: 王利君
        """)
    found = checked(site)
    assert set(found) == {"content/r2/u1.yaml:7:7", "content/r2/u1.yaml:14:9"}, found
    assert "'lead:' is inside the text above it" in found["content/r2/u1.yaml:7:7"]
    assert 'item 1 "路灯修复" progress' in found["content/r2/u1.yaml:7:7"]
    assert "'status:'" in found["content/r2/u1.yaml:14:9"]  # a full-width colon too; 负责人： is prose


# --- 2. a mistyped id ---------------------------------------------------------------------------------------

def test_a_new_id_with_the_title_of_a_project_left_out_is_warned_at_the_new_id(tmp_path):
    site = site_with(tmp_path, r2_u1="""
        projects:
          - id: p1
            title: 路灯修复
            status: completed
            progress: 全部更换完毕
          - id: p02
            title: 车位 划线。
            status: in_progress
            progress: 已划线
          - id: p5
            title: 垃圾清运
            status: in_progress
            progress: 第二期开始
        """, r1_town="""
        projects:
          - id: t1
            title: 老旧供暖管网改造
            status: in_progress
            progress: 施工中
          - id: t2
            title: 道路硬化
            status: in_progress
            progress: 施工中
        """, r2_town="""
        projects:
          - id: t01
            title: 老旧供暖管网改造工程
            status: in_progress
            progress: 完成一半
          - id: t3
            title: 道路绿化
            status: in_progress
            progress: 开始
        """)
    found = checked(site)
    # p3 (垃圾清运) was completed, so its leaving is no mistake; 道路硬化 and 道路绿化 are different works.
    assert set(found) == {"content/r2/u1.yaml:6:9", "content/r2/town.yaml:2:9"}, found
    assert "project 'p02' is new this round and has the same title as 'p2'" in found["content/r2/u1.yaml:6:9"]
    assert ("project 't01' is new this round and its title is very close to that of 't1' (\"老旧供暖管网改造\")"
            in found["content/r2/town.yaml:2:9"])


# --- 3. progress or a whole file copied from the previous round ------------------------------------------

def test_progress_unchanged_since_the_previous_round_is_warned_unless_the_project_is_completed(tmp_path):
    site = site_with(tmp_path, r2_u1="""
        projects:
          - id: p1
            title: 路灯修复
            status: in_progress
            progress: 正在采购灯泡
          - id: p3
            title: 垃圾清运
            status: completed
            progress: 已清运
        """)
    found = checked(site)
    assert list(found) == ["content/r2/u1.yaml:5:15"], found
    assert "the same as in round 'r1', and the project is not completed" in found["content/r2/u1.yaml:5:15"]


def test_a_file_copied_from_the_previous_round_is_one_warning_for_the_file(tmp_path):
    site = site_with(tmp_path)
    shutil.copyfile(site / "content/r1/town.yaml", site / "content/r2/town.yaml")
    found = checked(site)
    assert list(found) == ["content/r2/town.yaml:1:1"], found  # not one more for its project's progress
    assert "the same projects, word for word, as content/r1/town.yaml" in found["content/r2/town.yaml:1:1"]

    # Only a comment added: the same once read.
    (site / "content/r2/town.yaml").write_text("# 第二轮\n" + (site / "content/r1/town.yaml").read_text("utf-8"),
                                               encoding="utf-8")
    assert list(checked(site)) == ["content/r2/town.yaml:1:1"]


# --- 4. a round dated in the future -----------------------------------------------------------------------

def test_a_round_dated_after_today_is_warned_and_the_clock_changes_nothing_built(tmp_path):
    require_tool(shutil.which("faketime") is not None, "faketime (Debian package faketime)")
    site = site_with(tmp_path / "a", site=MINIMAL_SITE["site.yaml"].replace("2021-08-24", "2099-12-31"))
    assert dt.date.today() < dt.date(2099, 12, 31)
    today = run_cli("build", "--no-search", "--site", str(site), "--out", str(tmp_path / "today"))
    assert today.returncode == 0, today.stderr
    found = warnings_of(today)
    assert list(found) == ["site.yaml:12:11"], today.stderr
    assert "round 2 date: the round is dated 2099-12-31, later than today" in found["site.yaml:12:11"]
    assert "1 warning (the build went on)" in today.stderr

    later = subprocess.run(["faketime", "2100-01-02 12:00:00", sys.executable, str(ROOT / "build.py"), "--lang", "en",
                            "build", "--no-search", "--site", str(site), "--out", str(tmp_path / "later")],
                           capture_output=True, text=True, timeout=300)
    assert later.returncode == 0, later.stderr
    assert warnings_of(later) == {} and "warning" not in later.stderr  # the day has come
    _assert_same_files(tmp_path / "today", tmp_path / "later")


def _assert_same_files(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    _, mismatch, errors = filecmp.cmpfiles(a, b, files_a, shallow=False)
    assert not mismatch and not errors, mismatch + errors


# --- 5. personal data ---------------------------------------------------------------------------------------

def test_resident_id_and_mobile_numbers_are_warned_at_the_number_and_never_repeated(tmp_path):
    site = site_with(tmp_path, r2_u1="""
        projects:
          - id: p1
            title: 路灯修复
            status: completed
            progress: |
              全部更换完毕。
              联系人王先生，电话 13812345678。
            lead: 110101199003077774
            category: 项目编号110101199003071234
            location: 热线12345，座机0476-3555907，工单20211381234567890
            funding: {amount: 13500000000, unit: 元}
        """, site=MINIMAL_SITE["site.yaml"].replace("0000-1234567", "+86 139-1234-5678"), units="""
        units:
          - id: u1
            name: 甲单位
            group: 区直部门
          - id: town
            name: 乙镇（联系人 15012345678）
            group: 镇乡街
        """)
    result = run_cli("check", "--site", str(site))
    assert result.returncode == 0, result.stderr
    found = warnings_of(result)
    assert set(found) == {"content/r2/u1.yaml:7:17", "content/r2/u1.yaml:8:11", "site.yaml:4:10",
                          "content/units.yaml:6:18"}, result.stderr
    assert "looks like a mobile phone number" in found["content/r2/u1.yaml:7:17"]
    assert "mask it (e.g. 138****5678)" in found["content/r2/u1.yaml:7:17"]
    assert "a leak cannot be taken back" in found["content/r2/u1.yaml:7:17"]
    assert 'unit 2 "乙镇（联系人 150****5678）" name' in found["content/units.yaml:6:18"]
    assert "looks like a resident ID number" in found["content/r2/u1.yaml:8:11"]
    assert "110101********7774" in found["content/r2/u1.yaml:8:11"]
    assert "mask it (e.g. 139****5678)" in found["site.yaml:4:10"]
    # The warning itself does not spread the numbers further (CI logs are kept).
    for number in ("13812345678", "110101199003077774", "139-1234-5678", "15012345678"):
        assert number not in result.stderr + result.stdout


def test_a_number_removed_by_a_redaction_is_not_warned(tmp_path):
    site = site_with(tmp_path, r1_u1=MINIMAL_SITE["content/r1/u1.yaml"].replace(
        "progress: 尚未开始", "progress: 尚未开始，联系人电话13900001111"))
    assert list(checked(site)) == ["content/r1/u1.yaml:9:25"]
    assert run_cli("publish", "r1", "--site", str(site)).returncode == 0  # published by mistake
    unit_file = site / "content/r1/u1.yaml"
    unit_file.write_text(unit_file.read_text("utf-8") + "corrections:\n  - date: 2021-07-08\n    reason: 误公布个人信息\n"
                         "    project: p2\n    redact: \"13900001111\"\n", encoding="utf-8")
    pinned = re.search(r"^content/r1/u1\.yaml:(\d+):\d+: .*add state: ([a-p]{12})",
                       run_cli("check", "--site", str(site)).stderr, re.MULTILINE)
    if pinned:  # the state check of corrections asks for it, as staff are told
        lines = unit_file.read_text("utf-8").split("\n")
        lines.insert(int(pinned.group(1)), f"    state: {pinned.group(2)}")
        unit_file.write_text("\n".join(lines), encoding="utf-8")
    assert checked(site) == {}


# --- how warnings are shown -------------------------------------------------------------------------------

MISPLACED_LEAD = """
    projects:
      - id: p1
        title: 路灯修复
        status: completed
        progress: |
          全部更换完毕
          lead: 王利君
    """


def test_build_goes_on_and_prints_warnings_check_strict_fails(tmp_path):
    site = site_with(tmp_path / "site", r2_u1=MISPLACED_LEAD)
    built = run_cli("build", "--no-search", "--site", str(site), "--out", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    assert list(warnings_of(built)) == ["content/r2/u1.yaml:7:7"]
    assert "1 warning (the build went on)" in built.stderr
    assert "lead: 王利君" in (tmp_path / "out/rounds/r2/u1.html").read_text("utf-8")  # published as text indeed

    check = run_cli("check", "--site", str(site))
    assert check.returncode == 0 and list(warnings_of(check)) == ["content/r2/u1.yaml:7:7"]
    strict = run_cli("check", "--strict", "--site", str(site))
    assert strict.returncode == 1 and list(warnings_of(strict)) == ["content/r2/u1.yaml:7:7"]
    assert "with --strict a warning fails the check" in strict.stderr

    clean = site_with(tmp_path / "clean")
    assert run_cli("check", "--strict", "--site", str(clean)).returncode == 0


def test_the_warning_of_a_unit_reused_from_the_cache_is_printed_again(tmp_path):
    site = site_with(tmp_path / "site", r2_u1=MISPLACED_LEAD)
    out = tmp_path / "out"
    first = run_cli("build", "--no-search", "--site", str(site), "--out", str(out))
    assert first.returncode == 0 and list(warnings_of(first)) == ["content/r2/u1.yaml:7:7"], first.stderr
    town = site / "content/r1/town.yaml"
    town.write_text(town.read_text("utf-8").replace("施工中", "施工过半"), encoding="utf-8")
    second = run_cli("build", "--no-search", "--site", str(site), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert "1 of 2 units rebuilt" in second.stdout  # u1 came from the cache
    assert list(warnings_of(second)) == ["content/r2/u1.yaml:7:7"]
    # In the language of this run, not of the run that stored it.
    third = run_cli("build", "--no-search", "--site", str(site), "--out", str(out), lang="zh-CN")
    assert "content/r2/u1.yaml:7:7: 警告：第1项「路灯修复」进展 progress：「lead:」位于上方文字" in third.stderr
    assert "1 个警告（生成照常完成）" in third.stderr


def test_warnings_in_chinese(tmp_path):
    site = site_with(tmp_path, r2_u1=MISPLACED_LEAD.replace("全部更换完毕", "全部更换完毕，联系电话13812345678"))
    result = run_cli("check", "--strict", "--site", str(site), lang="zh-CN")
    assert result.returncode == 1
    assert ("content/r2/u1.yaml:6:18: 警告：第1项「路灯修复」进展 progress：这像是手机号码；个人信息不得公布，"
            "一旦泄露无法收回：请打码（例如 138****5678）") in result.stderr
    assert "2 个警告；使用 --strict 时，有警告即检查不通过" in result.stderr


def test_serve_shows_warnings_in_its_console_and_on_every_page(tmp_path):
    from test_serve import _get
    site = site_with(tmp_path / "site", r2_u1=MISPLACED_LEAD)
    with serving(site, tmp_path / "out") as (base, lines, seen):
        page = _get(base + "rounds/r2/u1.html")
        assert '<div class="build-warning" role="status"' in page
        assert "content/r2/u1.yaml:7:7: warning: item 1 &quot;路灯修复&quot; progress: &#x27;lead:&#x27;" in page
        assert any(line.startswith("content/r2/u1.yaml:7:7: warning: ") for line in seen)

        time.sleep(1.1)  # a later modification time than the first snapshot on coarse clocks
        write_site(site, {"content/r2/u1.yaml": MISPLACED_LEAD.replace("lead: 王利君", "负责人：王利君")})
        wait_for_line(lines, r"Built \d+ pages", seen)
        assert "build-warning" not in _get(base + "rounds/r2/u1.html")


# --- bounded ----------------------------------------------------------------------------------------------

def test_matching_titles_stays_fast_when_a_unit_renumbers_its_whole_list():
    """3,000 projects left out and 3,000 new ids in one unit: the equal titles are still paired,
    without comparing nine million pairs of titles."""
    count = 3000
    old = "projects:\n" + "".join(f"  - id: a{i}\n    title: 项目{i}号工程\n    status: in_progress\n"
                                  f"    progress: 进展{i}\n" for i in range(count))
    new = old.replace("id: a", "id: b").replace("进展", "新进展")
    files = tuple(UnitFile(round_id, "u1", tuple(parse_yaml(text.encode(), path).data["projects"]),
                           parse_yaml(text.encode(), path))
                  for round_id, text, path in (("r1", old, "content/r1/u1.yaml"), ("r2", new, "content/r2/u1.yaml")))
    started = time.perf_counter()
    found = unit_warnings(files, {})
    assert time.perf_counter() - started < 10
    assert len(found) == count and {w.kind for w in found} == {"renamed-id"}
