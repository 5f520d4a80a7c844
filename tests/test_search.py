"""Search indexing: one record per project, folding of Traditional characters, safe data scripts."""

from __future__ import annotations

import json
from pathlib import Path

from bulletin.loader import load_site
from bulletin.i18n import load_translator
from bulletin.layout import BUNDLED_TEMPLATES
from bulletin.search import (filter_vocabulary, index_body, index_document, offline_data_script, offline_rows,
                             search_records, search_tokens, t2s_script, to_simplified)
from conftest import write_site


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
    assert "全部更换完毕" in lamp.latest_text and "正在采购灯泡" not in lamp.latest_text
    dropped = by_url["projects/u1/p2.html"]
    # left out of the latest round: marked and counted as not reported, never as its last status
    assert dropped.latest_round == "第一轮" and dropped.status == "本轮未报告"


def test_traditional_folds_to_simplified_one_for_one():
    assert to_simplified("周口經濟開發區停車場") == "周口经济开发区停车场"
    assert to_simplified("开发区 ABC 123") == "开发区 ABC 123"
    text = "開發區路燈"
    assert len(to_simplified(text)) == len(text)


def test_tokens_are_prefix_free_character_pairs_of_the_folded_text():
    def pairs(text):
        codes = [f"{ord(c):05d}" for c in text] + ["00000"]
        return [f"a{a}{b}" for a, b in zip(codes, codes[1:])]

    assert search_tokens("星海社区") == pairs("星海社区")
    assert search_tokens("開發區") == search_tokens("开发区") == pairs("开发区")
    assert search_tokens("资金5000元, LED灯") == pairs("资金") + pairs("元") + pairs("灯") + ["c5000zz", "cledzz"]
    tokens = search_tokens("下荒村路灯损坏修复项目 5000 50 LED z zz az a lazy zy")
    assert not [a for a in tokens for b in tokens if a != b and b.startswith(a)]
    assert search_tokens("lazy") == ["clazyyzz"]


def test_index_document_escapes_and_carries_filters(minimal_site):
    _, _, records = records_for(minimal_site)
    record = records[0]
    document = index_document(index_body(record), "zh")
    assert 'data-pagefind-filter="unit:甲单位"' in document
    assert 'data-pagefind-filter="round:第一轮"' in document and 'data-pagefind-filter="round:第二轮"' in document
    assert 'data-pagefind-filter="overdue:no"' in document
    # the excerpt is cut from the latest progress only, never from the title shown above it
    assert 'data-pagefind-meta="excerpt:正在采购灯泡"' in document or 'data-pagefind-meta="excerpt:全部更换完毕"' in document
    assert 'data-pagefind-meta="text:' not in document
    hostile = record.__class__(**{**record.__dict__, "title": '"><script>x</script>', "text": "<b>&",
                                  "excerpt": "<i>&", "category": "<u>", "location": '"><x>'})
    document = index_document(index_body(hostile), "zh")
    assert "<script>" not in document and "<b>" not in document
    assert "<i>" not in document and "<u>" not in document and "<x>" not in document


def test_offline_data_is_a_classic_script_that_cannot_break_out(minimal_site):
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: "</script><script>alert(1)</script>"
            status: completed
            progress: "<!-- \\u2028 x"
        """})
    site, translator, records = records_for(minimal_site)
    vocabulary = filter_vocabulary(site, translator)
    rows = [row.encode("utf-8") for row in offline_rows(records, vocabulary)]
    script = offline_data_script(rows, vocabulary).decode("utf-8")
    assert script.startswith("window.BULLETIN_SEARCH_DATA = {") and script.endswith("};\n")
    assert "<" not in script and "\u2028" not in script
    data = json.loads(script[len("window.BULLETIN_SEARCH_DATA = "):-2])
    assert data["rounds"] == ["第一轮", "第二轮"]
    assert data["statuses"][:3] == ["未启动", "推进中", "已完成"]
    titles = [project[1] for project in data["projects"]]
    assert "</script><script>alert(1)</script>" in titles


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
    assert lamp.head + "\n" + lamp.excerpt == lamp.latest_text
    assert not by_url["projects/jsj/tingche.html"].overdue  # due 2024-12-31
    assert not by_url["projects/jsj/lvhua.html"].overdue  # past due but completed
    heating = by_url["projects/xz/gongnuan.html"]  # due 2024-06-15, not reported on 2024-06-30
    assert heating.overdue and heating.status == "本轮未报告"
    canteen = by_url["projects/xz/shitang.html"]
    assert not canteen.overdue and canteen.location == "" and canteen.category == "民生保障"
    document = index_body(canteen)
    assert 'data-pagefind-filter="category:民生保障"' in document
    assert "data-pagefind-filter=\"location:" not in document  # no place: no value, so no empty option


def test_offline_rows_carry_the_filters_and_the_excerpt_apart():
    site, translator, records = records_for(FILTERS_SITE)
    vocabulary = filter_vocabulary(site, translator)
    rows = {row[0]: row for row in map(json.loads, offline_rows(records, vocabulary))}
    lamp = rows["projects/jsj/ludeng.html"]
    assert lamp[7:] == ["东街路灯更换\n东街\n基础设施\n建设局", "安装过半，部分路段仍在施工。", "基础设施", "东街", "yes"]
    assert rows["projects/xz/shitang.html"][9:] == ["民生保障", "", "no"]


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
