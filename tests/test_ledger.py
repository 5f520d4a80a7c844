"""Published rounds are tamper-evident: `publish` freezes a round in content/ledger.json, and every later
build or check refuses a silent change, unless the unit file declares it under `corrections:`; then the
pages show a correction notice (更正) and the list as first published stays reachable.

Everything runs through the real CLI on copies of conftest's minimal site. Every refusal is checked for
its exit code, its located message lines, the absence of a traceback, and an output folder left as it was.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site

LEDGER = "content/ledger.json"
R1_PUBLISHED = "round r1 was published on 2021-06-30"


# --- helpers ----------------------------------------------------------------------------------------------

def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def publish(site: Path, round_id: str) -> None:
    result = run_cli("publish", round_id, "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def build(site: Path, out: Path):
    return run_cli("build", "--site", str(site), "--out", str(out))


def built(site: Path, out: Path) -> Path:
    result = build(site, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


def edit(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(site: Path, relative: str, text: str) -> None:
    path = site / relative
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def ledger(site: Path) -> dict:
    return json.loads((site / LEDGER).read_text(encoding="utf-8"))


def corrections(*items: tuple[str, str, str]) -> str:
    """A corrections: block for (date, reason, project) items, without their state (see declare)."""
    return "corrections:\n" + "".join(f"  - date: {date}\n    reason: {reason}\n    project: {project}\n"
                                      for date, reason, project in items)


STATE_MISSING = re.compile(r"^(\S+?):(\d+):\d+: correction \d+: state is missing: add state: ([a-p]{12}) ")


def declare(site: Path, relative: str, *items: tuple[str, str, str]) -> None:
    """Append corrections and give each the state the check asks for, as staff do: the check names
    the missing state of each correction; it is written under that correction."""
    append(site, relative, corrections(*items))
    result = run_cli("check", "--site", str(site))
    path = site / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [m for m in map(STATE_MISSING.match, result.stderr.splitlines()) if m and m.group(1) == relative]
    assert found, result.stderr
    for match in sorted(found, key=lambda m: -int(m.group(2))):  # from the bottom: line numbers stay right
        line = int(match.group(2))  # the item's "- date:" line
        lines.insert(line, f"    state: {match.group(3)}")
    path.write_text("\n".join(lines), encoding="utf-8")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def resolve(page: str, href: str) -> str:
    """The output path a relative link on `page` points at (fragment dropped)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href.split("#")[0]))


@pytest.fixture
def published_site(minimal_site: Path, tmp_path: Path):
    """The minimal site with r1 published, built once into out/ (the folder a failed build must not touch)."""
    publish(minimal_site, "r1")
    out = built(minimal_site, tmp_path / "out")
    return minimal_site, out, tree_digest(out)


def assert_refused(result, expected_lines: list[str], out: Path | None = None, before: dict | None = None,
                   summary: str | None = None) -> list[str]:
    """Exit 1, no traceback, every expected line printed as is, the problem count, and the output untouched."""
    lines = [ANY_STATE.sub("state: <state>", line) for line in result.stderr.splitlines()]
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    for line in expected_lines:
        assert line in lines, f"missing line {line!r} in:\n{result.stderr}"
    count = len(expected_lines)
    if summary is None:
        summary = f"{count} problem{'s' if count != 1 else ''} found; "
        summary += f"nothing was written; {out} is unchanged." if out is not None else "fix them and run check again."
    assert lines[-1] == summary, result.stderr
    assert len(lines) == count + 1, f"unexpected extra lines:\n{result.stderr}"
    if out is not None:
        assert tree_digest(out) == before, "a failed build changed the output folder"
        assert [p.name for p in out.parent.glob(f".{out.name}.*")] in ([], [f".{out.name}.cache"]), \
            "a staging folder was left behind"
    return lines


ANY_STATE = re.compile(r"state: [a-p]{12}\b")  # states are digests: the messages are compared without them


def changed_since(project: str, fields: str) -> str:
    return (f"{R1_PUBLISHED}; project '{project}' changed since ({fields}): declare it under corrections: with "
            f"date, reason, project: {project} and state: <state>, or restore the published text")


# --- publish ----------------------------------------------------------------------------------------------

def test_publish_records_digests_texts_and_a_chain(minimal_site):
    result = run_cli("publish", "r1", "--site", str(minimal_site))
    assert result.returncode == 0, result.stderr
    assert "Round r1 is published: 2 unit files" in result.stdout
    assert LEDGER in result.stdout
    publish(minimal_site, "r2")

    data = ledger(minimal_site)
    assert data["format"] == "bulletin-ledger/2"
    first, second = data["published"]
    assert [first["round"], second["round"]] == ["r1", "r2"]
    assert [f["path"] for f in first["files"]] == ["content/r1/town.yaml", "content/r1/u1.yaml"]
    assert [f["path"] for f in second["files"]] == ["content/r2/u1.yaml"]
    for entry in (first, second):
        for recorded in entry["files"]:
            raw = (minimal_site / recorded["path"]).read_bytes()
            assert recorded["sha256"] == hashlib.sha256(raw).hexdigest()
            assert recorded["text"] == raw.decode("utf-8")  # the exact text, comments and layout included
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        assert re.fullmatch(r"[0-9a-f]{64}", entry["site_entry_sha256"])
    assert first["site_entry"] == {"id": "r1", "title": "第一轮", "date": "2021-06-30"}
    # what the round's pages show of the site and of every unit, in display order
    assert first["shown"] == {
        "site": {"title": "测试区民生实事公示", "publisher": "测试区办公室", "supervision_phone": "0000-1234567",
                 "supervision_note": "欢迎监督"},
        "units": [{"id": "u1", "name": "甲单位", "group": "区直部门", "order": 1},
                  {"id": "town", "name": "乙镇", "group": "镇乡街", "order": 2}]}
    assert second["site_entry"] == {"id": "r2", "title": "第二轮", "date": "2021-08-24"}
    # The chain: the first entry has no predecessor, each later one names the digest of the one before.
    assert first["previous"] == ""
    assert second["previous"] == first["sha256"]
    assert first["sha256"] != second["sha256"]


def test_publishing_a_round_twice_is_refused(minimal_site):
    publish(minimal_site, "r1")
    before = (minimal_site / LEDGER).read_bytes()
    result = run_cli("publish", "r1", "--site", str(minimal_site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("round 'r1' is already published; a correction is made in its unit files under "
                               "corrections:"), result.stderr
    assert lines[-1] == "nothing was recorded."
    assert (minimal_site / LEDGER).read_bytes() == before


def test_publishing_an_unlisted_round_is_refused(minimal_site):
    result = run_cli("publish", "r9", "--site", str(minimal_site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["round 'r9' is not listed under rounds: in site.yaml", "nothing was recorded."]
    assert not (minimal_site / LEDGER).exists()


def test_publishing_invalid_content_is_refused(minimal_site):
    edit(minimal_site, "content/r1/u1.yaml", "status: not_started", "status: done")
    result = run_cli("publish", "r1", "--site", str(minimal_site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("content/r1/u1.yaml:8:5: item 2 \"车位划线\" status: 'done' is not a valid status; write "), result.stderr
    assert lines[-1] == "1 problem found; nothing was recorded."
    assert not (minimal_site / LEDGER).exists()


def test_publishing_another_round_is_refused_while_a_published_one_changed_silently(minimal_site):
    publish(minimal_site, "r1")
    edit(minimal_site, "content/r1/u1.yaml", "progress: 已清运", "progress: 已清运完毕")
    before = (minimal_site / LEDGER).read_bytes()
    result = run_cli("publish", "r2", "--site", str(minimal_site))
    assert_refused(result, ["content/r1/u1.yaml:13:5: item 3 \"垃圾清运\" progress: " + changed_since("p3", "progress")],
                   summary="1 problem found; nothing was recorded.")
    assert (minimal_site / LEDGER).read_bytes() == before


def test_later_rounds_stay_editable(published_site, tmp_path):
    site, out, _ = published_site
    edit(site, "content/r2/u1.yaml", "progress: 全部更换完毕", "progress: 全部更换完毕，已验收")
    built(site, out)
    assert "已验收" in (out / "rounds/r2/u1.html").read_text(encoding="utf-8")
    assert not (out / "rounds/r2/published").exists()


# --- silent changes are refused ---------------------------------------------------------------------------

def test_changed_status_fails_the_build_naming_file_project_and_fields(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress\n    progress: 正在采购灯泡",
         "status: completed\n    progress: 已全部更换")
    result = build(site, out)
    assert_refused(result, ["content/r1/u1.yaml:4:5: item 1 \"路灯修复\" status: " + changed_since("p1", "status, progress")],
                   out, before)


def test_check_refuses_a_silent_change_too(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: completed")
    result = run_cli("check", "--site", str(site))
    assert_refused(result, ["content/r1/u1.yaml:4:5: item 1 \"路灯修复\" status: " + changed_since("p1", "status")])
    assert not (site / "public").exists()


def test_every_changed_project_is_named_on_its_own_line(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "title: 车位划线", "title: 车位划线（东区）")
    edit(site, "content/r1/u1.yaml", "progress: 已清运", "progress: 已清运完毕")
    edit(site, "content/r1/town.yaml", "title: 供暖改造", "title: 供暖管网改造")
    result = build(site, out)
    assert_refused(result, [
        "content/r1/u1.yaml:7:5: item 2 title: " + changed_since("p2", "title"),
        "content/r1/u1.yaml:13:5: item 3 \"垃圾清运\" progress: " + changed_since("p3", "progress"),
        "content/r1/town.yaml:3:5: item 1 title: " + changed_since("t1", "title"),
    ], out, before)


def test_a_project_removed_or_added_silently_is_refused(published_site):
    site, out, before = published_site
    path = site / "content/r1/u1.yaml"
    text = path.read_text(encoding="utf-8")
    text = text[: text.index("  - id: p3")]  # p3 removed
    text += "  - id: p9\n    title: 新增项目\n    status: in_progress\n    progress: 补录\n"  # p9 added
    path.write_text(text, encoding="utf-8")
    result = build(site, out)
    assert_refused(result, [
        "content/r1/u1.yaml:1:1: " + changed_since("p3", "removed"),
        "content/r1/u1.yaml:10:5: item 3 \"新增项目\": " + changed_since("p9", "added"),
    ], out, before)


def test_a_unit_file_added_to_a_published_round_is_refused(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    publish(minimal_site, "r2")
    out = built(minimal_site, tmp_path / "out")
    before = tree_digest(out)
    write_site(minimal_site, {"content/r2/town.yaml": """
        projects:
          - id: t1
            title: 供暖改造
            status: completed
            progress: 已完工
        """})
    result = build(minimal_site, out)
    assert_refused(result, ["content/r2/town.yaml:1:1: round r2 is published; a unit file cannot be added to it "
                            "afterwards: add the unit's projects to the next round"], out, before)


def test_a_unit_file_removed_from_a_published_round_is_refused(published_site):
    site, out, before = published_site
    (site / "content/r1/town.yaml").unlink()
    result = build(site, out)
    assert_refused(result, ["content/r1/town.yaml:1:1: this file was published in round r1 and is missing; "
                            "restore it (its published text is in the ledger)"], out, before)


@pytest.mark.parametrize("old, new", [("title: 第一轮", "title: 第一轮公布"), ("date: 2021-06-30", "date: 2021-07-01")],
                         ids=["title", "date"])
def test_a_published_rounds_title_or_date_cannot_change(published_site, old, new):
    site, out, before = published_site
    edit(site, "site.yaml", old, new)
    result = build(site, out)
    assert_refused(result, ["site.yaml:7:5: round 1: round r1 was published as '第一轮' of 2021-06-30; "
                            "a published round's title and date cannot change"], out, before)


def test_a_published_round_cannot_leave_site_yaml(minimal_site, tmp_path):
    publish(minimal_site, "r1")
    publish(minimal_site, "r2")
    out = built(minimal_site, tmp_path / "out")
    before = tree_digest(out)
    path = minimal_site / "site.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: r2")], encoding="utf-8")
    (minimal_site / "content/r2/u1.yaml").unlink()
    (minimal_site / "content/r2").rmdir()
    result = build(minimal_site, out)
    assert_refused(result, ["site.yaml:1:1: rounds: round r2 was published (see content/ledger.json) and must stay "
                            "listed under rounds:"], out, before)


def _tamper_text(data: dict) -> None:
    recorded = data["published"][0]["files"][1]
    assert recorded["path"] == "content/r1/u1.yaml"
    recorded["text"] = recorded["text"].replace("正在采购灯泡", "已全部更换")


def _tamper_text_and_its_digest(data: dict) -> None:
    _tamper_text(data)
    recorded = data["published"][0]["files"][1]
    recorded["sha256"] = hashlib.sha256(recorded["text"].encode("utf-8")).hexdigest()


def _tamper_entry_digest(data: dict) -> None:
    data["published"][0]["sha256"] = "0" * 64


def _tamper_chain(data: dict) -> None:
    data["published"][1]["previous"] = "0" * 64


def _drop_first_entry(data: dict) -> None:
    del data["published"][0]


@pytest.mark.parametrize("tamper, message", [
    (_tamper_text, "published[0] (round r1) was altered after publication: its digest no longer matches; "
                   "restore the ledger from version control"),
    (_tamper_text_and_its_digest, "published[0] (round r1) was altered after publication: its digest no longer "
                                  "matches; restore the ledger from version control"),
    (_tamper_entry_digest, "published[0] (round r1) was altered after publication: its digest no longer matches; "
                           "restore the ledger from version control"),
    (_tamper_chain, "published[1] (round r2) was altered after publication: its digest no longer matches; "
                    "restore the ledger from version control"),
    (_drop_first_entry, "published[0] (round r2) was altered after publication: its digest no longer matches; "
                        "restore the ledger from version control"),
], ids=["text", "text-and-file-digest", "entry-digest", "chain", "entry-removed"])
def test_a_tampered_ledger_is_refused(minimal_site, tmp_path, tamper, message):
    publish(minimal_site, "r1")
    publish(minimal_site, "r2")
    out = built(minimal_site, tmp_path / "out")
    before = tree_digest(out)
    data = ledger(minimal_site)
    tamper(data)
    (minimal_site / LEDGER).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    result = build(minimal_site, out)
    assert_refused(result, [f"content/ledger.json:1:1: {message}"], out, before)
    assert_refused(run_cli("check", "--site", str(minimal_site)), [f"content/ledger.json:1:1: {message}"])


def test_a_ledger_that_is_not_json_is_refused(published_site):
    site, out, before = published_site
    (site / LEDGER).write_text('{"format": "bulletin-ledger/1", "published": [', encoding="utf-8")
    result = build(site, out)
    assert_refused(result, ["content/ledger.json:1:1: the ledger is not a ledger written by 'python build.py "
                            "publish'; restore it from version control"], out, before)


def test_corrections_in_an_unpublished_round_are_refused(published_site):
    site, out, before = published_site
    append(site, "content/r2/u1.yaml", corrections(("2021-09-01", "笔误", "p1")))
    result = build(site, out)
    assert_refused(result, ["content/r2/u1.yaml:12:1: corrections: round r2 is not published yet: edit its text "
                            "freely and remove corrections:"], out, before)


def test_a_correction_of_an_unchanged_project_is_refused(published_site):
    site, out, before = published_site
    append(site, "content/r1/u1.yaml", corrections(("2021-07-05", "笔误", "p2")))
    result = build(site, out)
    assert_refused(result, ["content/r1/u1.yaml:17:5: correction 1 project: project 'p2' is unchanged since "
                            "publication; remove this correction"], out, before)


def test_only_the_undeclared_change_is_refused(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: completed")
    edit(site, "content/r1/u1.yaml", "progress: 已清运", "progress: 已清运完毕")
    declare(site, "content/r1/u1.yaml", ("2021-07-05", "核实后更正", "p1"))
    result = build(site, out)
    assert_refused(result, ["content/r1/u1.yaml:13:5: item 3 \"垃圾清运\" progress: " + changed_since("p3", "progress")],
                   out, before)


def test_comments_and_layout_may_change_silently(published_site):
    site, out, before = published_site
    path = site / "content/r1/u1.yaml"
    text = path.read_text(encoding="utf-8")
    text = "# 第一轮 甲单位（已公布）\n" + text.replace("title: 路灯修复", "title:   路灯修复    # 原文")
    text = text.replace("progress: 尚未开始", "progress: \"尚未开始\"") + "\n\n"
    path.write_text(text, encoding="utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() != ledger(site)["published"][0]["files"][1]["sha256"]
    result = build(site, out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    check = run_cli("check", "--site", str(site))
    assert check.returncode == 0 and check.stderr == "", check.stderr
    assert tree_digest(out) == before, "a change of layout only must not change a byte of the site"
    assert not (out / "rounds/r1/published").exists()
    assert soup(out / "rounds/r1/u1.html").select("section.corrections, .correction") == []


def test_a_file_saved_with_a_bom_can_be_published_and_built(minimal_site, tmp_path):
    """Windows editors add a UTF-8 BOM, which the content reader accepts; publishing such a file must not
    write a ledger that the next build rejects."""
    path = minimal_site / "content/r1/u1.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    publish(minimal_site, "r1")
    result = build(minimal_site, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert run_cli("check", "--site", str(minimal_site)).returncode == 0


# --- declared corrections ---------------------------------------------------------------------------------

CORRECTION_DATE = "2021-07-05"
CORRECTION_REASON = "经核实，路灯已于六月底全部更换，原公布状态有误。"


@pytest.fixture
def corrected_site(published_site):
    """r1 published, then p1's status and progress corrected with a declared correction, and built."""
    site, out, _ = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress\n    progress: 正在采购灯泡",
         "status: completed\n    progress: 已全部更换")
    declare(site, "content/r1/u1.yaml", (CORRECTION_DATE, CORRECTION_REASON, "p1"))
    result = build(site, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("check", "--site", str(site)).returncode == 0
    return site, out


def assert_notice(notice, changes: list[str]) -> None:
    title = notice.select_one(".correction-title")
    assert "更正" in text_of(title)
    assert notice.select_one("time")["datetime"] == CORRECTION_DATE
    assert CORRECTION_REASON in text_of(title)
    assert [text_of(li) for li in notice.select("ul li")] == changes


P1_CHANGES = ["状态：推进中 → 已完成", "工作进展：原为“正在采购灯泡”，现为“已全部更换”"]


def test_a_declared_correction_is_shown_on_the_unit_page(corrected_site):
    site, out = corrected_site
    page = soup(out / "rounds/r1/u1.html")
    section = page.select_one("section.corrections")
    assert section is not None
    notices = section.select(".correction")
    assert len(notices) == 1
    assert_notice(notices[0], P1_CHANGES)
    links = [a["href"] for a in section.select("a")]
    assert "published/u1.html" in links
    assert resolve("rounds/r1/u1.html", "published/u1.html") == "rounds/r1/published/u1.html"
    # the page itself shows the corrected text
    entry = page.select_one("li.entry#p1")
    assert "已全部更换" in text_of(entry) and "正在采购灯泡" not in text_of(entry)
    # other unit pages of the round, and the unit's page of the next round, have no notice
    assert soup(out / "rounds/r1/town.html").select(".correction") == []
    assert soup(out / "rounds/r2/u1.html").select(".correction") == []


def test_the_list_as_first_published_stays_reachable(corrected_site):
    site, out = corrected_site
    page = soup(out / "rounds/r1/published/u1.html")
    banner = page.select_one(".as-published")
    assert banner is not None
    back = banner.select_one("a")["href"]
    assert resolve("rounds/r1/published/u1.html", back) == "rounds/r1/u1.html"
    assert page.select("section.corrections") == []
    # the original text, as it was published
    entry = page.select_one("li.entry#p1")
    assert "正在采购灯泡" in text_of(entry)
    assert "推进中" in text_of(entry.select_one(".status"))
    assert "已全部更换" not in text_of(entry)
    titles = [text_of(h) for h in page.select("ol.entries h2.entry-title")]
    assert titles == ["1. 路灯修复", "2. 车位划线", "3. 垃圾清运"]


def test_the_project_history_shows_the_correction_at_its_round(corrected_site):
    site, out = corrected_site
    page = soup(out / "projects/u1/p1.html")
    steps = {text_of(step.select_one("h3 a")): step for step in page.select("ol.history > li.history-step")}
    assert set(steps) == {"第一轮", "第二轮"}
    notices = steps["第一轮"].select(".correction")
    assert len(notices) == 1
    assert_notice(notices[0], P1_CHANGES)
    assert steps["第二轮"].select(".correction") == []
    # the other projects' pages have no notice
    for other in ("p2", "p3", "p4"):
        assert soup(out / f"projects/u1/{other}.html").select(".correction") == [], other


def test_every_correction_of_a_file_has_its_notice(published_site):
    site, out, _ = published_site
    edit(site, "content/r1/u1.yaml", "title: 车位划线", "title: 车位划线（东区）")
    edit(site, "content/r1/u1.yaml", "status: completed\n    progress: 已清运",
         "status: in_progress\n    progress: 清运中")
    declare(site, "content/r1/u1.yaml", (CORRECTION_DATE, "名称补全", "p2"), ("2021-07-06", "状态有误", "p3"))
    built(site, out)
    section = soup(out / "rounds/r1/u1.html").select_one("section.corrections")
    notices = section.select(".correction")
    assert len(notices) == 2
    # the title's words that changed, marked (<ins>), each announced to screen readers (test_corrections_visible)
    assert [text_of(li) for li in notices[0].select("li")] == ["项目名称： 车位划线 ［新增： （东区） ］"]
    assert [n.select_one("time")["datetime"] for n in notices] == [CORRECTION_DATE, "2021-07-06"]
    assert [text_of(li) for li in notices[1].select("li")] == ["状态：已完成 → 推进中", "工作进展： ［删除： 已 ］ 清运 ［新增： 中 ］"]
    assert "状态：已完成 → 推进中" in text_of(soup(out / "projects/u1/p3.html").select_one(".correction"))
    assert "车位划线（东区）" in text_of(soup(out / "projects/u1/p2.html").select_one(".correction"))


def test_links_of_a_corrected_round_resolve(corrected_site):
    site, out = corrected_site
    for page in ("rounds/r1/u1.html", "rounds/r1/published/u1.html", "projects/u1/p1.html"):
        for a in soup(out / page).select("main a[href]"):
            href = a["href"]
            if re.match(r"^[a-z]+:", href) or href.startswith("#"):
                continue
            assert (out / resolve(page, href)).is_file(), f"{page}: broken link {href}"


def test_a_project_removed_by_a_correction_leaves_no_broken_link(published_site):
    """The as-published list still shows the removed project; its link to a history page must resolve."""
    site, out, _ = published_site
    path = site / "content/r1/u1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: p3")], encoding="utf-8")
    declare(site, "content/r1/u1.yaml", (CORRECTION_DATE, "重复列入", "p3"))
    built(site, out)
    notice = soup(out / "rounds/r1/u1.html").select_one("section.corrections .correction")
    assert [text_of(li) for li in notice.select("li")] == ["删除项目：垃圾清运"]
    page = "rounds/r1/published/u1.html"
    assert "垃圾清运" in text_of(soup(out / page).select_one("ol.entries"))
    broken = [a["href"] for a in soup(out / page).select("main a[href]")
              if not re.match(r"^[a-z]+:", a["href"]) and not a["href"].startswith("#")
              and not (out / resolve(page, a["href"])).is_file()]
    assert broken == [], f"{page} links to pages that were not built: {broken}"


def test_a_corrected_round_keeps_both_versions_in_its_archive(corrected_site, tmp_path):
    site, out = corrected_site
    result = run_cli("archive", "r1", "--site", str(site), "--out", str(tmp_path / "archives"))
    assert result.returncode == 0, result.stderr
    bundle = Path(result.stdout.strip())
    assert bundle.is_file()
    with zipfile.ZipFile(bundle) as archive:
        top = archive.namelist()[0].split("/")[0]
        current = BeautifulSoup(archive.read(f"{top}/data/rounds/r1/u1.html").decode("utf-8"), "html.parser")
        first = BeautifulSoup(archive.read(f"{top}/data/rounds/r1/published/u1.html").decode("utf-8"), "html.parser")
    assert_notice(current.select_one("section.corrections .correction"), P1_CHANGES)
    assert "已全部更换" in text_of(current.select_one("li.entry#p1"))
    assert first.select_one(".as-published") is not None
    assert "正在采购灯泡" in text_of(first.select_one("li.entry#p1"))
    verify = run_cli("verify", str(bundle))
    assert verify.returncode == 0, verify.stderr
