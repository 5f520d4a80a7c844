"""Search indexing: one record per project, folding of Traditional characters, the index's words and
shares, and the built index (search/): classic scripts that cannot be broken out of, of bounded size."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bulletin.loader import load_site
from bulletin.i18n import load_translator
from bulletin.layout import BUNDLED_TEMPLATES
from bulletin.search import (BUCKETS, bucket_of, filter_vocabulary, index_tokens, search_records, shard_buckets,
                             shard_files, t2s_script, to_simplified, unit_search, vocabulary_positions)
from conftest import ROOT, index_part, run_cli, write_site

def records_for(site_dir):
    site = load_site(site_dir)
    translator = load_translator(site.config.language, [BUNDLED_TEMPLATES], site_dir)
    return site, translator, search_records(site, translator)


def test_one_record_per_project_with_history_text(minimal_site):
    site, _, records = records_for(minimal_site)
    assert len(records) == len(site.histories) == 5
    by_url = {r.url: r for r in records}
    lamp = by_url["projects/u1/p1.html"]
    assert lamp.rounds == ("第一轮", "第二轮")
    assert lamp.status == "已完成" and lamp.latest_round == "第二轮"
    assert "正在采购灯泡" in lamp.text and "全部更换完毕" in lamp.text  # every round is searchable
    assert "全部更换完毕" in lamp.excerpt and "正在采购灯泡" not in lamp.excerpt  # the excerpt: the latest round's
    dropped = by_url["projects/u1/p2.html"]
    # left out of the latest round: marked and counted as not reported, never as its last status
    assert dropped.latest_round == "第一轮" and dropped.status == "本轮未报告"


def test_traditional_folds_to_simplified_one_for_one():
    assert to_simplified("周口經濟開發區停車場") == "周口经济开发区停车场"
    assert to_simplified("开发区 ABC 123") == "开发区 ABC 123"
    text = "開發區路燈"
    assert len(to_simplified(text)) == len(text)


def test_index_tokens_are_overlapping_pairs_the_last_character_and_latin_runs_folded():
    # every pair of neighbours, then the run's last character (a one-character query begins it)
    assert index_tokens("星海社区") == ["星海", "海社", "社区", "区"]
    assert index_tokens("村") == ["村"]
    # Traditional folded to Simplified, Latin lower-cased: both spellings are the same words
    assert index_tokens("開發區") == index_tokens("开发区") == ["开发", "发区", "区"]
    assert index_tokens("開發區LED燈") == ["开发", "发区", "区", "灯", "led"]
    # Latin and digit runs whole, after the Chinese runs; punctuation and spaces cut runs
    assert index_tokens("资金5000元, LED灯") == ["资金", "金", "元", "灯", "5000", "led"]
    assert index_tokens("C5000 a-b") == ["c5000", "a", "b"]
    # a line break ends a run: no pair across two lines (the title and the progress)
    assert index_tokens("路灯\n修复") == ["路灯", "灯", "修复", "复"]
    # each word once, in order of first appearance
    assert index_tokens("社区社区") == ["社区", "区社", "区"]
    assert index_tokens("，。！ - ") == []


def decode_postings(lines: str) -> dict[int, dict[int, dict[str, bool]]]:
    """A unit's postings ("bucket<TAB>[unit,{word:[entry,…]}]" lines) -> unit -> position -> word -> in title,
    checking that each word sits in its bucket and is listed once per project."""
    found: dict[int, dict[int, dict[str, bool]]] = {}
    for line in lines.splitlines():
        bucket, tab, payload = line.partition("\t")
        assert tab, f"not a bucket line: {line!r}"
        unit, words = json.loads(payload)
        for word, entries in words.items():
            assert bucket_of(word) == ord(word[0]) % BUCKETS == int(bucket), (word, bucket)
            for entry in entries:
                words_of = found.setdefault(unit, {}).setdefault(entry >> 1, {})
                assert word not in words_of, f"{word} listed twice for position {entry >> 1}"
                words_of[word] = bool(entry & 1)
    return found


def unit_shares(site_dir):
    """Each unit's share of the index, made from its records as a build's worker makes it."""
    site, translator, records = records_for(site_dir)
    vocabulary = filter_vocabulary(site, translator)
    return {unit.id: unit_search(unit.id, [r for r in records if r.url.startswith(f"projects/{unit.id}/")],
                                 vocabulary_positions(vocabulary))
            for unit in site.units}, records


def test_unit_search_lists_each_word_by_position_and_title_and_the_facets_by_index():
    shares, records = unit_shares(FILTERS_SITE)
    jsj, xz = shares["jsj"], shares["xz"]
    # postings: entry = position * 2 + (word in the title), in the bucket of the word's first character
    postings = decode_postings(jsj.postings)
    assert list(postings) == [0]  # the unit's index among the site's units
    ludeng, tingche, lvhua = (postings[0][p] for p in range(3))
    assert ludeng["路灯"] is True and ludeng["东街"] is True  # in the title 东街路灯更换
    assert ludeng["采购"] is False  # the first round's progress 已采购灯具: every round is searchable
    assert ludeng["建设"] is False and ludeng["基础"] is False  # the unit's name, the category
    assert "扩建" in tingche and "种植" in lvhua and "种植" not in ludeng
    by_url = {r.url: r for r in records}
    for position, url in enumerate(["projects/jsj/ludeng.html", "projects/jsj/tingche.html",
                                    "projects/jsj/lvhua.html"]):
        record = by_url[url]
        title = set(index_tokens(record.title))
        assert postings[0][position] == {word: word in title for word in index_tokens(record.text)}
    assert jsj.buckets == tuple(sorted({bucket_of(w) for p in postings[0].values() for w in p}))
    assert decode_postings(xz.postings).keys() == {1}
    # facets: [unit, group, categories, locations, [[status, latest round, rounds, category, location,
    # overdue] by position]], the values indexes into the manifest's lists or the unit's own
    categories = sorted({"基础设施", "交通停车", "人居环境"})
    assert json.loads(jsj.facets) == [0, 0, categories, ["东街", "西村"], [
        [1, 1, [0, 1], categories.index("基础设施"), 0, 1],  # 推进中, 第二轮, overdue on 2024-06-30
        [1, 1, [0, 1], categories.index("交通停车"), 1, 0],
        [2, 1, [1], categories.index("人居环境"), 0, 0]]]  # 已完成 in 第二轮 only
    # 供暖管网改造: left out of 第二轮, so 本轮未报告 (index 5) as of 第一轮, and overdue on 第二轮's date;
    # 老年食堂 has no place: -1, and no empty location offered
    assert json.loads(xz.facets) == [1, 1, ["基础设施", "民生保障"], ["新镇中心"], [
        [5, 0, [0], 0, 0, 1], [1, 1, [0, 1], 1, -1, 0]]]
    assert (jsj.categories, jsj.locations, jsj.overdue) == (tuple(categories), ("东街", "西村"), True)
    assert (xz.categories, xz.locations) == (("基础设施", "民生保障"), ("新镇中心",))
    # the result lines: url, title, the latest progress (only), status, latest round, overdue
    assert script_payload(jsj.records, "units/jsj") == [
        ["projects/jsj/ludeng.html", "东街路灯更换", "安装过半，部分路段仍在施工。", 1, 1, 1],
        ["projects/jsj/tingche.html", "停车场扩建", "已开工，预计年底完成。", 1, 1, 0],
        ["projects/jsj/lvhua.html", "小区绿化提升", "已种植树木三百株。", 2, 1, 0]]


def script_payload(data: bytes, name: str):
    """The data of one part of the index, which must be named `name` (conftest.index_part checks
    that it is one inert call)."""
    found, payload = index_part(data)
    assert found == name
    return payload


def test_shard_files_join_the_units_shares_in_order_and_the_mask_names_exactly_them():
    first = b'3\t[0,{"\xe7\xa4\xbe":[0]}]\n200\t[0,{"x":[2]}]\n'
    second = b'3\t[4,{"y":[1]}]\n255\t[4,{"z":[0]}]\n'
    files = shard_files("shard-2", [first, second], [b"[0,0,[],[],[]]", b"", b"[4,1,[],[],[]]"])
    assert sorted(files) == ["search/shard-2/b200.js", "search/shard-2/b255.js", "search/shard-2/b3.js",
                             "search/shard-2/facets.js"]
    assert script_payload(files["search/shard-2/b3.js"], "shard-2/b3") == [[0, {"社": [0]}], [4, {"y": [1]}]]
    assert script_payload(files["search/shard-2/b200.js"], "shard-2/b200") == [[0, {"x": [2]}]]
    assert script_payload(files["search/shard-2/facets.js"], "shard-2/facets") == [[0, 0, [], [], []],
                                                                                  [4, 1, [], [], []]]
    # the other order of units gives the other order of lines
    swapped = shard_files("shard-2", [second, first], [])
    assert script_payload(swapped["search/shard-2/b3.js"], "shard-2/b3") == [[4, {"y": [1]}], [0, {"社": [0]}]]
    assert script_payload(swapped["search/shard-2/facets.js"], "shard-2/facets") == []

    mask = shard_buckets(files)
    assert len(mask) == BUCKETS // 4 and re.fullmatch(r"[0-9a-f]+", mask)
    assert marked(mask) == {3, 200, 255}  # the facets file is no bucket
    assert mask[0] == "8" and mask[50] == "1" and mask[63] == "8" and set(mask[1:50] + mask[51:63]) == {"0"}
    assert marked(shard_buckets(["search/shard-0/b0.js", "search/shard-0/b5.js"])) == {0, 5}
    assert shard_buckets([]) == "0" * 64


def marked(mask: str) -> set[int]:
    """The buckets a shard's mask says it has, read as search.js reads it (hasBucket)."""
    return {b for b in range(BUCKETS) if int(mask[b >> 2], 16) >> (b & 3) & 1}


@dataclass
class BuiltIndex:
    manifest: dict
    buckets: dict[str, dict[int, list]]  # shard folder -> bucket -> its rows
    facets: dict[str, list]  # shard folder -> its rows
    units: dict[str, list]  # unit id -> its result lines


def read_index(out: Path) -> BuiltIndex:
    """Every file of a built site's search/ (but t2s.js), each checked to be a script calling
    BULLETIN_SEARCH with its own name (its path under search/ without .js)."""
    search = out / "search"
    parts = {path.relative_to(search).with_suffix("").as_posix(): path for path in search.rglob("*.js")
             if path.name != "t2s.js"}
    payload = {name: script_payload(path.read_bytes(), name) for name, path in parts.items()}
    manifest = payload.pop("index")
    index = BuiltIndex(manifest, {}, {}, {})
    for name, data in payload.items():
        folder, _, leaf = name.partition("/")
        if folder == "units":
            index.units[leaf] = data
        elif leaf == "facets":
            index.facets[folder] = data
        else:
            assert re.fullmatch(r"shard-\d+", folder) and re.fullmatch(r"b\d+", leaf), name
            index.buckets.setdefault(folder, {})[int(leaf[1:])] = data
    return index


def build(site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_built_index_holds_each_project_once_found_by_every_word_of_its_text(tmp_path):
    out = build(FILTERS_SITE, tmp_path)
    index = read_index(out)
    _, records = unit_shares(FILTERS_SITE)
    m = index.manifest
    assert (m["version"], m["buckets"]) == (1, BUCKETS)
    assert m["rounds"] == ["第一轮", "第二轮"] and m["units"] == ["建设局", "新镇"] and m["unitIds"] == ["jsj", "xz"]
    assert m["groups"] == ["区直部门", "镇街"]
    assert m["statuses"] == ["未启动", "推进中", "已完成", "暂缓", "已取消", "本轮未报告"]  # labels, not keys
    assert m["categories"] == sorted({"基础设施", "交通停车", "人居环境", "民生保障"})
    assert m["locations"] == ["东街", "新镇中心", "西村"] and m["overdue"] is True
    # one shard by default (5000 projects); its mask names exactly the bucket files it has
    assert [folder for folder, _ in m["shards"]] == ["shard-0"] == sorted(index.buckets) == sorted(index.facets)
    for folder, mask in m["shards"]:
        assert marked(mask) == set(index.buckets[folder])
    # one result line per project, each in its unit's file
    lines = {line[0]: (unit_id, position, line) for unit_id, shown in index.units.items()
             for position, line in enumerate(shown)}
    assert sorted(lines) == sorted(r.url for r in records) and len(lines) == 5
    # the postings of the built buckets are every word of each project's text, once
    decoded: dict[tuple[int, int], dict[str, bool]] = {}
    for folder, buckets in index.buckets.items():
        for bucket, rows in buckets.items():
            for unit, words in rows:
                for word, entries in words.items():
                    assert bucket_of(word) == bucket
                    for entry in entries:
                        assert word not in decoded.setdefault((unit, entry >> 1), {})
                        decoded[(unit, entry >> 1)][word] = bool(entry & 1)
    for record in records:
        unit_id, position, line = lines[record.url]
        title = set(index_tokens(record.title))
        words = decoded.pop((m["unitIds"].index(unit_id), position))
        assert words == {word: word in title for word in index_tokens(record.text)}, record.url
        assert line[1] == record.title and line[2] == record.excerpt and m["statuses"][line[3]] == record.status
        assert m["rounds"][line[4]] == record.latest_round and line[5] == int(record.overdue)
    assert not decoded, f"postings of no project: {decoded}"
    # the facets: one row per unit, one entry per project
    rows = {row[0]: row for row in index.facets["shard-0"]}
    assert rows[1] == [1, 1, ["基础设施", "民生保障"], ["新镇中心"], [[5, 0, [0], 0, 0, 1], [1, 1, [0, 1], 1, -1, 0]]]
    shown = {line[0]: line for line in index.units["xz"]}
    assert shown["projects/xz/gongnuan.html"][3] == 5  # 本轮未报告: left out of the latest round
    assert shown["projects/xz/shitang.html"][2] == "已选定场地，正在装修。"  # the latest progress only


def test_index_files_are_inert_whatever_a_title_category_or_location_holds(minimal_site, tmp_path):
    """</script>, <!-- and U+2028 in content stay data: every part is escaped (a script in a page,
    or JavaScript before ES2019, would end at them), and reads back as written."""
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: "</script><script>alert(1)</script>"
            status: in_progress
            progress: "<!-- \\u2028 x </script>"
            category: "<!--类别\\u2029-->"
            location: "东街\\u2028</SCRIPT>"
            due: 2021-07
        """})
    out = build(minimal_site, tmp_path)
    index = read_index(out)  # checks every file: no "<", no raw U+2028/U+2029, one BULLETIN_SEARCH call
    raw = b"".join(path.read_bytes() for path in (out / "search").rglob("*.js") if path.name != "t2s.js")
    assert b"<" not in raw and "\u2028".encode() not in raw and b"\\u003c" in raw
    line = index.units["u1"][0]
    assert line[:3] == ["projects/u1/p1.html", "</script><script>alert(1)</script>", "<!-- \u2028 x </script>"]
    # category and location as the content's reader gives them (it may turn a line separator into a space)
    _, _, records = records_for(minimal_site)
    lamp = next(r for r in records if r.url == "projects/u1/p1.html")
    assert lamp.category.startswith("<!--类别") and lamp.category.endswith("-->")
    assert lamp.location.startswith("东街") and lamp.location.endswith("</SCRIPT>")
    row = next(row for row in index.facets["shard-0"] if row[0] == 0)
    assert row[2] == [lamp.category] and row[3] == [lamp.location]
    assert row[4][0][3:] == [0, 0, 1]  # its category, its location, overdue (due 2021-07, seen on 2021-08-24)
    assert index.manifest["categories"] == [lamp.category] and index.manifest["locations"] == [lamp.location]
    assert index.manifest["overdue"] is True
    # the title's words are found although it is mostly markup
    words = {w for rows in index.buckets["shard-0"].values() for unit, found in rows if unit == 0 for w in found}
    assert {"script", "alert", "1"} <= words


def test_t2s_script_carries_the_table():
    script = t2s_script().decode("utf-8")
    table = json.loads(script[len("window.BULLETIN_T2S = "):-2])
    assert table["開"] == "开" and table["車"] == "车" and table["區"] == "区"
    assert all(len(k) == 1 and len(v) == 1 for k, v in table.items())


FILTERS_SITE = Path(__file__).parent / "fixtures" / "search-filters"


def test_records_carry_category_location_overdue_and_a_progress_only_excerpt():
    """Overdue is judged on the latest round's date (2024-06-30), never today's; a project its unit
    left out of that round is still judged (and marked not reported)."""
    _, _, records = records_for(FILTERS_SITE)
    by_url = {r.url: r for r in records}
    lamp = by_url["projects/jsj/ludeng.html"]  # due 2024-05, in progress on 2024-06-30
    assert lamp.overdue and lamp.category == "基础设施" and lamp.location == "东街"
    assert lamp.excerpt == "安装过半，部分路段仍在施工。"
    assert lamp.title not in lamp.excerpt and lamp.unit not in lamp.excerpt
    assert not by_url["projects/jsj/tingche.html"].overdue  # due 2024-12-31
    assert not by_url["projects/jsj/lvhua.html"].overdue  # past due but completed
    heating = by_url["projects/xz/gongnuan.html"]  # due 2024-06-15, not reported on 2024-06-30
    assert heating.overdue and heating.status == "本轮未报告"
    canteen = by_url["projects/xz/shitang.html"]
    assert not canteen.overdue and canteen.location == "" and canteen.category == "民生保障"
    # in the index: its category offered, no place (-1), so no empty location option
    share = json.loads(unit_shares(FILTERS_SITE)[0]["xz"].facets)
    assert share[2][share[4][1][3]] == "民生保障" and share[4][1][4] == -1 and "" not in share[3]


def test_result_lines_carry_the_excerpt_apart_from_what_is_shown_above_it():
    """A result shows its title, unit, status and round above the excerpt: the excerpt is the latest
    progress alone, while everything (title, place, category, unit, every round) is searchable."""
    shares, records = unit_shares(FILTERS_SITE)
    lamp = next(r for r in records if r.url == "projects/jsj/ludeng.html")
    assert all(part in lamp.text for part in ("东街路灯更换", "东街", "基础设施", "建设局", "安装过半，部分路段仍在施工。"))
    line = script_payload(shares["jsj"].records, "units/jsj")[0]
    assert line[1:3] == ["东街路灯更换", "安装过半，部分路段仍在施工。"]
    words = decode_postings(shares["jsj"].postings)[0][0]
    assert {"东街", "基础", "建设", "安装", "已采", "灯具"} <= set(words)  # 已采购灯具: the first round


def test_search_page_offers_the_filters_a_citizen_understands(tmp_path):
    """search.html as built: every filter with its label, round, unit, group and status options listed,
    category and location left for search.js to fill from the index (hidden until then), overdue as
    逾期 / 未逾期 with values of no language, and the message for filters that find nothing."""
    from html.parser import HTMLParser

    from conftest import run_cli

    out = tmp_path / "public"
    result = run_cli("build", "--site", str(FILTERS_SITE), "--out", str(out))
    assert result.returncode == 0, result.stderr

    class Filters(HTMLParser):
        def __init__(self):
            super().__init__()
            self.holders, self.labels, self.options, self.config = {}, {}, {}, ""
            self._select = self._label = self._option = None
            self._in_config = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "p" and (attrs.get("id") or "").startswith("search-filter-"):
                self.holders[attrs["id"][len("search-filter-"):]] = "hidden" in attrs
            elif tag == "label" and (attrs.get("for") or "").startswith("filter-"):
                self._label = attrs["for"][len("filter-"):]
                self.labels[self._label] = ""
            elif tag == "select":
                self._select = attrs["data-filter"]
                self.options[self._select] = []
            elif tag == "option" and self._select:
                self._option = [attrs["value"], ""]
                self.options[self._select].append(self._option)
            elif tag == "script" and attrs.get("id") == "search-config":
                self._in_config = True

        def handle_endtag(self, tag):
            self._label = None if tag == "label" else self._label
            self._select = None if tag == "select" else self._select
            self._option = None if tag == "option" else self._option
            self._in_config = False if tag == "script" else self._in_config

        def handle_data(self, data):
            if self._label:
                self.labels[self._label] += data
            if self._option:
                self._option[1] += data.strip()
            if self._in_config:
                self.config += data

    page = Filters()
    page.feed((out / "search.html").read_text(encoding="utf-8"))
    assert page.labels == {"round": "轮次", "unit": "单位", "group": "单位类别", "status": "最新状态",
                           "category": "项目类别", "location": "地点", "overdue": "是否逾期"}
    assert page.holders == {"round": False, "unit": False, "group": False, "status": False,
                            "category": True, "location": True, "overdue": True}
    assert page.options["round"] == [["", "全部"], ["第二轮", "第二轮"], ["第一轮", "第一轮"]]  # latest first
    assert page.options["unit"] == [["", "全部"], ["建设局", "建设局"], ["新镇", "新镇"]]
    assert [value for value, _ in page.options["status"]] == ["", "未启动", "推进中", "已完成", "暂缓", "已取消",
                                                              "本轮未报告"]
    assert page.options["category"] == page.options["location"] == [["", "全部"]]
    assert page.options["overdue"] == [["", "全部"], ["yes", "逾期"], ["no", "未逾期"]]
    strings = json.loads(page.config)["strings"]
    assert strings["noneFiltered"] == "没有符合所选筛选条件的项目。请减少筛选条件，或输入关键词。"
    assert strings["optionCount"] == "{value}（{count}）" and strings["overdue"] == "逾期"


MB = 1024 * 1024


def test_no_index_file_grows_with_the_site_and_a_query_reads_little(tmp_path):
    """Issue 15: no file a page loads exceeds 2 MB at province scale. Here a site of 6,000 projects in
    shards of 1,000 (bench/generate.py's content): no file under search/ reaches 2 MB, and the files a
    query needs (the manifest, one bucket per shard per first character of its words, the facets of
    the shards) are each a small fraction of it."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(site), "--units", "200",
                    "--projects", "6000", "--rounds", "2"], check=True, capture_output=True)
    with (site / "site.yaml").open("a", encoding="utf-8") as settings:
        settings.write("\nsearch:\n  shard_size: 1000\n")
    started = time.monotonic()
    out = build(site, tmp_path)
    assert time.monotonic() - started < 120, "the build of 6,000 projects took over two minutes"
    search = out / "search"
    sizes = {path.relative_to(search).as_posix(): path.stat().st_size for path in search.rglob("*") if path.is_file()}
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < 2 * MB, f"{largest}: {sizes[largest]} bytes"
    index = read_index(out)
    shards = [folder for folder, _ in index.manifest["shards"]]
    assert len(shards) >= 4 and len(index.units) == 200  # units by hash: some of the 6 shards may be empty
    for query in ("社区 路灯 改造", "宝山仕家", "5000", "下荒村垃圾清运点"):
        firsts = {word[0] for word in query.split()}
        needed = ["index.js", "t2s.js"] + [f"{folder}/facets.js" for folder in shards]
        needed += [name for folder in shards for first in firsts
                   if (name := f"{folder}/b{bucket_of(first)}.js") in sizes]
        assert all(sizes[name] < MB // 8 for name in needed), {n: sizes[n] for n in needed if sizes[n] >= MB // 8}
        assert sum(sizes[name] for name in needed) < MB, query
    # a unit's result lines are its own: a file per unit, the size of its projects, not of the site
    assert max(sizes[name] for name in sizes if name.startswith("units/")) < MB // 16
