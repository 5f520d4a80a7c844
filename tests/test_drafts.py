"""Draft rounds: new-round starts a draft, build leaves drafts out entirely, build --drafts and serve
preview them (marked) away from public/, publish makes a draft public and frozen in one step."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import textwrap
import urllib.request
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import MINIMAL_SITE, readable_bytes, run_cli, serving, write_site

DRAFT_TITLE = "草稿轮甲乙丙"  # nowhere else in the site: where it shows, the draft shows
DRAFT_PROJECT = "只在草稿里的项目"
DRAFT_NOTICE_ZH = "草稿：本页含尚未公布的轮次"

SITE_YAML_WITH_DRAFT = textwrap.dedent(MINIMAL_SITE["site.yaml"]).lstrip("\n") + f"""\
  - id: r3
    title: {DRAFT_TITLE}
    date: 2021-10-25
    draft: true   # 草稿，公布前删除
"""

DRAFT_UNIT_FILE = f"""\
projects:
  - id: p1
    title: 路灯修复
    status: completed
    progress: 全部更换完毕
  - id: p9
    title: {DRAFT_PROJECT}
    status: in_progress
    progress: 草稿阶段的进展
"""


def draft_site(folder: Path) -> Path:
    """The minimal site (r1, r2 public) with a draft round r3 whose title and new project are unique."""
    return write_site(folder, {**MINIMAL_SITE, "site.yaml": SITE_YAML_WITH_DRAFT,
                               "content/r3/u1.yaml": DRAFT_UNIT_FILE})


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, a .gz decompressed: a draft must not hide in compressed open data either."""
    return {p.relative_to(folder).as_posix(): readable_bytes(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def html_pages(folder: Path) -> dict[str, BeautifulSoup]:
    return {path: BeautifulSoup(data.decode("utf-8"), "html.parser") for path, data in files_of(folder).items()
            if path.endswith(".html")}


def test_draft_site_is_what_the_tests_think():
    rounds = yaml.safe_load(SITE_YAML_WITH_DRAFT)["rounds"]
    assert [r["id"] for r in rounds] == ["r1", "r2", "r3"]
    assert rounds[-1] == {"id": "r3", "title": DRAFT_TITLE, "date": dt.date(2021, 10, 25), "draft": True}


# --------------------------------------------------------------------------- new-round

HEADED_UNIT_FILE = """\
# 2021年第二轮 甲单位 填报
# 联系人：张三，请于8月20日前报送

projects:
  # 第一个项目：区里重点督办
  - id: p1
    title: 路灯修复
    status: completed
    progress: 全部更换完毕
"""


def test_new_round_adds_a_draft_and_drops_the_old_rounds_header_comments(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    (site / "content/r2/u1.yaml").write_text(HEADED_UNIT_FILE, encoding="utf-8")
    result = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "draft round r3" in result.stdout and "python build.py publish r3" in result.stdout
    rounds = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))["rounds"]
    assert rounds[-1]["id"] == "r3" and rounds[-1]["draft"] is True
    assert all("draft" not in r for r in rounds[:-1])

    copy = (site / "content/r3/u1.yaml").read_text(encoding="utf-8")
    assert "2021年第二轮" not in copy and "联系人" not in copy  # about the round copied: dropped
    assert "  # 第一个项目：区里重点督办\n  - id: p1\n" in copy  # inside the projects: kept
    assert copy.endswith(HEADED_UNIT_FILE[HEADED_UNIT_FILE.index("projects:"):])
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr


def test_new_round_empty_starts_a_draft_without_files(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    result = run_cli("new-round", "r3", "--empty", "--title", "第三轮", "--date", "2021-10-25", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "empty folder content/r3/" in result.stdout
    assert (site / "content/r3").is_dir() and not list((site / "content/r3").iterdir())
    assert yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))["rounds"][-1]["draft"] is True
    assert run_cli("check", "--site", str(site)).returncode == 0
    (site / "content/r3").rmdir()  # git keeps no empty folder: a clone of the site has none
    assert run_cli("check", "--site", str(site)).returncode == 0
    out = tmp_path / "out"
    built = run_cli("build", "--no-search", "--site", str(site), "--out", str(out))
    assert built.returncode == 0, built.stderr
    assert "Left out draft round r3" in built.stdout

    # A public round with no unit file is a located problem, as a missing folder is.
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace("    draft: true\n", ""), encoding="utf-8")
    line = text.split("\n").index("  - id: r3") + 1
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 1
    assert f"site.yaml:{line}:" in checked.stderr and "content/r3/ does not exist" in checked.stderr
    (site / "content/r3").mkdir()
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 1
    assert re.search(rf"^site\.yaml:{line}:\d+: .*content/r3/ holds no unit file", checked.stderr,
                     re.MULTILINE), checked.stderr


# --------------------------------------------------------------------------- build

def test_build_leaves_a_draft_out_entirely(tmp_path):
    """The public build of a site with a draft is byte for byte the build of the site without it:
    no page, search entry, open data row or count of the draft, anywhere."""
    with_draft = draft_site(tmp_path / "with")
    without = write_site(tmp_path / "without", MINIMAL_SITE)
    out_with, out_without = tmp_path / "out-with", tmp_path / "out-without"
    built = run_cli("build", "--site", str(with_draft), "--out", str(out_with))
    assert built.returncode == 0, built.stderr
    assert (f"Left out draft round r3 ({DRAFT_TITLE}); publish it with python build.py publish r3"
            in built.stdout)
    assert "Built 2 rounds" in built.stdout
    assert run_cli("build", "--site", str(without), "--out", str(out_without)).returncode == 0

    found = files_of(out_with)
    for path, data in found.items():
        assert "r3" not in path, path
        for secret in (DRAFT_TITLE, DRAFT_PROJECT, "草稿阶段的进展"):
            assert secret.encode("utf-8") not in data, (path, secret)
    projects = json.loads(found["data/projects.json.gz"])
    assert "r3" not in json.dumps(projects, ensure_ascii=False)
    assert found == files_of(out_without)


def test_build_drafts_marks_exactly_the_pages_showing_draft_content(tmp_path):
    site = draft_site(tmp_path / "site")
    built = run_cli("build", "--drafts", "--no-search", "--site", str(site))
    assert built.returncode == 0, built.stderr
    preview = site / "preview"  # the default preview folder
    assert f"Included draft round r3 ({DRAFT_TITLE})" in built.stdout
    assert not (site / "public").exists()
    pages = html_pages(preview)
    assert "rounds/r3/index.html" in pages and "rounds/r3/u1.html" in pages
    marked, unmarked = [], []
    for path, page in pages.items():
        banner = page.select(".draft-notice")
        shows_draft = DRAFT_TITLE in page.get_text()
        assert bool(banner) == shows_draft, path
        robots = page.find("meta", attrs={"name": "robots"})
        assert (robots is not None and robots["content"] == "noindex") == shows_draft, path
        if banner:
            assert len(banner) == 1 and banner[0].get("role") == "note", path
            assert banner[0].get_text(strip=True).startswith(DRAFT_NOTICE_ZH), path
        (marked if banner else unmarked).append(path)
    assert {"index.html", "search.html", "rounds/r3/index.html", "rounds/r3/u1.html", "units/u1.html",
            "projects/u1/p1.html", "projects/u1/p9.html", "projects/town/t1.html",
            "projects/u1/p2.html"} <= set(marked)  # p2, dropped unfinished: "not reported" in r3 too
    assert {"rounds/r1/index.html", "rounds/r2/index.html", "rounds/r2/u1.html", "rounds/r1/town.html",
            "projects/u1/p3.html"} <= set(unmarked)  # p3 was completed in r1: its history ends there


def test_build_drafts_never_builds_into_public(tmp_path):
    site = draft_site(tmp_path / "site")
    for out in (site / "public", site / "content" / ".." / "public"):
        refused = run_cli("build", "--drafts", "--site", str(site), "--out", str(out))
        assert refused.returncode == 1
        assert "where python build.py build publishes the site" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert not (site / "public").exists()
    served = run_cli("serve", "--site", str(site), "--port", "0", "--out", str(site / "public"))
    assert served.returncode == 1 and "where python build.py build publishes the site" in served.stderr
    assert not (site / "public").exists()


def test_preview_folder_choice(tmp_path):
    from bulletin.output_rule import OutputProblem, preview_folder
    site = tmp_path / "site"
    site.mkdir()
    assert preview_folder(site, None) == site / "preview"
    assert preview_folder(site, tmp_path / "elsewhere") == tmp_path / "elsewhere"
    for public in (site / "public", site / "x" / ".." / "public"):
        with pytest.raises(OutputProblem, match="never goes there"):
            preview_folder(site, public)


def test_drafts_and_public_builds_of_one_folder_share_nothing_wrongly(tmp_path):
    """A preview and a public build into the same --out folder, one after the other: each is what a
    full build of its kind gives, the draft gone without a trace after the public one."""
    site = draft_site(tmp_path / "site")
    out = tmp_path / "out"
    assert run_cli("build", "--drafts", "--no-search", "--site", str(site), "--out", str(out)).returncode == 0
    assert (out / "rounds/r3/u1.html").is_file()
    public = run_cli("build", "--no-search", "--site", str(site), "--out", str(out))
    assert public.returncode == 0, public.stderr
    reference = tmp_path / "reference"
    assert run_cli("build", "--no-search", "--full", "--site", str(site), "--out", str(reference)).returncode == 0
    assert files_of(out) == files_of(reference)
    assert not any(DRAFT_TITLE.encode("utf-8") in data for data in files_of(out).values())

    # Publishing removes draft: true: the next (incremental) build adds the round, as a full build would.
    assert run_cli("publish", "r3", "--site", str(site)).returncode == 0
    again = run_cli("build", "--no-search", "--site", str(site), "--out", str(out))
    assert again.returncode == 0, again.stderr
    full = tmp_path / "full"
    assert run_cli("build", "--no-search", "--full", "--site", str(site), "--out", str(full)).returncode == 0
    assert files_of(out) == files_of(full)
    page = BeautifulSoup((out / "rounds/r3/u1.html").read_text(encoding="utf-8"), "html.parser")
    assert DRAFT_PROJECT in page.get_text() and not page.select(".draft-notice")
    assert page.find("meta", attrs={"name": "robots"}) is None


# --------------------------------------------------------------------------- serve

def test_serve_previews_drafts_in_its_own_folder(tmp_path):
    site = draft_site(tmp_path / "site")
    with serving(site) as (address, lines, seen):
        with urllib.request.urlopen(address + "rounds/r3/u1.html", timeout=10) as response:
            page = BeautifulSoup(response.read().decode("utf-8"), "html.parser")
        assert DRAFT_PROJECT in page.get_text()
        assert page.select_one(".draft-notice") is not None
    assert str(site / "preview") in "\n".join(seen)
    assert (site / "preview/rounds/r3/u1.html").is_file()
    assert not (site / "public").exists()


# --------------------------------------------------------------------------- publish

def test_publish_a_draft_removes_exactly_its_draft_line_and_freezes_it(tmp_path):
    site = draft_site(tmp_path / "site")
    unit_file = site / "content/r3/u1.yaml"  # a mobile number in a progress text: a warning
    unit_file.write_text(DRAFT_UNIT_FILE.replace("草稿阶段的进展", "草稿阶段的进展，联系人13900001111"), encoding="utf-8")
    before = (site / "site.yaml").read_text(encoding="utf-8")
    result = run_cli("publish", "r3", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "Removed draft: true from round r3 in site.yaml" in result.stdout
    after = (site / "site.yaml").read_text(encoding="utf-8")
    diff = [line for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
            if line[:1] in "+-?"]
    assert diff == ["-     draft: true   # 草稿，公布前删除\n"]
    ledger = json.loads((site / "content/ledger.json").read_text(encoding="utf-8"))
    assert [entry["round"] for entry in ledger["published"]] == ["r3"]
    assert [f["path"] for f in ledger["published"][0]["files"]] == ["content/r3/u1.yaml"]
    # the round's warnings are shown
    assert re.search(r"^content/r3/u1\.yaml:9:\d+: warning: .*mobile phone number", result.stderr, re.MULTILINE), \
        result.stderr
    assert "Round r3 was published with these warnings" in result.stderr

    out = tmp_path / "out"
    built = run_cli("build", "--no-search", "--site", str(site), "--out", str(out))
    assert built.returncode == 0, built.stderr
    assert "Left out" not in built.stdout
    assert DRAFT_PROJECT in (out / "rounds/r3/u1.html").read_text(encoding="utf-8")


def test_publish_refuses_drafts_out_of_order_and_drafts_with_errors(tmp_path):
    site = draft_site(tmp_path / "site")
    with open(site / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("  - id: r4\n    title: 第四轮\n    date: 2021-12-25\n    draft: true\n")
    write_site(site, {"content/r4/u1.yaml": DRAFT_UNIT_FILE})
    before = (site / "site.yaml").read_bytes()
    refused = run_cli("publish", "r4", "--site", str(site))
    assert refused.returncode == 1
    assert "round r4 comes after draft round r3" in refused.stderr and "publish r3 first" in refused.stderr
    assert (site / "site.yaml").read_bytes() == before
    assert not (site / "content/ledger.json").exists()

    (site / "content/r3/u1.yaml").write_text("projects:\n  - id: p1\n    title: 路灯\n    status: done\n"
                                             "    progress: x\n", encoding="utf-8")
    refused = run_cli("publish", "r3", "--site", str(site))
    assert refused.returncode == 1
    assert "content/r3/u1.yaml:4:" in refused.stderr and "nothing was recorded" in refused.stderr
    assert (site / "site.yaml").read_bytes() == before
    assert not (site / "content/ledger.json").exists()


def test_publish_that_cannot_freeze_leaves_site_yaml_unchanged(tmp_path):
    site = draft_site(tmp_path / "site")
    (site / "content/ledger.json").mkdir()  # the ledger cannot be written there
    before = (site / "site.yaml").read_bytes()
    refused = run_cli("publish", "r3", "--site", str(site))
    assert refused.returncode == 1 and "cannot write content/ledger.json" in refused.stderr
    assert (site / "site.yaml").read_bytes() == before


def test_a_failed_site_yaml_write_takes_the_ledger_entry_back(tmp_path, monkeypatch):
    from bulletin import publishing
    site = draft_site(tmp_path / "site")
    assert run_cli("publish", "r1", "--site", str(site)).returncode == 0
    ledger_before = (site / "content/ledger.json").read_bytes()
    site_before = (site / "site.yaml").read_bytes()
    real_write = publishing.write_whole

    def failing(path, chunks, durable=False):
        if Path(path).name == "site.yaml":
            raise OSError(28, "No space left on device")
        return real_write(path, chunks, durable)

    monkeypatch.setattr(publishing, "write_whole", failing)
    with pytest.raises(publishing.PublishProblem, match="No space left on device"):
        publishing.publish_round(site, "r3")
    assert (site / "site.yaml").read_bytes() == site_before
    assert (site / "content/ledger.json").read_bytes() == ledger_before


def test_publish_refuses_a_draft_line_it_cannot_remove_alone(tmp_path):
    site = draft_site(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace(
        f"  - id: r3\n    title: {DRAFT_TITLE}\n    date: 2021-10-25\n    draft: true   # 草稿，公布前删除\n",
        f"  - {{id: r3, title: {DRAFT_TITLE}, date: 2021-10-25, draft: true}}\n"), encoding="utf-8")
    before = (site / "site.yaml").read_bytes()
    refused = run_cli("publish", "r3", "--site", str(site))
    assert refused.returncode == 1
    assert re.search(r"^site\.yaml:\d+: write draft: true on a line of its own", refused.stderr, re.MULTILINE)
    assert (site / "site.yaml").read_bytes() == before
    assert not (site / "content/ledger.json").exists()


# --------------------------------------------------------------------------- site.yaml rules

def test_draft_rules_in_site_yaml_are_located_problems(tmp_path):
    site = draft_site(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    lines = text.split("\n")

    # a draft before a public round
    (site / "site.yaml").write_text(text.replace("    date: 2021-08-24\n", "    date: 2021-08-24\n    draft: true\n")
                                    .replace("    draft: true   # 草稿，公布前删除\n", ""), encoding="utf-8")
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 1
    line = lines.index("    date: 2021-08-24") + 2
    assert re.search(rf"^site\.yaml:{line}:5: .*round r2 is a draft but round r3 after it is "
                     "public", checked.stderr, re.MULTILINE), checked.stderr

    # not true or false
    (site / "site.yaml").write_text(text.replace("draft: true   #", "draft: 是   #"), encoding="utf-8")
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 1
    assert re.search(r"^site\.yaml:\d+:5: .*expected true or false, found '是'", checked.stderr, re.MULTILINE)

    # a published round marked as a draft again
    (site / "site.yaml").write_text(text, encoding="utf-8")
    assert run_cli("publish", "r3", "--site", str(site)).returncode == 0
    (site / "site.yaml").write_text(text, encoding="utf-8")
    draft_line = lines.index("    draft: true   # 草稿，公布前删除") + 1
    for command in ("check", "build"):
        checked = run_cli(command, "--no-search", "--site", str(site), "--out", str(tmp_path / "out")) \
            if command == "build" else run_cli(command, "--site", str(site))
        assert checked.returncode == 1
        assert re.search(rf"^site\.yaml:{draft_line}:5: .*round r3 is published \(recorded in "
                         r"content/ledger\.json\), so it cannot be a draft", checked.stderr, re.MULTILINE), \
            (command, checked.stderr)


def test_a_site_of_drafts_only_has_no_public_build(tmp_path):
    site = draft_site(tmp_path / "site")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace("    date: 2021-06-30\n", "    date: 2021-06-30\n    draft: true\n")
                                    .replace("    date: 2021-08-24\n", "    date: 2021-08-24\n    draft: true\n"),
                                    encoding="utf-8")
    built = run_cli("build", "--no-search", "--site", str(site), "--out", str(tmp_path / "out"))
    assert built.returncode == 1
    assert "every round is a draft" in built.stderr and "python build.py publish r1" in built.stderr
    assert not (tmp_path / "out").exists()
    assert run_cli("build", "--drafts", "--no-search", "--site", str(site)).returncode == 0
