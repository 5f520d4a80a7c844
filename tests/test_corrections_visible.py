"""Corrections citizens can see: each notice names the item it corrects, the corrected item carries
an 已更正 mark linking to its notice, the round's bulletin and the home page list the corrections
(date, unit, item, each linked to its notice), and a corrected text shows the words that changed
(<del>/<ins>) rather than two paragraphs. A redaction still never shows what it removed.

The site is conftest's minimal site, r1 published through the real CLI and then corrected the ways
staff do; pages are read with BeautifulSoup. worddiff is tested on its own at the end.
"""

from __future__ import annotations

import os
import posixpath
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bulletin.model import Change
from bulletin.render import change_diff
from bulletin.worddiff import DELETED, EQUAL, INSERTED, MAX_DIFF_TOKENS, Segment, tokens, word_diff
from conftest import build_site, readable_bytes, run_cli, write_site, MINIMAL_SITE, ROOT

PHONE = "13900001111"
STATE_MISSING = re.compile(r"^(\S+?):(\d+):\d+: correction \d+: state is missing: add state: ([a-p]{12}) ")
CORRECTIONS_U1 = ("corrections:\n"
                  "  - date: 2021-07-05\n    reason: 进度数字有误\n    project: p3\n"
                  "  - date: 2021-07-06\n    reason: 名称补全\n    project: p2\n"
                  f"  - date: 2021-07-08\n    reason: 误公布个人信息\n    project: p1\n    redact: \"{PHONE}\"\n")
CORRECTIONS_TOWN = "corrections:\n  - date: 2021-07-07\n    reason: 状态有误\n    project: t1\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def give_states(site: Path) -> None:
    """Write under each correction the state `check` asks for, as staff do."""
    checked = run_cli("check", "--site", str(site))
    missing = [m for m in map(STATE_MISSING.match, checked.stderr.splitlines()) if m]
    by_file: dict[str, list] = {}
    for match in missing:
        by_file.setdefault(match.group(1), []).append(match)
    for relative, matches in by_file.items():
        path = site / relative
        lines = path.read_text(encoding="utf-8").split("\n")
        for match in sorted(matches, key=lambda m: -int(m.group(2))):  # from the bottom: line numbers stay right
            lines.insert(int(match.group(2)), f"    state: {match.group(3)}")
        path.write_text("\n".join(lines), encoding="utf-8")
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr


def corrected_site(folder: Path) -> Path:
    """r1 published with a progress "3月完成50%…", a phone number in p1's progress and a fifth project
    left alone; then p3's progress, p2's title and town's t1 status corrected, the phone redacted."""
    site = write_site(folder, MINIMAL_SITE)
    u1, town = site / "content/r1/u1.yaml", site / "content/r1/town.yaml"
    edit(u1, "progress: 正在采购灯泡", f"progress: 正在采购灯泡，联系人电话{PHONE}")
    edit(u1, "progress: 已清运", "progress: 3月完成50%，共清运垃圾20吨")
    u1.write_text(u1.read_text(encoding="utf-8") + "  - id: p5\n    title: 绿化补植\n    status: completed\n"
                  "    progress: 已补植\n", encoding="utf-8")
    published = run_cli("publish", "r1", "--site", str(site))
    assert published.returncode == 0, published.stderr
    edit(u1, "progress: 3月完成50%，共清运垃圾20吨", "progress: 4月完成80%，共清运垃圾20吨")
    edit(u1, "title: 车位划线", "title: 车位划线（东区）")
    u1.write_text(u1.read_text(encoding="utf-8") + CORRECTIONS_U1, encoding="utf-8")
    edit(town, "status: in_progress", "status: completed")
    town.write_text(town.read_text(encoding="utf-8") + CORRECTIONS_TOWN, encoding="utf-8")
    give_states(site)
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("visible")
    site = corrected_site(root / "site")
    return site, build_site(site, root / "public")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(element) -> str:
    return re.sub(r"\s+", "", element.get_text())


def visible_text(element) -> str:
    """The text a sighted reader sees: without the words meant for screen readers only."""
    copy = BeautifulSoup(str(element), "html.parser")
    for hidden in copy.select(".visually-hidden"):
        hidden.decompose()
    return text_of(copy)


def target(out: Path, page: str, href: str) -> tuple[str, str]:
    """The page and the fragment a link leads to, the page relative to the output folder."""
    path, _, fragment = href.partition("#")
    return (posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page), fragment


def notice_items(page: BeautifulSoup) -> dict[str, str]:
    """Notice id -> the item it names."""
    return {notice["id"]: text_of(notice.select_one(".correction-item"))
            for notice in page.select(".correction[id]")}


# --- the unit's page of the round ------------------------------------------------------------------------

def test_each_project_notice_names_its_item_with_an_anchor_of_its_own(built):
    _, out = built
    page = soup(out / "rounds/r1/u1.html")
    assert notice_items(page) == {
        "correction.1": "更正条目：第3项“垃圾清运”",
        "correction.2": "更正条目：第2项“车位划线（东区）”",  # the title as corrected
        "correction.3": "更正条目：第1项“路灯修复”",  # the redaction names the project declaring it
    }
    ids = [element["id"] for element in page.select("[id]")]
    assert len(ids) == len(set(ids)), "ids on the page must be unique"
    assert notice_items(soup(out / "rounds/r1/town.html")) == {"correction.1": "更正条目：第1项“供暖改造”"}


def test_each_corrected_entry_links_to_its_notice_and_the_others_have_no_mark(built):
    _, out = built
    page_path = "rounds/r1/u1.html"
    page = soup(out / page_path)
    marks = {}
    for entry in page.select("ol.entries > li.entry"):
        links = entry.select(".corrected-mark a")
        if not links:
            continue
        assert len(links) == 1
        link = links[0]
        assert visible_text(link) == "已更正"
        assert text_of(link) == "已更正，查看更正说明"  # its accessible name says where it leads
        assert target(out, page_path, link["href"])[0] == page_path
        notice = page.find(id=target(out, page_path, link["href"])[1])
        assert notice is not None and "correction" in notice["class"], link["href"]
        number, title = text_of(entry.select_one(".entry-number")).rstrip("."), entry.select_one("h2").contents[-1]
        assert text_of(notice.select_one(".correction-item")) == f"更正条目：第{number}项“{title.strip()}”"
        marks[entry["id"]] = link["href"]
    assert marks == {"p1": "#correction.3", "p2": "#correction.2", "p3": "#correction.1"}  # p5 was not corrected
    # the list as first published has no notices, so no marks; nor has the next round's list
    assert soup(out / "rounds/r1/published/u1.html").select(".corrected-mark") == []
    assert soup(out / "rounds/r2/u1.html").select(".corrected-mark") == []


def test_the_history_page_marks_the_corrected_round_and_links_to_its_notice(built):
    _, out = built
    page = soup(out / "projects/u1/p1.html")  # in r1, its text held the phone number redacted
    steps = {text_of(step.select_one("h3 a")): step for step in page.select("ol.history > li.history-step")}
    assert steps["第二轮"].select(".corrected-mark, .correction") == []
    link = steps["第一轮"].select_one(".corrected-mark a")
    assert link["href"] == "#correction.r1.3"  # the notice's place in r1's list, as on the unit's page
    notice = page.find(id="correction.r1.3")
    assert notice is not None and notice.find_parent("li") is steps["第一轮"]
    assert text_of(notice.select_one(".correction-item")) == "更正条目：第1项“路灯修复”"
    page = soup(out / "projects/u1/p3.html")
    assert page.select_one(".corrected-mark a")["href"] == "#correction.r1.1"
    assert text_of(page.find(id="correction.r1.1").select_one(".correction-item")) == "更正条目：第3项“垃圾清运”"
    assert soup(out / "projects/u1/p5.html").select(".corrected-mark, .correction") == []


# --- the round's bulletin and the home page ---------------------------------------------------------------

def listed_rows(out: Path, page_path: str, section: str) -> list[list[str]]:
    """Each row of the page's list of corrections, its cells' text; each item's link checked to lead
    to the notice naming that item."""
    rows = []
    for row in soup(out / page_path).select(f"section.{section} table.corrections-list tbody tr"):
        cells = row.select("td")
        item_link = cells[-1].select_one("a")
        page, fragment = target(out, page_path, item_link["href"])
        notice = soup(out / page).find(id=fragment)
        assert notice is not None, item_link["href"]
        assert text_of(notice.select_one(".correction-item")) == "更正条目：" + text_of(item_link)
        rows.append([cells[0].select_one("time")["datetime"], *map(text_of, cells[1:]), page])
    return rows


def test_the_round_bulletin_lists_the_rounds_corrections_oldest_first(built):
    _, out = built
    assert listed_rows(out, "rounds/r1/index.html", "round-corrections") == [
        ["2021-07-05", "甲单位", "第3项“垃圾清运”", "rounds/r1/u1.html"],
        ["2021-07-06", "甲单位", "第2项“车位划线（东区）”", "rounds/r1/u1.html"],
        ["2021-07-07", "乙镇", "第1项“供暖改造”", "rounds/r1/town.html"],
        ["2021-07-08", "甲单位", "第1项“路灯修复”删除", "rounds/r1/u1.html"],
    ]
    assert soup(out / "rounds/r2/index.html").select("section.round-corrections") == []


def test_the_home_page_lists_the_latest_corrections_newest_first_with_their_round(built):
    _, out = built
    rows = listed_rows(out, "index.html", "latest-corrections")
    assert rows == [
        ["2021-07-08", "第一轮", "甲单位", "第1项“路灯修复”删除", "rounds/r1/u1.html"],
        ["2021-07-07", "第一轮", "乙镇", "第1项“供暖改造”", "rounds/r1/town.html"],
        ["2021-07-06", "第一轮", "甲单位", "第2项“车位划线（东区）”", "rounds/r1/u1.html"],
        ["2021-07-05", "第一轮", "甲单位", "第3项“垃圾清运”", "rounds/r1/u1.html"],
    ]
    round_link = soup(out / "index.html").select_one("section.latest-corrections tbody td a")
    assert target(out, "index.html", round_link["href"])[0] == "rounds/r1/index.html"


def test_a_site_without_corrections_lists_none(tmp_path):
    out = build_site(write_site(tmp_path / "site", MINIMAL_SITE), tmp_path / "public")
    assert soup(out / "index.html").select("section.latest-corrections, .corrected-mark") == []
    assert soup(out / "rounds/r1/index.html").select("section.round-corrections") == []


def test_a_one_file_rebuild_lists_a_corrected_title_as_a_full_build_does(built, tmp_path):
    """The home page and the bulletin show the corrections of the units' lists: an incremental build
    must make them again when a correction changes a title, though no figure changed."""
    site, _ = built
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    out = build_site(copy, tmp_path / "incremental")
    u1 = copy / "content/r1/u1.yaml"
    edit(u1, "title: 车位划线（东区）", "title: 车位划线（东区停车场）")
    # the correction's state pinned the old title: removed, check names the new one
    text, removed = re.subn(r"    state: [a-p]{12}\n(    reason: 名称补全\n)", r"\1", u1.read_text(encoding="utf-8"))
    assert removed == 1
    u1.write_text(text, encoding="utf-8")
    give_states(copy)
    build_site(copy, out)
    full = build_site(copy, tmp_path / "full", "--full")
    for page in ("index.html", "rounds/r1/index.html", "rounds/r1/u1.html"):
        assert (out / page).read_bytes() == (full / page).read_bytes(), page
    assert "第2项“车位划线（东区停车场）”" in text_of(soup(out / "index.html").select_one("section.latest-corrections"))


# --- what changed, word by word ---------------------------------------------------------------------------

def diff_parts(item) -> list[tuple[str, str]]:
    """(kind, text) of a word-diff as seen: del, ins and the text between, hidden words left out."""
    parts = []
    for child in item.select_one(".word-diff").children:
        if getattr(child, "name", None) in ("del", "ins"):
            parts.append((child.name, child.get_text()))
        elif getattr(child, "name", None) is None and str(child):
            parts.append(("text", str(child)))
    return parts


def notice_changes(out: Path, page: str, anchor: str) -> list:
    return soup(out / page).find(id=anchor).select("ul > li")


def test_a_corrected_progress_marks_exactly_the_changed_words(built):
    _, out = built
    [item] = notice_changes(out, "rounds/r1/u1.html", "correction.1")
    assert diff_parts(item) == [("del", "3"), ("ins", "4"), ("text", "月完成"), ("del", "50"), ("ins", "80"),
                                ("text", "%，共清运垃圾20吨")]
    assert visible_text(item) == "工作进展：34月完成5080%，共清运垃圾20吨"
    # a screen reader, which says nothing of <del> and <ins> by default, is told where each starts and ends
    assert text_of(item) == "工作进展：［删除：3］［新增：4］月完成［删除：50］［新增：80］%，共清运垃圾20吨"
    assert "正在" not in text_of(item) and "原为" not in text_of(item)
    # the legend says what the marks mean, in words
    assert "删除线" in text_of(soup(out / "rounds/r1/u1.html").find(id="correction.1"))


def test_a_title_shows_what_was_added_and_a_status_keeps_its_sentence(built):
    _, out = built
    [title] = notice_changes(out, "rounds/r1/u1.html", "correction.2")
    assert diff_parts(title) == [("text", "车位划线"), ("ins", "（东区）")]
    assert text_of(title) == "项目名称：车位划线［新增：（东区）］"
    [status] = notice_changes(out, "rounds/r1/town.html", "correction.1")
    assert status.select("del, ins") == []
    assert text_of(status) == "状态：推进中→已完成"


def test_a_redaction_never_shows_the_text_it_removed(built):
    _, out = built
    leaked = [p.relative_to(out).as_posix() for p in out.rglob("*")
              if p.is_file() and PHONE.encode() in readable_bytes(p)]
    assert leaked == []
    notice = soup(out / "rounds/r1/u1.html").find(id="correction.3")
    assert "redaction" in notice["class"]
    assert notice.select("del, ins") == []
    assert text_of(notice.select_one(".correction-item")) == "更正条目：第1项“路灯修复”"


def test_the_english_interface_says_the_same(built, tmp_path):
    site, _ = built
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    edit(copy / "site.yaml", "title:", "language: en\ntitle:")
    out = build_site(copy, tmp_path / "public")
    page = soup(out / "rounds/r1/u1.html")
    assert text_of(page.find(id="correction.1").select_one(".correction-item")) == "Correcteditem:No.3,“垃圾清运”"
    assert text_of(page.select_one("li#p3 .corrected-mark a")) == "Corrected,seethecorrectionnotice"
    [item] = page.find(id="correction.1").select("ul > li")
    assert text_of(item) == "Progress:[deleted:3][inserted:4]月完成[deleted:50][inserted:80]%，共清运垃圾20吨"


# --- worddiff ---------------------------------------------------------------------------------------------

def test_tokens_split_chinese_per_character_and_keep_words_and_numbers_whole():
    assert tokens("3月完成50%，Phase 2  done") == ["3", "月", "完", "成", "50", "%", "，", "Phase", " ", "2", "  ",
                                                  "done"]
    assert tokens("全角１２３ＡＢ") == ["全", "角", "１２３ＡＢ"]
    text = "第一段\n\n第二段：**加粗** and more…"
    assert "".join(tokens(text)) == text


def test_word_diff_segments_give_both_texts_back():
    rng = random.Random(7)
    alphabet = list("的了在是路灯车位垃圾清运，。 ") + ["50", "2021", "abc"]
    for _ in range(300):
        before = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        after = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        segments = word_diff(before, after)
        assert "".join(s.text for s in segments if s.kind != INSERTED) == before
        assert "".join(s.text for s in segments if s.kind != DELETED) == after
        assert all(s.text for s in segments)
        assert all(a.kind != b.kind for a, b in zip(segments, segments[1:]))  # neighbours joined


def test_word_diff_of_a_changed_figure_and_of_equal_texts():
    assert word_diff("3月完成50%", "4月完成80%") == (
        Segment(DELETED, "3"), Segment(INSERTED, "4"), Segment(EQUAL, "月完成"), Segment(DELETED, "50"),
        Segment(INSERTED, "80"), Segment(EQUAL, "%"))
    assert word_diff("completed 2021", "completed 2022") == (Segment(EQUAL, "completed "), Segment(DELETED, "2021"),
                                                             Segment(INSERTED, "2022"))
    assert word_diff("路灯修复", "路灯修复") == (Segment(EQUAL, "路灯修复"),)
    assert word_diff("", "新增") == (Segment(INSERTED, "新增"),)
    # one character kept between two changes does not cut them apart
    assert word_diff("甲的乙", "丙的丁") == (Segment(DELETED, "甲的乙"), Segment(INSERTED, "丙的丁"))


def test_word_diff_is_the_same_in_every_process():
    script = ("from bulletin.worddiff import word_diff;"
              "print(word_diff('同社区对接，协调资金5000元，购买工服20套', '同街道对接，协调资金8000元，购买工服和用具30套'))")
    outputs = set()
    for seed in ("0", "1", "12345"):
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert word_diff("同社区对接，协调资金5000元", "同街道对接，协调资金8000元") == word_diff(
        "同社区对接，协调资金5000元", "同街道对接，协调资金8000元")


def test_word_diff_of_two_long_texts_is_bounded():
    rng = random.Random(3)
    common = "的了在是"  # few distinct characters: SequenceMatcher's worst case
    before = "".join(rng.choice(common) for _ in range(20_000))
    after = "".join(rng.choice(common) for _ in range(20_000))
    started = time.perf_counter()
    assert word_diff("甲" + before, "乙" + after) is None  # too long to compare: shown whole, before and after
    # one word changed in the middle of 20,000 characters: the shared beginning and end are set aside
    edited = before[:10_000] + "改" + before[10_001:]
    segments = word_diff(before, edited)
    assert [s for s in segments if s.kind != EQUAL] == [Segment(DELETED, before[10_000]), Segment(INSERTED, "改")]
    # the largest middle still compared
    middle = word_diff("".join(rng.choice(common) for _ in range(MAX_DIFF_TOKENS)),
                       "".join(rng.choice(common) for _ in range(MAX_DIFF_TOKENS)))
    assert middle is not None
    assert time.perf_counter() - started < 10


def test_which_changes_are_shown_word_by_word():
    assert change_diff(Change("status", "in_progress", "completed")) is None  # a short value: before → after
    assert change_diff(Change("funding", None, None)) is None
    assert change_diff(Change("lead", "", "张三")) is None  # filled in: before → after says it
    assert change_diff(Change("progress", "正在采购灯泡", "已全部更换")) is None  # no word in common
    assert change_diff(Change("progress", "甲" + "的" * 30_000, "乙" + "的" * 30_000 + "了")) is None  # too long
    assert change_diff(Change("progress", "3月完成50%\n", "4月完成80%\n")) is not None  # Markdown source, as written
