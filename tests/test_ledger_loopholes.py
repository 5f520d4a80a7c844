"""The ways a published bulletin could change silently, each closed and each tested through the real CLI.

A published round keeps showing what it showed of the site and of its units (recorded in the ledger) when
site.yaml or units.yaml change afterwards; a real error in those values is fixed by a correction under the
round in site.yaml, shown like a project's. A correction pins its project (`state`), so a later edit needs
a correction of its own. A redaction removes a text from every copy and says so, never what. Corrections are
told exactly what is wrong with them; archives record the date of the latest correction.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from conftest import readable_bytes, run_cli
from test_ledger import (LEDGER, STATE_MISSING, append, assert_refused, build, built, declare, edit, published_site, soup,  # noqa: F401
                         text_of, tree_digest)

ID_NUMBER = "150404198001011234"  # a made-up ID number, "published by mistake"


def give_states(site: Path, relative: str) -> None:
    """Write under each correction without state the state the check asks for, as staff do."""
    result = run_cli("check", "--site", str(site))
    found = [m for m in map(STATE_MISSING.match, result.stderr.splitlines()) if m and m.group(1) == relative]
    assert found, result.stderr
    path = site / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    for match in sorted(found, key=lambda m: -int(m.group(2))):
        lines.insert(int(match.group(2)), f"    state: {match.group(3)}")
    path.write_text("\n".join(lines), encoding="utf-8")


def unit_heading(page) -> str:
    return text_of(page.select_one("main h1"))


def round_units(page) -> dict[str, list[str]]:
    """The round bulletin's units, by group heading."""
    return {text_of(section.select_one("h3")): [text_of(a) for a in section.select("ul.unit-list > li > a")]
            for section in page.select("section.unit-group")}


def round_meta(page) -> dict[str, str]:
    meta = page.select_one("dl.round-meta")
    return {text_of(dt): text_of(dd) for dt, dd in zip(meta.select("dt"), meta.select("dd"))}


def site_values(page) -> tuple[str, str, str]:
    """The site's name in the header, the supervision phone and the publisher in the footer."""
    footer = page.select_one("footer")
    return (text_of(page.select_one(".site-title")), text_of(footer.select_one(".supervision a")),
            text_of(footer.select("p")[-2]))


def round_correction(date: str, reason: str, field: str, value: str, unit: str = "") -> str:
    return (f"    corrections:\n      - date: {date}\n        reason: {reason}\n"
            + (f"        unit: {unit}\n" if unit else "") + f"        field: {field}\n        value: {value}\n")


def correct_round_r1(site: Path, block: str) -> None:
    """Add a corrections: block under round r1 in site.yaml."""
    edit(site, "site.yaml", "    date: 2021-06-30\n", "    date: 2021-06-30\n" + block)


# --- names and site values as each round showed them ------------------------------------------------------

def test_a_unit_renamed_or_regrouped_shows_its_new_name_from_the_next_round_only(published_site):
    """机构改革: u1 renamed and moved to another group after r1 was published."""
    site, out, _ = published_site
    edit(site, "content/units.yaml", "name: 甲单位\n    group: 区直部门", "name: 甲中心\n    group: 事业单位")
    built(site, out)
    r1 = soup(out / "rounds/r1/index.html")
    assert round_units(r1) == {"区直部门": ["甲单位（3项）"], "镇乡街": ["乙镇（1项）"]}
    assert unit_heading(soup(out / "rounds/r1/u1.html")) == "甲单位（3项）"
    assert "甲单位" in text_of(soup(out / "rounds/r1/u1.html").select_one("nav.breadcrumbs"))
    assert r1.select("section.corrections") == []  # nothing was corrected: the round shows what it showed
    # r2 is not published: it shows the new name and group, as do the unit's own pages
    assert round_units(soup(out / "rounds/r2/index.html"))["事业单位"][0].startswith("甲中心")
    assert unit_heading(soup(out / "rounds/r2/u1.html")).startswith("甲中心")
    assert "甲中心" in unit_heading(soup(out / "units/u1.html"))
    rows = json.loads((out / "data/rounds/r1.json").read_text(encoding="utf-8"))["projects"]
    assert {(row["unit_name"], row["unit_group"]) for row in rows if row["unit_id"] == "u1"} == {("甲单位", "区直部门")}


def test_a_new_title_publisher_or_hotline_shows_from_the_next_round_only(published_site):
    site, out, _ = published_site
    edit(site, "site.yaml", "title: 测试区民生实事公示", "title: 测试区为民办实事公示")
    edit(site, "site.yaml", "publisher: 测试区办公室", "publisher: 测试区委办公室")
    edit(site, "site.yaml", "phone: 0000-1234567", "phone: 0000-7654321")
    built(site, out)
    for page in ("rounds/r1/index.html", "rounds/r1/u1.html", "rounds/r1/town.html"):
        shown = soup(out / page)
        assert site_values(shown) == ("测试区民生实事公示", "0000-1234567", "发布单位：测试区办公室"), page
        assert round_meta(shown)["监督电话"] == "0000-1234567", page
    for page in ("rounds/r2/index.html", "rounds/r2/u1.html", "index.html", "units/u1.html"):
        assert site_values(soup(out / page)) == ("测试区为民办实事公示", "0000-7654321", "发布单位：测试区委办公室"), page


def test_a_wrong_unit_name_is_fixed_by_a_declared_correction_citizens_see(published_site):
    site, out, _ = published_site
    correct_round_r1(site, round_correction("2021-07-02", "单位名称有误", "name", "甲单位（更正）", unit="u1"))
    built(site, out)
    r1 = soup(out / "rounds/r1/index.html")
    assert round_units(r1)["区直部门"] == ["甲单位（更正）（3项）"]
    notice = r1.select_one("section.corrections .correction")
    assert notice.select_one("time")["datetime"] == "2021-07-02"
    assert "单位名称有误" in text_of(notice.select_one(".correction-title"))
    assert [text_of(li) for li in notice.select("li")] == ["单位名称：甲单位 → 甲单位（更正）"]
    page = soup(out / "rounds/r1/u1.html")
    assert unit_heading(page) == "甲单位（更正）（3项）"
    assert [text_of(li) for li in page.select("section.corrections .correction li")] == ["单位名称：甲单位 → 甲单位（更正）"]
    assert soup(out / "rounds/r1/town.html").select(".correction") == []  # another unit's correction


def test_a_wrong_hotline_is_fixed_by_a_declared_site_correction(published_site):
    site, out, _ = published_site
    correct_round_r1(site, round_correction("2021-07-03", "监督电话公布有误", "supervision.phone", "0000-1234568"))
    built(site, out)
    for page in ("rounds/r1/index.html", "rounds/r1/u1.html", "rounds/r1/town.html"):
        shown = soup(out / page)
        assert site_values(shown)[1] == "0000-1234568", page
        notice = shown.select_one("section.corrections .correction")
        assert [text_of(li) for li in notice.select("li")] == ["监督电话：0000-1234567 → 0000-1234568"], page
        assert "监督电话公布有误" in text_of(notice)
    assert soup(out / "rounds/r2/index.html").select(".correction") == []


@pytest.mark.parametrize("block, line", [
    (round_correction("2021-06-01", "更正", "supervision.phone", "0000-1"),
     "site.yaml:11:9: round 1 correction 1 date: round r1 was published on 2021-06-30; a correction of it "
     "cannot be dated 2021-06-01, before its publication"),
    (round_correction("2021-07-01", "更正", "name", "丙单位", unit="u9"),
     "site.yaml:13:9: round 1 correction 1 unit: no unit 'u9' in round r1 as published"),
    (round_correction("2021-07-01", "更正", "publisher", "测试区办公室"),
     "site.yaml:14:9: round 1 correction 1 value: round r1 already shows '测试区办公室' there; remove this correction"),
    (round_correction("2021-07-01", "更正", "name", "丙单位"),
     "site.yaml:13:9: round 1 correction 1 field: 'name' is a unit's field: add unit: <unit id>, or use one "
     "of title, publisher, supervision.phone, supervision.note to correct the site's own value"),
], ids=["dated-before-publication", "unknown-unit", "unchanged-value", "unit-field-without-unit"])
def test_a_wrong_round_correction_is_refused_with_its_location(published_site, block, line):
    site, out, before = published_site
    correct_round_r1(site, block)
    assert_refused(build(site, out), [line], out, before)


def test_round_corrections_of_an_unpublished_round_are_refused(published_site):
    site, out, before = published_site
    edit(site, "site.yaml", "    date: 2021-08-24\n",
         "    date: 2021-08-24\n" + round_correction("2021-09-01", "更正", "title", "新名称"))
    assert_refused(build(site, out), ["site.yaml:13:5: round 2 corrections: round r2 is not published yet: change "
                                      "site.yaml and units.yaml freely and remove corrections:"], out, before)


def _as_format_1(site: Path) -> None:
    """The ledger as a generator of format 1 wrote it: no record of what the rounds showed."""
    data = json.loads((site / LEDGER).read_text(encoding="utf-8"))
    previous = ""
    for entry in data["published"]:
        del entry["shown"], entry["sha256"]
        entry["previous"] = previous
        body = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        entry["sha256"] = previous = hashlib.sha256(body).hexdigest()
    data["format"] = "bulletin-ledger/1"
    (site / LEDGER).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def test_a_ledger_of_format_1_stays_readable_and_its_rounds_show_the_current_names(published_site):
    site, out, _ = published_site
    _as_format_1(site)
    assert run_cli("check", "--site", str(site)).returncode == 0
    edit(site, "content/units.yaml", "name: 甲单位", "name: 甲中心")
    built(site, out)  # nothing was recorded: the round shows today's names, as before format 2
    assert unit_heading(soup(out / "rounds/r1/u1.html")) == "甲中心（3项）"
    publish = run_cli("publish", "r2", "--site", str(site))  # appends a format 2 entry to the old chain
    assert publish.returncode == 0, publish.stderr
    data = json.loads((site / LEDGER).read_text(encoding="utf-8"))
    assert data["format"] == "bulletin-ledger/2"
    assert ["shown" in entry for entry in data["published"]] == [False, True]
    assert run_cli("check", "--site", str(site)).returncode == 0


# --- one correction per change ----------------------------------------------------------------------------

def corrected_and_built(site: Path, out: Path) -> dict[str, str]:
    """p1's status corrected on 2021-07-05 and declared, the site built: the output's digest."""
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: completed")
    declare(site, "content/r1/u1.yaml", ("2021-07-05", "状态有误", "p1"))
    built(site, out)
    return tree_digest(out)


def test_an_edit_after_a_correction_needs_a_correction_of_its_own(published_site):
    site, out, _ = published_site
    before = corrected_and_built(site, out)
    # the same project edited again: it must not ride under the first correction's date and reason
    edit(site, "content/r1/u1.yaml", "progress: 正在采购灯泡", "progress: 已全部更换")
    assert_refused(build(site, out), [
        "content/r1/u1.yaml:2:5: item 1 \"路灯修复\": project 'p1' changed after its correction of 2021-07-05 ("
        "state: <state>): declare the new change as one more correction with date, reason, project: p1 and "
        "state: <state>, or restore the text that correction declared"],
        out, before)
    # declared as a second correction, after the first: both notices are shown, the changes under the latest
    append(site, "content/r1/u1.yaml", "  - date: 2021-07-09\n    reason: 进展补正\n    project: p1\n")
    give_states(site, "content/r1/u1.yaml")
    built(site, out)
    notices = soup(out / "rounds/r1/u1.html").select("section.corrections .correction")
    assert [n.select_one("time")["datetime"] for n in notices] == ["2021-07-05", "2021-07-09"]
    assert [text_of(li) for li in notices[0].select("li")] == []
    assert [text_of(li) for li in notices[1].select("li")] == ["状态：推进中 → 已完成",
                                                             "工作进展：原为“正在采购灯泡”，现为“已全部更换”"]


def test_a_correction_naming_no_project_of_the_file_is_told_so(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: completed")
    append(site, "content/r1/u1.yaml", "corrections:\n  - date: 2021-07-05\n    reason: 笔误\n    project: p11\n")
    lines = assert_refused(build(site, out), [
        "content/r1/u1.yaml:4:5: item 1 \"路灯修复\" status: round r1 was published on 2021-06-30; project 'p1' changed "
        "since (status): declare it under corrections: with date, reason, project: p1 and state: <state>, or "
        "restore the published text",
        "content/r1/u1.yaml:17:5: correction 1 project: no project 'p11' in this file, as published or now "
        "(did you mean 'p1'?)"], out, before)
    assert not any("unchanged since publication" in line for line in lines)


def test_a_correction_without_reason_is_told_that_not_that_the_file_is_missing(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: completed")
    append(site, "content/r1/u1.yaml", "corrections:\n  - date: 2021-07-05\n    project: p1\n")
    result = build(site, out)
    assert result.returncode == 1
    assert "reason" in result.stderr and "content/r1/u1.yaml:15:5: correction 1: missing required field 'reason'" in result.stderr, result.stderr
    assert "missing; restore it" not in result.stderr
    assert tree_digest(out) == before


def test_a_published_file_that_fails_validation_is_reported_as_such(published_site):
    site, out, before = published_site
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: done")
    result = build(site, out)
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("content/r1/u1.yaml:4:5: item 1 \"路灯修复\" status: 'done' is not a valid status; write "), result.stderr
    assert len(lines) == 2 and "missing" not in result.stderr, result.stderr


def test_a_correction_dated_before_the_publication_is_refused(published_site):
    site, out, _ = published_site
    before = corrected_and_built(site, out)
    edit(site, "content/r1/u1.yaml", "date: 2021-07-05", "date: 2021-06-20")
    assert_refused(build(site, out), [
        "content/r1/u1.yaml:15:5: correction 1 date: round r1 was published on 2021-06-30; a correction of it "
        "cannot be dated 2021-06-20, before its publication"], out, before)


# --- redaction --------------------------------------------------------------------------------------------

@pytest.fixture
def leaked_site(minimal_site, tmp_path):
    """r1 published with an ID number in p2's progress, copied into r2 as new-round would."""
    edit(minimal_site, "content/r1/u1.yaml", "progress: 尚未开始", f"progress: 尚未开始，联系人身份证号{ID_NUMBER}")
    edit(minimal_site, "content/r2/u1.yaml", "progress: 新增", f"progress: 新增，联系人身份证号{ID_NUMBER}")
    assert run_cli("publish", "r1", "--site", str(minimal_site)).returncode == 0
    return minimal_site


REDACTION = f"corrections:\n  - date: 2021-07-08\n    reason: 误公布个人信息\n    project: p2\n    redact: \"{ID_NUMBER}\"\n"


def test_a_redacted_text_must_go_from_every_copy(leaked_site, tmp_path):
    append(leaked_site, "content/r1/u1.yaml", REDACTION)
    result = run_cli("check", "--site", str(leaked_site))
    assert_refused(result, ["content/r2/u1.yaml:1:1: this file holds text that content/r1/u1.yaml (correction 1, "
                            "dated 2021-07-08) redacts: delete it from this file"])


def test_a_redaction_removes_the_text_everywhere_and_says_when_and_why_never_what(leaked_site, tmp_path):
    append(leaked_site, "content/r1/u1.yaml", REDACTION)
    edit(leaked_site, "content/r2/u1.yaml", f"，联系人身份证号{ID_NUMBER}", "")
    out = built(leaked_site, tmp_path / "out")
    leaks = [path for path in sorted(out.rglob("*")) if path.is_file() and ID_NUMBER.encode() in readable_bytes(path)]
    assert leaks == []
    page = soup(out / "rounds/r1/u1.html")
    notice = page.select_one("section.corrections .correction.redaction")
    assert notice.select_one("time")["datetime"] == "2021-07-08"
    assert "删除" in text_of(notice) and "误公布个人信息" in text_of(notice)
    assert "尚未开始，联系人身份证号［已删除］" in text_of(page.select_one("li.entry#p2"))
    first = soup(out / "rounds/r1/published/u1.html")  # the page as first published, from the ledger's text
    assert "尚未开始，联系人身份证号［已删除］" in text_of(first.select_one("li.entry#p2"))
    assert "删除" in text_of(soup(out / "projects/u1/p2.html").select_one(".correction.redaction"))
    # an archive made after the redaction holds no copy of the text, and records the correction's date
    archived = run_cli("archive", "r1", "--site", str(leaked_site), "--out", str(tmp_path / "archives"))
    assert archived.returncode == 0, archived.stderr
    with zipfile.ZipFile(archived.stdout.strip()) as bundle:
        assert [n for n in bundle.namelist() if ID_NUMBER.encode() in bundle.read(n)] == []
        info = bundle.read(f"{bundle.namelist()[0].split('/')[0]}/bag-info.txt").decode("utf-8")
    assert "Corrected-Date: 2021-07-08" in info.splitlines()
    assert "Publication-Date: 2021-06-30" in info.splitlines()


def test_a_redaction_of_text_that_was_never_published_is_refused(leaked_site, tmp_path):
    append(leaked_site, "content/r1/u1.yaml", REDACTION.replace(ID_NUMBER, "13900001111"))
    edit(leaked_site, "content/r2/u1.yaml", f"，联系人身份证号{ID_NUMBER}", "")
    assert_refused(run_cli("check", "--site", str(leaked_site)), [
        "content/r1/u1.yaml:18:5: correction 1 redact: this text does not occur in the published text of this "
        "file; copy it exactly as it was published"])


# --- archives ---------------------------------------------------------------------------------------------

def test_an_archive_made_after_a_correction_records_its_date(published_site, tmp_path):
    site, out, _ = published_site
    archived = run_cli("archive", "r1", "--site", str(site), "--out", str(tmp_path / "before"))
    assert archived.returncode == 0, archived.stderr
    with zipfile.ZipFile(archived.stdout.strip()) as bundle:
        assert "Corrected-Date" not in bundle.read(f"{bundle.namelist()[0].split('/')[0]}/bag-info.txt").decode()
    correct_round_r1(site, round_correction("2021-07-03", "监督电话公布有误", "supervision.phone", "0000-1234568"))
    edit(site, "content/r1/u1.yaml", "status: in_progress", "status: completed")
    declare(site, "content/r1/u1.yaml", ("2021-07-05", "状态有误", "p1"))
    archived = run_cli("archive", "r1", "--site", str(site), "--out", str(tmp_path / "after"))
    assert archived.returncode == 0, archived.stderr
    with zipfile.ZipFile(archived.stdout.strip()) as bundle:
        info = bundle.read(f"{bundle.namelist()[0].split('/')[0]}/bag-info.txt").decode("utf-8").splitlines()
    assert "Corrected-Date: 2021-07-05" in info and "Publication-Date: 2021-06-30" in info
    assert run_cli("verify", archived.stdout.strip()).returncode == 0
